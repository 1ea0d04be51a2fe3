/**
 * kafkajs's error classes (same names, fields and `retriable` flags), and the translation of
 * kafka-edge's errors into them, so that code catching `KafkaJSProtocolError` or checking
 * `error.name` keeps working. Each class also extends {@link KafkaEdgeError}: one `instanceof`
 * still tells every error of this package from the caller's own.
 *
 * @module
 */

import {
  AuthenticationError,
  ConnectionError,
  KafkaBrokerError,
  KafkaEdgeError,
  ProducerFencedError,
  RecordTooLargeError,
  TlsError,
} from "../../mod.ts";

/** Options of a {@link KafkaJSError}. */
export interface KafkaJSErrorOptions {
  /** Whether trying again may succeed. Default true, as in kafkajs. */
  retriable?: boolean;
  /** The error behind this one. */
  cause?: unknown;
}

function messageOf(e: Error | string): string {
  return typeof e === "string" ? e : e.message;
}

/** kafkajs's base error: retriable unless said otherwise. */
export class KafkaJSError extends KafkaEdgeError {
  /** A page about the error, when kafkajs had one (never set here). */
  readonly helpUrl?: string;

  /** `e`: a message, or an error whose message is taken. */
  constructor(e: Error | string, options: KafkaJSErrorOptions = {}) {
    super(messageOf(e), { cause: options.cause, retriable: options.retriable ?? true });
  }
}

/** An error that trying again will not cure. */
export class KafkaJSNonRetriableError extends KafkaJSError {
  /** Never retriable. */
  constructor(e: Error | string, options: { cause?: unknown } = {}) {
    super(e, { retriable: false, cause: options.cause });
  }
}

/** The broker answered with a Kafka error code: `type` is its name, `code` its number. */
export class KafkaJSProtocolError extends KafkaJSError {
  /** Kafka's name of the error, e.g. "UNKNOWN_TOPIC_OR_PARTITION". */
  readonly type: string;
  /** Kafka's error code, e.g. 3. */
  readonly code: number;

  /** `type` and `code` name the Kafka error; `retriable` as Kafka classifies it. */
  constructor(
    e: Error | string,
    details: { type: string; code: number; retriable: boolean; cause?: unknown },
  ) {
    super(e, { retriable: details.retriable, cause: details.cause });
    this.type = details.type;
    this.code = details.code;
  }
}

/** A retriable failure outlasted the retries: `cause` is the last one. */
export class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  /** Retries made before giving up, as far as known (kafka-edge retries per batch). */
  readonly retryCount: number;
  /** The last wait before a retry, ms (0 when not known). */
  readonly retryTime: number;

  /** `e` is the last failure; it becomes the cause. */
  constructor(e: Error, details: { retryCount?: number; retryTime?: number } = {}) {
    super(e, { cause: e });
    this.retryCount = details.retryCount ?? 0;
    this.retryTime = details.retryTime ?? 0;
  }
}

/** A connection could not be made, or broke. */
export class KafkaJSConnectionError extends KafkaJSError {
  /** `host:port` of the broker, when known. */
  readonly broker?: string;

  /** Retriable, as in kafkajs. */
  constructor(e: Error | string, details: { broker?: string; cause?: unknown } = {}) {
    super(e, { cause: details.cause });
    this.broker = details.broker;
  }
}

/** A request got no answer in time. */
export class KafkaJSRequestTimeoutError extends KafkaJSError {}

/** SASL authentication failed. */
export class KafkaJSSASLAuthenticationError extends KafkaJSNonRetriableError {}

/** Something kafkajs offers that this facade does not: the message names it. */
export class KafkaJSNotImplemented extends KafkaJSNonRetriableError {}

/** An operation did not finish in time. */
export class KafkaJSTimeout extends KafkaJSNonRetriableError {}

/**
 * The kafkajs error for an error of kafka-edge's core (or of user code called by it). An error
 * that is already a {@link KafkaJSError} is returned as it is. A retriable error reaching the
 * caller means kafka-edge gave up retrying, so it comes wrapped in
 * {@link KafkaJSNumberOfRetriesExceeded}, as kafkajs's retrier does.
 */
export function toKafkaJSError(error: unknown): KafkaJSError {
  if (error instanceof KafkaJSError) return error;
  if (!(error instanceof Error)) return new KafkaJSNonRetriableError(String(error));
  if (error instanceof KafkaBrokerError) {
    const protocol = new KafkaJSProtocolError(error, {
      type: error.kafkaName,
      code: error.code,
      retriable: error.retriable,
      cause: error,
    });
    return error.retriable ? new KafkaJSNumberOfRetriesExceeded(protocol) : protocol;
  }
  if (error instanceof RecordTooLargeError) {
    return new KafkaJSProtocolError(error, {
      type: "MESSAGE_TOO_LARGE",
      code: 10,
      retriable: false,
      cause: error,
    });
  }
  if (error instanceof ProducerFencedError) {
    return new KafkaJSProtocolError(error, {
      type: "PRODUCER_FENCED",
      code: 90,
      retriable: false,
      cause: error,
    });
  }
  if (error instanceof ConnectionError || error instanceof TlsError) {
    return new KafkaJSNumberOfRetriesExceeded(
      new KafkaJSConnectionError(error, { cause: error }),
    );
  }
  if (error instanceof AuthenticationError) {
    return new KafkaJSSASLAuthenticationError(error, { cause: error });
  }
  if (error instanceof KafkaEdgeError && error.retriable) {
    return new KafkaJSNumberOfRetriesExceeded(new KafkaJSError(error, { cause: error }));
  }
  return new KafkaJSNonRetriableError(error, { cause: error });
}
