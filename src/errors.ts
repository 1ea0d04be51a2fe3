/**
 * Typed errors. Every error this package throws or rejects with is a {@link KafkaEdgeError},
 * so callers can tell ours from their own with one `instanceof`. (`SendBatchError`, which carries
 * records' metadata, lives with the producer: src/producer/send_batch.ts.)
 *
 * @module
 */

import { errorName, isRetriableErrorCode } from "./error_codes.ts";

/**
 * Base class of every error raised by kafka-edge.
 *
 * @example Tell failures apart
 * ```ts
 * import { KafkaBrokerError, KafkaEdgeError, KafkaProducer } from "@kafka-edge/producer";
 *
 * const producer = new KafkaProducer({ bootstrapServers: ["127.0.0.1:9092"] });
 * try {
 *   await producer.send({ topic: "events", value: "x" });
 * } catch (error) {
 *   if (error instanceof KafkaBrokerError) console.error(error.kafkaName, error.code);
 *   else if (error instanceof KafkaEdgeError) console.error(error.name, error.retriable);
 *   else throw error;
 * }
 * ```
 */
export class KafkaEdgeError extends Error {
  /** True when the same operation may succeed if tried again. */
  readonly retriable: boolean;

  /** `retriable` defaults to false. */
  constructor(message: string, options?: { cause?: unknown; retriable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options?.retriable ?? false;
  }
}

/**
 * An error's message followed by its causes' ("cannot connect to h:p: Connection refused"), each
 * cause once, as far as three deep: for messages that must say why.
 */
export function describeChain(error: Error): string {
  let text = error.message;
  let cause = error.cause;
  for (let depth = 0; depth < 3 && cause !== undefined && cause !== null; depth++) {
    const message = cause instanceof Error ? cause.message : String(cause);
    if (message && !text.includes(message)) text += `: ${message}`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return text;
}

/** Bytes from the network do not form a valid Kafka message (truncated, bad length, bad CRC). */
export class ProtocolError extends KafkaEdgeError {}

/** The broker answered with a non-zero Kafka error code. */
export class KafkaBrokerError extends KafkaEdgeError {
  /** Kafka's numeric error code, e.g. 3 for UNKNOWN_TOPIC_OR_PARTITION. */
  readonly code: number;
  /** Kafka's name for the code, e.g. "UNKNOWN_TOPIC_OR_PARTITION". */
  readonly kafkaName: string;

  /** `retriable` overrides Kafka's classification (e.g. sequence errors an epoch bump cures). */
  constructor(code: number, context: string, brokerMessage?: string | null, retriable?: boolean) {
    const kafkaName = errorName(code);
    const detail = brokerMessage ? `: ${brokerMessage}` : "";
    super(`${context}: ${kafkaName} (${code})${detail}`, {
      retriable: retriable ?? isRetriableErrorCode(code),
    });
    this.code = code;
    this.kafkaName = kafkaName;
  }
}

/**
 * A configuration value is missing, of the wrong type or out of range.
 *
 * @example
 * ```ts
 * import { ConfigError, KafkaProducer } from "@kafka-edge/producer";
 *
 * try {
 *   new KafkaProducer({ bootstrapServers: ["127.0.0.1:9092"], lingerMs: -1 });
 * } catch (error) {
 *   if (error instanceof ConfigError) console.error(error.field); // "lingerMs"
 * }
 * ```
 */
export class ConfigError extends KafkaEdgeError {
  /** The offending field, e.g. "batchSize", when one field is to blame. */
  readonly field: string | undefined;

  /** `field` names the offending setting. */
  constructor(message: string, options?: { field?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.field = options?.field;
  }
}

/** A record cannot be sent as given: wrong type of key, value or header, bad partition or topic. */
export class InvalidRecordError extends KafkaEdgeError {}

/** The configured `keySerializer` or `valueSerializer` threw; the error it threw is the cause. */
export class SerializationError extends KafkaEdgeError {}

/** A record is larger than `maxRequestSize` or `bufferMemory` allow. */
export class RecordTooLargeError extends KafkaEdgeError {}

/** A transactional call out of order: commit without begin, send outside a transaction... */
export class TransactionStateError extends KafkaEdgeError {}

/**
 * Another producer with the same `transactionalId` started (or the broker expired this one's
 * epoch): this producer can do nothing more and should be closed. Kafka's PRODUCER_FENCED.
 */
export class ProducerFencedError extends KafkaEdgeError {}

/** `send()` after `close()`, or a record still buffered when `close()` gave up. */
export class ProducerClosedError extends KafkaEdgeError {}

/** Neither side speaks a version of an API that the other understands. */
export class UnsupportedVersionError extends KafkaEdgeError {}

/** A connection could not be made, or was lost with requests in flight. */
export class ConnectionError extends KafkaEdgeError {
  /** Always retriable. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { cause: options?.cause, retriable: true });
  }
}

/** An operation did not complete within its configured time. */
export class TimeoutError extends KafkaEdgeError {
  /** Retriable unless `retriable` says otherwise. */
  constructor(message: string, options?: { cause?: unknown; retriable?: boolean }) {
    super(message, { cause: options?.cause, retriable: options?.retriable ?? true });
  }
}

/** `bufferMemory` stayed full for `maxBlockMs`: the record was not accepted. */
export class BufferExhaustedError extends TimeoutError {
  /** Always retriable. */
  constructor(message: string) {
    super(message, { retriable: true });
  }
}

/**
 * The broker did not accept this client's credentials (SASL), or the client could not
 * authenticate the broker (TLS). Fatal: the producer stops connecting, and every pending and
 * later send rejects with this error.
 */
export class AuthenticationError extends KafkaEdgeError {
  /** The SASL mechanism, e.g. "SCRAM-SHA-512", or "TLS" for a failed handshake. */
  readonly mechanism: string;

  /** `mechanism` ("PLAIN", "TLS"...) starts the message. */
  constructor(mechanism: string, message: string, options?: { cause?: unknown }) {
    super(`${mechanism} authentication failed: ${message}`, { cause: options?.cause });
    this.mechanism = mechanism;
  }
}

/** The TLS handshake failed: an untrusted or mismatched certificate, or no TLS on the port. */
export class TlsError extends AuthenticationError {
  /** An {@link AuthenticationError} of mechanism "TLS". */
  constructor(message: string, options?: { cause?: unknown }) {
    super("TLS", message, options);
  }
}

/**
 * The caller's `AbortSignal` fired while the record was still waiting (for metadata or buffer
 * memory): it was not sent. `cause` is the signal's reason. Named "AbortError", as the DOM's is.
 */
export class AbortError extends KafkaEdgeError {}
