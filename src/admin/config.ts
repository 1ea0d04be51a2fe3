/**
 * Admin configuration: the producer's names for what the two share (brokers, client id, request
 * timeout, transport, `ssl`, `sasl`), validated by one zod schema so that a bad value fails
 * {@link KafkaAdmin.connect} with the field and the reason.
 *
 * @module
 */

import { z } from "zod";
import {
  clientSchema,
  int,
  parseConfig,
  type ResolvedSecurity,
  resolveSecurity,
} from "../client/config.ts";
import type { SaslConfig, SslConfig } from "../client/security/settings.ts";
import type { TransportName } from "../transport/detect.ts";
import type { Transport } from "../transport/transport.ts";

/** Settings of {@link KafkaAdmin.connect}. Only `bootstrapServers` is required. */
export interface AdminOptions {
  /** `host:port` of one or more brokers. */
  bootstrapServers: readonly string[];
  /** Sent with every request. Default "kafka-edge-admin". */
  clientId?: string;
  /** How long to wait for a response. Default 30000. */
  requestTimeoutMs?: number;
  /** The runtime's sockets to use: a name, or a {@link Transport} of your own. Default: detected. */
  transport?: TransportName | Transport;
  /** Connect with TLS (Java's `security.protocol` SSL, or SASL_SSL with `sasl`). */
  ssl?: SslConfig;
  /** Authenticate the connection with SASL (SASL_PLAINTEXT, or SASL_SSL with `ssl`). */
  sasl?: SaslConfig;
}

const schema = z.strictObject({
  ...clientSchema,
  clientId: z.string().default("kafka-edge-admin"),
  requestTimeoutMs: int(0).default(30_000),
});

/** Validated admin options with every default filled in. */
export type ResolvedAdminOptions =
  & Omit<z.output<typeof schema>, "ssl" | "sasl">
  & ResolvedSecurity;

/**
 * Validates admin options. Throws {@link ConfigError} naming the first bad field, listing all
 * problems in the message.
 */
export function resolveAdminOptions(input: unknown): ResolvedAdminOptions {
  const { ssl, sasl, ...rest } = parseConfig(schema, input, "admin");
  return { ...rest, ...resolveSecurity(ssl, sasl) };
}
