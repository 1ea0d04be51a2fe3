/**
 * What every client (the producer, the admin) is configured with, and how a configuration is
 * validated: the schema parts they share (brokers, transport, TLS, SASL) and one way to turn a
 * failed validation into a {@link ConfigError} naming the first bad field.
 *
 * @module
 */

import { z } from "zod";
import { ConfigError } from "../errors.ts";
import type { Transport } from "../transport/transport.ts";
import { parseEndpoint } from "./bootstrap.ts";
import type { SaslMechanism } from "./security/sasl_mechanism.ts";
import { saslMechanism, saslSchema, sslSchema, TlsSettings } from "./security/settings.ts";

/** An integer in `[min, max]` (int32 by default, as Java's settings). */
export const int = (min: number, max = 2 ** 31 - 1): z.ZodNumber =>
  z.number().int().min(min).max(max);

function isEndpoint(address: string): boolean {
  try {
    parseEndpoint(address);
    return true;
  } catch {
    return false;
  }
}

/** The settings every client has, with their schema. */
export const clientSchema = {
  bootstrapServers: z.array(z.string().refine(isEndpoint, "expected host:port")).min(
    1,
    "at least one broker address is needed",
  ),
  transport: z.union([
    z.enum(["deno", "bun", "node", "workers"]),
    z.custom<Transport>(
      (v) => typeof v === "object" && v !== null && typeof Reflect.get(v, "connect") === "function",
      "expected a transport object",
    ),
  ]).optional(),
  ssl: sslSchema.optional(),
  sasl: saslSchema.optional(),
};

/**
 * Validates `input` against `schema`. Throws {@link ConfigError} naming the first bad field, with
 * every problem listed in the message ("invalid `what` config: ...").
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const keys = issue.code === "unrecognized_keys" ? issue.keys.join(", ") : "";
    const field = issue.path.join(".") || keys || "config";
    return { field, text: `${field}: ${issue.message}` };
  });
  throw new ConfigError(`invalid ${what} config: ${problems.map((p) => p.text).join("; ")}`, {
    field: problems[0].field,
  });
}

/** What validated `ssl` and `sasl` settings resolve to, for the connections. */
export interface ResolvedSecurity {
  /** TLS options, when `ssl` is set. */
  tls: TlsSettings | undefined;
  /** The SASL mechanism with its credentials, when `sasl` is set. */
  sasl: SaslMechanism | undefined;
}

/** The TLS settings and SASL mechanism of validated `ssl` and `sasl` settings. */
export function resolveSecurity(
  ssl: z.output<typeof sslSchema> | undefined,
  sasl: z.output<typeof saslSchema> | undefined,
): ResolvedSecurity {
  return { tls: ssl && new TlsSettings(ssl), sasl: sasl && saslMechanism(sasl) };
}
