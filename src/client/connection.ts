/**
 * One connection to one broker: TLS and ApiVersions on connect, then SASL authentication when
 * configured (renewed before the broker's session lifetime ends, KIP-368), version negotiation,
 * correlation ids, the in-flight queue, request timeouts, and response decoding from the frame
 * stream.
 *
 * Kafka answers the requests of one connection in the order they were sent, so in-flight
 * requests are a FIFO and each response must carry the correlation id at its head.
 *
 * @module
 */

import {
  AuthenticationError,
  ConnectionError,
  KafkaBrokerError,
  ProtocolError,
  TimeoutError,
} from "../errors.ts";
import { type Api, negotiateVersion, type VersionRange } from "../protocol/api.ts";
import { decodeResponseBody, encodeRequestFrame, readResponseHeader } from "../protocol/header.ts";
import { ApiVersions } from "../protocol/messages/api_versions.ts";
import { ErrorCode } from "../error_codes.ts";
import { authenticate, reauthenticationDelay } from "./security/sasl_authenticate.ts";
import type { SaslMechanism } from "./security/sasl_mechanism.ts";
import type {
  Endpoint,
  TlsOptions,
  Transport,
  TransportConnection,
} from "../transport/transport.ts";
import { FrameDecoder } from "../protocol/frame_decoder.ts";

/** Settings of a connection. */
export interface ConnectionOptions {
  clientId: string;
  requestTimeoutMs: number;
  /** Largest response frame accepted; a bigger size prefix is treated as corruption. */
  maxResponseSize: number;
  /** Reported to the broker in ApiVersions v3+. */
  softwareName: string;
  softwareVersion: string;
  /** Connect with TLS. */
  tls?: TlsOptions;
  /** Authenticate with this SASL mechanism before any other request. */
  sasl?: SaslMechanism;
  /** Told of every request once it is answered, failed, or (no response expected) written. */
  onRequestDone?: (outcome: RequestOutcome) => void;
}

/** How one request went, for metrics and events. */
export interface RequestOutcome {
  api: Api<unknown, unknown>;
  version: number;
  /** Request frame bytes, size prefix included. */
  requestBytes: number;
  /** Response frame bytes, size prefix included; 0 without a response. */
  responseBytes: number;
  latencyMs: number;
  error?: Error;
}

interface InFlight {
  correlationId: number;
  api: Api<unknown, unknown>;
  version: number;
  requestBytes: number;
  /** performance.now() when the request was written. */
  startedAt: number;
  resolve(response: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** The version ApiVersions is first tried at; older brokers are retried at what they answer. */
const PREFERRED_API_VERSIONS_VERSION = 3;

/** A connection to one broker, ready for requests once {@link Connection.open} resolves. */
export class Connection {
  readonly endpoint: Endpoint;
  readonly #options: ConnectionOptions;
  readonly #decoder: FrameDecoder;
  readonly #inFlight: InFlight[] = [];
  #socket: TransportConnection | null = null;
  #nextCorrelationId = 0;
  #versions: ReadonlyMap<number, VersionRange> = new Map();
  #features: ReadonlyMap<string, number> = new Map();
  #closedError: Error | null = null;
  #onClose: ((error: Error) => void) | null = null;
  #onReauthenticated: (() => void) | null = null;
  #reauthTimer: ReturnType<typeof setTimeout> | undefined;
  /** The session lifetime is nearly over: no new requests until re-authenticated. */
  #reauthDue = false;
  /** Set while re-authenticating: other requests wait for it. */
  #reauthenticating: Promise<void> | null = null;

  private constructor(endpoint: Endpoint, options: ConnectionOptions) {
    this.endpoint = endpoint;
    this.#options = options;
    this.#decoder = new FrameDecoder(options.maxResponseSize);
  }

  /** Connects, asks the broker which API versions it speaks, and returns the connection. */
  static async open(
    transport: Transport,
    endpoint: Endpoint,
    options: ConnectionOptions,
  ): Promise<Connection> {
    const connection = new Connection(endpoint, options);
    const where = `${endpoint.host}:${endpoint.port}`;
    try {
      connection.#socket = await transport.connect(endpoint, {
        onData: (chunk) => connection.#onData(chunk),
        onClose: (error) =>
          connection.#fail(
            error instanceof AuthenticationError
              ? error // the broker refused the TLS session
              : new ConnectionError(`connection to ${where} closed`, { cause: error }),
          ),
      }, options.tls);
    } catch (error) {
      if (error instanceof AuthenticationError) throw error; // a TLS handshake that failed
      throw new ConnectionError(`cannot connect to ${where}`, { cause: error });
    }
    try {
      await connection.#negotiateApiVersions();
      if (options.sasl) await connection.#authenticate(options.sasl);
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  /** Whether the connection can still take requests. */
  get isOpen(): boolean {
    return this.#closedError === null;
  }

  /** Whether new requests should go out now (not while a re-authentication is due). */
  get isReady(): boolean {
    return this.#closedError === null && !this.#reauthDue;
  }

  /** Requests sent and not yet answered. */
  get inFlightCount(): number {
    return this.#inFlight.length;
  }

  /** Called once when the connection fails or closes. */
  set onClose(listener: ((error: Error) => void) | null) {
    this.#onClose = listener;
  }

  /** Called when a re-authentication succeeded and the connection takes requests again. */
  set onReauthenticated(listener: (() => void) | null) {
    this.#onReauthenticated = listener;
  }

  /**
   * The cluster's finalized feature levels as this broker reported them in ApiVersions, e.g.
   * `transaction.version` (empty for brokers before Kafka 2.7 or ApiVersions v3).
   */
  get finalizedFeatures(): ReadonlyMap<string, number> {
    return this.#features;
  }

  /** The version of `api` to use with this broker (throws if none is shared). */
  versionOf(api: Api<unknown, unknown>): number {
    return negotiateVersion(api, this.#versions);
  }

  /**
   * Sends a request (at `version`, else the negotiated one) and resolves with the decoded
   * response. Every failure, an unsupported API included, is a rejection.
   */
  request<Req, Res>(api: Api<Req, Res>, request: Req, version?: number): Promise<Res> {
    if (this.#reauthenticating) {
      return this.#reauthenticating.then(() => this.#request(api, request, version));
    }
    return this.#request(api, request, version);
  }

  #request<Req, Res>(api: Api<Req, Res>, request: Req, version?: number): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      version ??= this.versionOf(api);
      const startedAt = performance.now();
      const { correlationId, requestBytes } = this.#send(api, request, version);
      // The write itself may have found the socket closed (`onClose` from inside `write`, see
      // TransportEvents): the connection failed already, rejecting what was in flight; this too.
      if (this.#closedError) {
        this.#reportUnanswered(api, version, requestBytes, startedAt, this.#closedError);
        reject(this.#closedError);
        return;
      }
      const timer = setTimeout(() => {
        this.#fail(
          new TimeoutError(
            `${api.name} request to ${this.endpoint.host}:${this.endpoint.port} ` +
              `got no response within ${this.#options.requestTimeoutMs} ms`,
          ),
        );
      }, this.#options.requestTimeoutMs);
      this.#inFlight.push({
        correlationId,
        api: api as Api<unknown, unknown>,
        version,
        requestBytes,
        startedAt,
        resolve: resolve as (response: unknown) => void,
        reject,
        timer,
      });
    });
  }

  /**
   * Sends a request the broker does not answer (Produce with acks 0), at `version` (else the
   * negotiated one). Resolves once the bytes have been handed to the socket.
   */
  async send<Req>(api: Api<Req, unknown>, request: Req, version?: number): Promise<void> {
    await this.#reauthenticating;
    const startedAt = performance.now();
    version ??= this.versionOf(api);
    const { requestBytes } = this.#send(api, request, version);
    await this.#socket!.drained();
    const error = this.#closedError ?? undefined;
    this.#reportUnanswered(api, version, requestBytes, startedAt, error);
    if (error) throw error;
  }

  /** Tells the observer of a request that got no response (acks 0, or its write failed). */
  #reportUnanswered<Req>(
    api: Api<Req, unknown>,
    version: number,
    requestBytes: number,
    startedAt: number,
    error: Error | undefined,
  ): void {
    this.#options.onRequestDone?.({
      api: api as Api<unknown, unknown>,
      version,
      requestBytes,
      responseBytes: 0,
      latencyMs: performance.now() - startedAt,
      error,
    });
  }

  /** Closes the connection; requests in flight reject with a {@link ConnectionError}. */
  close(): void {
    this.#fail(new ConnectionError("connection closed by the client"));
  }

  #send<Req>(
    api: Api<Req, unknown>,
    request: Req,
    version: number,
  ): { correlationId: number; requestBytes: number } {
    if (this.#closedError) throw this.#closedError;
    const correlationId = this.#nextCorrelationId;
    this.#nextCorrelationId = (this.#nextCorrelationId + 1) | 0;
    const frame = encodeRequestFrame(api, version, correlationId, this.#options.clientId, request);
    this.#socket!.write(frame.chunks);
    return { correlationId, requestBytes: frame.length };
  }

  async #negotiateApiVersions(): Promise<void> {
    const request = {
      clientSoftwareName: this.#options.softwareName,
      clientSoftwareVersion: this.#options.softwareVersion,
    };
    let response = await this.request(ApiVersions, request, PREFERRED_API_VERSIONS_VERSION);
    if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
      // The broker lists the ApiVersions range it does accept (KIP-511); else fall back to v0.
      const range = response.apiVersions.get(ApiVersions.key);
      const fallback = range ? Math.min(range.maxVersion, PREFERRED_API_VERSIONS_VERSION) : 0;
      response = await this.request(ApiVersions, request, fallback);
    }
    if (response.errorCode !== ErrorCode.NONE) {
      throw new KafkaBrokerError(response.errorCode, "ApiVersions");
    }
    this.#versions = response.apiVersions;
    this.#features = response.finalizedFeatures;
  }

  /** Runs the SASL exchange and schedules its renewal if the broker limits the session. */
  async #authenticate(mechanism: SaslMechanism): Promise<void> {
    const sessionLifetimeMs = await authenticate(
      { request: (api, request) => this.#request(api, request) },
      mechanism,
    );
    const delayMs = reauthenticationDelay(sessionLifetimeMs);
    if (delayMs === null || this.#closedError) return;
    this.#reauthTimer = setTimeout(() => {
      this.#reauthDue = true;
      this.#maybeReauthenticate();
    }, delayMs);
  }

  /**
   * Re-authenticates once a renewal is due and nothing is in flight (as the Java client does):
   * the sender stops sending when `isReady` turns false, so the in-flight queue drains. A
   * refusal closes the connection with the {@link AuthenticationError}.
   */
  #maybeReauthenticate(): void {
    const mechanism = this.#options.sasl;
    if (!this.#reauthDue || this.#reauthenticating || this.#inFlight.length > 0) return;
    if (!mechanism || this.#closedError) return;
    this.#reauthenticating = this.#authenticate(mechanism).then(
      () => {
        this.#reauthDue = false;
        this.#reauthenticating = null;
        this.#onReauthenticated?.();
      },
      (error) => {
        this.#reauthenticating = null;
        this.#fail(error as Error);
      },
    );
  }

  #onData(chunk: Uint8Array): void {
    try {
      for (const frame of this.#decoder.push(chunk)) this.#onFrame(frame);
    } catch (error) {
      if (!this.#options.tls && this.#versions.size === 0 && looksLikeTls(chunk)) {
        const { host, port } = this.endpoint;
        this.#fail(
          new ProtocolError(
            `${host}:${port} answered with TLS, not Kafka's plaintext protocol: it is a TLS ` +
              `listener (connect to it with the ssl setting)`,
            { cause: error },
          ),
        );
        return;
      }
      // The requests in flight lost their connection, nothing more: they may be retried (an
      // idempotent batch keeps its sequence), the undecodable response kept as the cause.
      const { host, port } = this.endpoint;
      this.#fail(
        new ConnectionError(`connection to ${host}:${port} closed: a response could not be read`, {
          cause: error instanceof ProtocolError
            ? error
            : new ProtocolError("cannot decode response", { cause: error }),
        }),
      );
    }
  }

  #onFrame(frame: Uint8Array): void {
    const { correlationId, body } = readResponseHeader(frame);
    const head = this.#inFlight[0];
    if (!head || head.correlationId !== correlationId) {
      throw new ProtocolError(
        `response with correlation id ${correlationId}, expected ${head?.correlationId ?? "none"}`,
      );
    }
    this.#inFlight.shift();
    clearTimeout(head.timer);
    if (this.#reauthDue) queueMicrotask(() => this.#maybeReauthenticate());
    let response: unknown;
    try {
      response = decodeResponseBody(head.api, head.version, body);
    } catch (error) {
      this.#reportDone(head, 0, error as Error);
      head.reject(error as Error);
      throw error;
    }
    head.resolve(response);
    this.#reportDone(head, frame.length + 4);
  }

  #reportDone(request: InFlight, responseBytes: number, error?: Error): void {
    this.#options.onRequestDone?.({
      api: request.api,
      version: request.version,
      requestBytes: request.requestBytes,
      responseBytes,
      latencyMs: performance.now() - request.startedAt,
      error,
    });
  }

  #fail(error: Error): void {
    if (this.#closedError) return;
    this.#closedError = error;
    clearTimeout(this.#reauthTimer);
    this.#socket?.close();
    for (const request of this.#inFlight.splice(0)) {
      clearTimeout(request.timer);
      this.#reportDone(request, 0, error);
      request.reject(error);
    }
    this.#onClose?.(error);
  }
}

/** Whether bytes begin with a TLS record header (an alert or a handshake, TLS 1.x). */
function looksLikeTls(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && (bytes[0] === 0x15 || bytes[0] === 0x16) && bytes[1] === 0x03;
}
