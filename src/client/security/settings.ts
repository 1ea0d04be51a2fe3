/**
 * The `ssl` and `sasl` settings: their schema, and what they resolve to (TLS options for the
 * transport, a SASL mechanism for each connection). Secrets (passwords, private keys, the token
 * provider) end up in private fields only, so neither the resolved config's JSON nor its
 * inspection shows them, and no error message quotes a value.
 *
 * @module
 */

import { z } from "zod";
import type { OAuthBearerTokenProvider } from "./sasl_oauthbearer.ts";
import { OAuthBearerMechanism } from "./sasl_oauthbearer.ts";
import type { SaslMechanism } from "./sasl_mechanism.ts";
import { PlainMechanism } from "./sasl_plain.ts";
import { ScramMechanism } from "./sasl_scram.ts";
import type { TlsOptions } from "../../transport/transport.ts";

/** TLS to the brokers (PEM strings). `{}` uses the runtime's trusted CAs. */
export type SslConfig = TlsOptions;

/** SASL authentication with a username and password. */
export interface SaslPasswordConfig {
  /** The SASL mechanism. */
  mechanism: "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";
  /** The user's name. */
  username: string;
  /** The user's password. */
  password: string;
}

/** SASL OAUTHBEARER with tokens from `oauthBearerProvider`. */
export interface SaslOAuthBearerConfig {
  /** The SASL mechanism. */
  mechanism: "OAUTHBEARER";
  /** Called for a token at each authentication. */
  oauthBearerProvider: OAuthBearerTokenProvider;
}

/** SASL authentication of every connection. */
export type SaslConfig = SaslPasswordConfig | SaslOAuthBearerConfig;

const pem = (what: string) =>
  z.string().refine((text) => text.includes("-----BEGIN "), `expected a PEM ${what}`);

/** Schema of `ssl`. */
export const sslSchema = z.strictObject({
  ca: pem("certificate").optional(),
  cert: pem("certificate").optional(),
  key: pem("private key").optional(),
  servername: z.string().min(1).optional(),
  rejectUnauthorized: z.boolean().optional(),
}).refine((ssl) => (ssl.cert === undefined) === (ssl.key === undefined), {
  message: "cert and key go together (mutual TLS)",
  path: ["key"],
});

/** Schema of `sasl`. */
export const saslSchema = z.discriminatedUnion("mechanism", [
  z.strictObject({
    mechanism: z.enum(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]),
    username: z.string().min(1),
    password: z.string().min(1),
  }),
  z.strictObject({
    mechanism: z.literal("OAUTHBEARER"),
    oauthBearerProvider: z.custom<OAuthBearerTokenProvider>(
      (v) => typeof v === "function",
      "expected an async function returning { value, expiresAtMs }",
    ),
  }),
], { error: () => "expected mechanism PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER" });

/** TLS options kept out of sight: `JSON.stringify` and inspection show no private key. */
export class TlsSettings {
  readonly #options: TlsOptions;

  constructor(options: TlsOptions) {
    this.#options = { ...options };
  }

  /** The options for the transport. */
  get options(): TlsOptions {
    return this.#options;
  }
}

/** The mechanism a validated `sasl` setting names, holding its credentials. */
export function saslMechanism(config: z.output<typeof saslSchema>): SaslMechanism {
  switch (config.mechanism) {
    case "PLAIN":
      return new PlainMechanism(config.username, config.password);
    case "SCRAM-SHA-256":
    case "SCRAM-SHA-512":
      return new ScramMechanism(config.mechanism, config.username, config.password);
    case "OAUTHBEARER":
      return new OAuthBearerMechanism(config.oauthBearerProvider);
  }
}
