/**
 * The small interface every SASL mechanism implements: one exchange of messages per
 * authentication, the client speaking first, as Kafka's SaslAuthenticate rounds carry them.
 *
 * @module
 */

/** One authentication in progress. */
export interface SaslExchange {
  /** The client's first message. */
  start(): Promise<Uint8Array>;
  /**
   * Answers the broker's reply to the last message: the next message to send, or null when the
   * exchange is complete. Throws an `AuthenticationError` when the reply is not acceptable
   * (a SCRAM server signature that does not verify, say).
   */
  next(reply: Uint8Array): Promise<Uint8Array | null>;
}

/** A SASL mechanism with its credentials. */
export interface SaslMechanism {
  /** The IANA name sent in SaslHandshake, e.g. "SCRAM-SHA-256". */
  readonly name: string;
  /** A fresh exchange for one authentication (or re-authentication). */
  exchange(): SaslExchange;
}
