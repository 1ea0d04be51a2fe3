/**
 * `new Kafka(config)`'s settings, and their translation into kafka-edge's: what has an
 * equivalent is mapped (`ssl`, `sasl`, timeouts, `retry`, logging), what has none throws
 * {@link KafkaJSNotImplemented} naming the option.
 *
 * @module
 */

import type { OAuthBearerToken, SaslConfig, SslConfig } from "../../mod.ts";
import { KafkaJSNonRetriableError, KafkaJSNotImplemented } from "./errors.ts";
import {
  consoleLogCreator,
  createLogger,
  type LogCreator,
  type Logger,
  type LogLevel,
  logLevel,
} from "./logger.ts";
import type { RetryOptions } from "./types.ts";

/** TLS settings: Node's `tls.connect` options that kafka-edge has on every runtime. */
export interface KafkaJSTlsOptions {
  /** CA certificates (PEM) to trust. */
  ca?: string | Uint8Array | (string | Uint8Array)[];
  /** Client certificate chain (PEM), for mutual TLS. */
  cert?: string | Uint8Array | (string | Uint8Array)[];
  /** The client certificate's private key (PEM). */
  key?: string | Uint8Array | (string | Uint8Array)[];
  /** The name the broker's certificate must carry. */
  servername?: string;
  /** Whether an untrusted certificate ends the connection. Default true. */
  rejectUnauthorized?: boolean;
  /** Other `tls.connect` options are refused with {@link KafkaJSNotImplemented}. */
  [option: string]: unknown;
}

/** What an OAUTHBEARER provider returns. */
export interface OauthbearerProviderResponse {
  /** The token. */
  value: string;
  /** SASL extensions, if the service wants some. */
  extensions?: Record<string, string>;
}

/** SASL settings (mechanism names in lower case, as in kafkajs). */
export type SASLOptions =
  | { mechanism: "plain" | "scram-sha-256" | "scram-sha-512"; username: string; password: string }
  | { mechanism: "oauthbearer"; oauthBearerProvider: () => Promise<OauthbearerProviderResponse> }
  | { mechanism: string; [option: string]: unknown };

/** `new Kafka()`'s settings. */
export interface KafkaConfig {
  /** Seed brokers (`host:port`), or a function returning them, called by `connect()`. */
  brokers: string[] | (() => string[] | Promise<string[]>);
  /** TLS: `true`, or options. */
  ssl?: boolean | KafkaJSTlsOptions;
  /** SASL authentication. */
  sasl?: SASLOptions;
  /** Sent with every request. Default "kafkajs". */
  clientId?: string;
  /** How long a connection attempt may take, ms. Default 1000. */
  connectionTimeout?: number;
  /** How long to wait for a response, ms. Default 30000. */
  requestTimeout?: number;
  /** Only `true` (the default) is supported. */
  enforceRequestTimeout?: boolean;
  /** Not supported: throws {@link KafkaJSNotImplemented}. */
  authenticationTimeout?: number;
  /** Not supported: throws {@link KafkaJSNotImplemented}. */
  reauthenticationThreshold?: number;
  /** Retries of every call. */
  retry?: RetryOptions;
  /** Not supported: kafka-edge opens sockets with each runtime's own API. */
  socketFactory?: unknown;
  /** Default INFO (or `KAFKAJS_LOG_LEVEL`). */
  logLevel?: LogLevel;
  /** Default: JSON lines on the console. */
  logCreator?: LogCreator;
}

/** A validated client configuration. */
export interface ClientSettings {
  brokers: KafkaConfig["brokers"];
  clientId: string;
  connectionTimeout: number;
  requestTimeout: number;
  retry: RetryOptions;
  ssl: SslConfig | undefined;
  sasl: SaslConfig | undefined;
  logger: Logger;
}

const TLS_OPTIONS = new Set(["ca", "cert", "key", "servername", "rejectUnauthorized"]);
const decoder = new TextDecoder();

function pem(value: unknown, field: string): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return decoder.decode(value);
  if (Array.isArray(value)) return value.map((v) => pem(v, field)).join("\n");
  throw new KafkaJSNonRetriableError(`ssl.${field} must be PEM text or bytes`);
}

function tlsSettings(ssl: KafkaConfig["ssl"]): SslConfig | undefined {
  if (ssl === undefined || ssl === false) return undefined;
  if (ssl === true) return {};
  const settings: SslConfig = {};
  for (const [option, value] of Object.entries(ssl)) {
    if (value === undefined) continue;
    if (!TLS_OPTIONS.has(option)) {
      throw new KafkaJSNotImplemented(
        `ssl.${option} is not supported: kafka-edge takes ca, cert, key, servername and ` +
          "rejectUnauthorized on every runtime",
      );
    }
    if (option === "servername") settings.servername = value as string;
    else if (option === "rejectUnauthorized") settings.rejectUnauthorized = value as boolean;
    else settings[option as "ca" | "cert" | "key"] = pem(value, option);
  }
  return settings;
}

/** The `exp` claim of a JWT, in ms; undefined when the token is not a JWT with one. */
function jwtExpiry(token: string): number | undefined {
  try {
    const payload = token.split(".")[1];
    const json = atob(payload.replaceAll("-", "+").replaceAll("_", "/"));
    const exp = JSON.parse(json).exp;
    return typeof exp === "number" ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** How long a token without an expiry of its own is reused before the provider is asked again. */
const OPAQUE_TOKEN_LIFETIME_MS = 60_000;

function saslSettings(sasl: SASLOptions | undefined): SaslConfig | undefined {
  if (sasl === undefined) return undefined;
  if ("authenticationProvider" in sasl) {
    throw new KafkaJSNotImplemented(
      `sasl.authenticationProvider (custom mechanism ${sasl.mechanism}) is not supported`,
    );
  }
  const mechanism = String(sasl.mechanism).toLowerCase();
  if (mechanism === "plain" || mechanism === "scram-sha-256" || mechanism === "scram-sha-512") {
    const { username, password } = sasl as { username: string; password: string };
    return {
      mechanism: mechanism.toUpperCase() as "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512",
      username,
      password,
    };
  }
  if (mechanism === "oauthbearer") {
    const provider = (sasl as { oauthBearerProvider: () => Promise<OauthbearerProviderResponse> })
      .oauthBearerProvider;
    return {
      mechanism: "OAUTHBEARER",
      oauthBearerProvider: async (): Promise<OAuthBearerToken> => {
        const token = await provider();
        return {
          value: token.value,
          expiresAtMs: jwtExpiry(token.value) ?? Date.now() + OPAQUE_TOKEN_LIFETIME_MS,
          extensions: token.extensions,
        };
      },
    };
  }
  throw new KafkaJSNotImplemented(
    `sasl.mechanism ${sasl.mechanism} is not supported: use plain, scram-sha-256, ` +
      "scram-sha-512 or oauthbearer",
  );
}

/** Throws {@link KafkaJSNotImplemented} for retry settings kafka-edge cannot follow. */
export function checkRetry(retry: RetryOptions | undefined, where: string): void {
  if (retry?.factor !== undefined && retry.factor !== 0.2) {
    throw new KafkaJSNotImplemented(
      `${where}.factor ${retry.factor}: kafka-edge's backoff jitter is fixed at 0.2`,
    );
  }
  if (retry?.multiplier !== undefined && retry.multiplier !== 2) {
    throw new KafkaJSNotImplemented(
      `${where}.multiplier ${retry.multiplier}: kafka-edge's backoff doubles per attempt`,
    );
  }
}

/** Validates `new Kafka()`'s config; throws for what kafka-edge does not have. */
export function clientSettings(config: KafkaConfig): ClientSettings {
  if (typeof config !== "object" || config === null) {
    throw new KafkaJSNonRetriableError("new Kafka() needs a config with brokers");
  }
  const unsupported = [
    ["socketFactory", "kafka-edge opens its sockets with each runtime's own API"],
    ["authenticationTimeout", "authentication is bounded by requestTimeout"],
    ["reauthenticationThreshold", "kafka-edge re-authenticates at 85-95% of the session"],
  ] as const;
  for (const [option, why] of unsupported) {
    if (config[option] !== undefined) {
      throw new KafkaJSNotImplemented(`${option} is not supported: ${why}`);
    }
  }
  if (config.enforceRequestTimeout === false) {
    throw new KafkaJSNotImplemented(
      "enforceRequestTimeout: false is not supported: every request has requestTimeout",
    );
  }
  const brokers = config.brokers;
  if (typeof brokers !== "function" && (!Array.isArray(brokers) || brokers.length === 0)) {
    throw new KafkaJSNonRetriableError(
      "Failed to connect: brokers should not be null or an empty array",
    );
  }
  checkRetry(config.retry, "retry");
  return {
    brokers,
    clientId: config.clientId ?? "kafkajs",
    connectionTimeout: config.connectionTimeout ?? 1000,
    requestTimeout: config.requestTimeout ?? 30_000,
    retry: config.retry ?? {},
    ssl: tlsSettings(config.ssl),
    sasl: saslSettings(config.sasl),
    logger: createLogger(config.logLevel ?? logLevel.INFO, config.logCreator ?? consoleLogCreator),
  };
}
