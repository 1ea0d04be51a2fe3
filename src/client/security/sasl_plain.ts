/**
 * PLAIN (RFC 4616): the username and password in one message, `authzid NUL authcid NUL passwd`
 * with an empty authorization id. Only safe over TLS.
 *
 * @module
 */

import type { SaslExchange, SaslMechanism } from "./sasl_mechanism.ts";

const utf8 = new TextEncoder();

/** PLAIN with a username and password. */
export class PlainMechanism implements SaslMechanism {
  readonly name = "PLAIN";
  readonly #username: string;
  readonly #password: string;

  constructor(username: string, password: string) {
    this.#username = username;
    this.#password = password;
  }

  exchange(): SaslExchange {
    return {
      start: () => Promise.resolve(utf8.encode(`\0${this.#username}\0${this.#password}`)),
      // The broker answers an accepted PLAIN message with nothing more to say.
      next: () => Promise.resolve(null),
    };
  }
}
