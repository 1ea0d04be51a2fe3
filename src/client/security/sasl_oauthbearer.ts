/**
 * OAUTHBEARER (RFC 7628) with a token from the caller's async provider. The token is kept and
 * reused until 80% of its lifetime has passed (as the Java client's refresh window) or fewer
 * than 30 s of it are left, then the provider is asked again, so every connection and
 * re-authentication presents a token that outlives the session it opens (the broker ends a
 * session when its token expires). Concurrent authentications share one provider call.
 *
 * @module
 */

import { AuthenticationError, ConnectionError } from "../../errors.ts";
import type { SaslExchange, SaslMechanism } from "./sasl_mechanism.ts";

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** What an OAUTHBEARER token provider returns. */
export interface OAuthBearerToken {
  /** The token (a JWT for most identity providers). */
  value: string;
  /** When it expires, in milliseconds since the epoch. */
  expiresAtMs: number;
  /** SASL extensions some services want, e.g. `{ logicalCluster: "lkc-123" }`. */
  extensions?: Readonly<Record<string, string>>;
}

/** Fetches a token from an identity provider; called again before the last one expires. */
export type OAuthBearerTokenProvider = () => Promise<OAuthBearerToken>;

/** Share of a token's lifetime after which a fresh one is fetched. */
const REFRESH_AT = 0.8;

/** A token with less life left than this is not presented again. */
const MIN_REMAINING_MS = 30_000;

/** RFC 7628's key/value separator. */
const SEP = "\x01";

interface CachedToken {
  token: OAuthBearerToken;
  refreshAtMs: number;
}

/** OAUTHBEARER with a token provider. */
export class OAuthBearerMechanism implements SaslMechanism {
  readonly name = "OAUTHBEARER";
  readonly #provider: OAuthBearerTokenProvider;
  #cached: CachedToken | null = null;
  #fetching: Promise<OAuthBearerToken> | null = null;

  constructor(provider: OAuthBearerTokenProvider) {
    this.#provider = provider;
  }

  exchange(): SaslExchange {
    let errorChallenge: string | null = null;
    return {
      start: async () => utf8.encode(initialResponse(await this.#token())),
      next: (reply) => {
        if (reply.length === 0) return Promise.resolve(null); // accepted
        if (errorChallenge !== null) {
          return Promise.reject(
            new AuthenticationError(this.name, `the broker refused the token: ${errorChallenge}`),
          );
        }
        // A refusal comes as a JSON challenge (no token in it); RFC 7628 has the client answer
        // with a lone separator, and the broker then fails the exchange with its message.
        errorChallenge = fromUtf8.decode(reply);
        return Promise.resolve(utf8.encode(SEP));
      },
    };
  }

  /** The cached token while it is fresh, else a new one from the provider. */
  #token(): Promise<OAuthBearerToken> {
    if (this.#cached && Date.now() < this.#cached.refreshAtMs) {
      return Promise.resolve(this.#cached.token);
    }
    this.#fetching ??= this.#fetch().finally(() => (this.#fetching = null));
    return this.#fetching;
  }

  async #fetch(): Promise<OAuthBearerToken> {
    const receivedAtMs = Date.now();
    let token: OAuthBearerToken;
    try {
      token = await this.#provider();
    } catch (error) {
      // Not a refusal: an identity provider that is down for a moment must not stop the producer
      // for good. The connection fails and is made again, calling the provider again.
      throw new ConnectionError(`${this.name}: the token provider failed`, { cause: error });
    }
    if (typeof token?.value !== "string" || !Number.isFinite(token.expiresAtMs)) {
      throw new AuthenticationError(
        this.name,
        "the token provider must return { value: string, expiresAtMs: number }",
      );
    }
    const lifetimeMs = token.expiresAtMs - receivedAtMs;
    const refreshAtMs = Math.min(
      receivedAtMs + lifetimeMs * REFRESH_AT,
      token.expiresAtMs - MIN_REMAINING_MS,
    );
    this.#cached = { token, refreshAtMs };
    return token;
  }
}

/** `n,,^Aauth=Bearer <token>^A[key=value^A]...^A` (RFC 7628 §3.1). */
function initialResponse(token: OAuthBearerToken): string {
  let message = `n,,${SEP}auth=Bearer ${token.value}${SEP}`;
  for (const [key, value] of Object.entries(token.extensions ?? {})) {
    message += `${key}=${value}${SEP}`;
  }
  return message + SEP;
}
