/**
 * Runs a SASL mechanism over one connection: SaslHandshake names the mechanism, then
 * SaslAuthenticate rounds carry its messages until it is done. Used right after ApiVersions on a
 * new connection, and again before the broker's session lifetime runs out (KIP-368): when, is
 * {@link reauthenticationDelay}'s to say.
 *
 * @module
 */

import { AuthenticationError, ConnectionError } from "../../errors.ts";
import type { Api } from "../../protocol/api.ts";
import { ErrorCode, errorName } from "../../error_codes.ts";
import { SaslAuthenticate } from "../../protocol/messages/sasl_authenticate.ts";
import { SaslHandshake } from "../../protocol/messages/sasl_handshake.ts";
import type { SaslMechanism } from "./sasl_mechanism.ts";

/**
 * Re-authentication is due at a random point between these shares of the session lifetime, as in
 * the Java client, so that the connections opened together do not all renew at once.
 */
const REAUTH_WINDOW = [0.85, 0.95] as const;

/**
 * A broker refuses a re-authentication sooner than this after the last one (KIP-368). A session
 * too short for it is left to end: the broker then closes the connection and a new one
 * authenticates afresh.
 */
const MIN_REAUTH_INTERVAL_MS = 1000;

/**
 * How long after authenticating to re-authenticate, for a session of `sessionLifetimeMs` (as the
 * broker answered; 0: no limit). Null when the session is to be left to end.
 */
export function reauthenticationDelay(sessionLifetimeMs: number): number | null {
  if (sessionLifetimeMs <= 0) return null;
  const [from, to] = REAUTH_WINDOW;
  const delayMs = Math.max(
    sessionLifetimeMs * (from + Math.random() * (to - from)),
    MIN_REAUTH_INTERVAL_MS + 100,
  );
  return delayMs < sessionLifetimeMs ? delayMs : null;
}

/** The SaslAuthenticate errors that are Java's `AuthenticationException`s: a refusal, fatal. */
const REFUSALS: ReadonlySet<number> = new Set([
  ErrorCode.UNSUPPORTED_SASL_MECHANISM,
  ErrorCode.ILLEGAL_SASL_STATE,
  ErrorCode.SASL_AUTHENTICATION_FAILED,
]);

/** What authentication needs of a connection. */
export interface SaslChannel {
  request<Req, Res>(api: Api<Req, Res>, request: Req): Promise<Res>;
}

/**
 * Authenticates with `mechanism`; resolves with the session lifetime the broker set (0: no
 * limit). Rejects with {@link AuthenticationError} naming the mechanism and the broker's message
 * when the broker refuses, with a retriable {@link ConnectionError} on any other error.
 */
export async function authenticate(
  channel: SaslChannel,
  mechanism: SaslMechanism,
): Promise<number> {
  const handshake = await channel.request(SaslHandshake, { mechanism: mechanism.name });
  if (handshake.errorCode !== ErrorCode.NONE) {
    const enabled = handshake.mechanisms.join(", ") || "none";
    throw new AuthenticationError(
      mechanism.name,
      `the broker refused the mechanism (${errorName(handshake.errorCode)}); ` +
        `it has enabled: ${enabled}`,
    );
  }
  const exchange = mechanism.exchange();
  let message: Uint8Array | null = await exchange.start();
  for (;;) {
    const response = await channel.request(SaslAuthenticate, { authBytes: message });
    if (response.errorCode !== ErrorCode.NONE) {
      const reason = response.errorMessage ?? errorName(response.errorCode);
      if (REFUSALS.has(response.errorCode)) throw new AuthenticationError(mechanism.name, reason);
      // Any other error (UNKNOWN_SERVER_ERROR, say) is the broker's trouble, not a refusal: as in
      // the Java client the connection fails and is made again.
      throw new ConnectionError(`${mechanism.name} authentication failed: ${reason}`);
    }
    message = await exchange.next(response.authBytes);
    if (message === null) return Number(response.sessionLifetimeMs);
  }
}
