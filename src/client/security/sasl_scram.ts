/**
 * SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) through WebCrypto: PBKDF2 for the salted
 * password, HMAC and SHA for the keys and signatures, a random client nonce, and the server's
 * signature verified before the exchange counts as done. No channel binding (`n,,`), as Kafka.
 *
 * @module
 */

import { equalBytes } from "../../bytes.ts";
import { AuthenticationError } from "../../errors.ts";
import type { SaslExchange, SaslMechanism } from "./sasl_mechanism.ts";

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** The SCRAM variants Kafka supports. */
export type ScramAlgorithm = "SCRAM-SHA-256" | "SCRAM-SHA-512";

const HASHES = {
  "SCRAM-SHA-256": { hash: "SHA-256", bits: 256 },
  "SCRAM-SHA-512": { hash: "SHA-512", bits: 512 },
} as const;

/** Kafka's clients refuse fewer PBKDF2 iterations than this (a downgraded server). */
const MIN_ITERATIONS = 4096;

/** `base64("n,,")`: the GS2 header of a client without channel binding. */
const GS2_HEADER_BASE64 = "biws";

const subtle = globalThis.crypto.subtle;

/** Bytes WebCrypto accepts (backed by an ArrayBuffer, not a shared one). */
type Bytes = Uint8Array<ArrayBuffer>;

/** SCRAM with a username and password. */
export class ScramMechanism implements SaslMechanism {
  readonly name: ScramAlgorithm;
  readonly #username: string;
  readonly #password: string;
  readonly #newNonce: () => string;

  /** `newNonce` is for tests with the RFCs' fixed nonces; the default is 24 random bytes. */
  constructor(
    algorithm: ScramAlgorithm,
    username: string,
    password: string,
    newNonce: () => string = randomNonce,
  ) {
    this.name = algorithm;
    this.#username = username;
    this.#password = password;
    this.#newNonce = newNonce;
  }

  exchange(): SaslExchange {
    const { hash, bits } = HASHES[this.name];
    const fail = (reason: string) => new AuthenticationError(this.name, reason);
    const clientNonce = this.#newNonce();
    const clientFirstBare = `n=${saslName(this.#username)},r=${clientNonce}`;
    let expectedServerSignature: Bytes | null = null;
    let done = false;

    const clientFinal = async (serverFirst: string): Promise<Uint8Array> => {
      const attributes = parseAttributes(serverFirst);
      if (attributes.has("m")) throw fail("the server asks for an unsupported SCRAM extension");
      const nonce = attributes.get("r");
      const salt = attributes.get("s");
      const iterations = Number(attributes.get("i"));
      if (!nonce?.startsWith(clientNonce) || nonce === clientNonce) {
        throw fail("the server's nonce does not extend the client's");
      }
      if (salt === undefined || !Number.isInteger(iterations)) {
        throw fail("the server's first message has no salt or iteration count");
      }
      if (iterations < MIN_ITERATIONS) {
        throw fail(`the server asks for ${iterations} iterations, fewer than ${MIN_ITERATIONS}`);
      }
      const saltedPassword = new Uint8Array(
        await subtle.deriveBits(
          { name: "PBKDF2", hash, salt: fromBase64(salt), iterations },
          await subtle.importKey("raw", utf8.encode(this.#password), "PBKDF2", false, [
            "deriveBits",
          ]),
          bits,
        ),
      );
      const withoutProof = `c=${GS2_HEADER_BASE64},r=${nonce}`;
      const authMessage = utf8.encode(`${clientFirstBare},${serverFirst},${withoutProof}`);
      const clientKey = await hmac(hash, saltedPassword, utf8.encode("Client Key"));
      const storedKey = new Uint8Array(await subtle.digest(hash, clientKey));
      const clientSignature = await hmac(hash, storedKey, authMessage);
      const proof = clientKey.map((byte, i) => byte ^ clientSignature[i]);
      const serverKey = await hmac(hash, saltedPassword, utf8.encode("Server Key"));
      expectedServerSignature = await hmac(hash, serverKey, authMessage);
      return utf8.encode(`${withoutProof},p=${base64(proof)}`);
    };

    const verifyServerFinal = (serverFinal: string): null => {
      const attributes = parseAttributes(serverFinal);
      const error = attributes.get("e");
      if (error !== undefined) throw fail(`the server says: ${error}`);
      const signature = attributes.get("v");
      if (signature === undefined || !equalBytes(fromBase64(signature), expectedServerSignature!)) {
        throw fail("the server's signature does not verify: it does not know the password");
      }
      done = true;
      return null;
    };

    return {
      start: () => Promise.resolve(utf8.encode(`n,,${clientFirstBare}`)),
      next: async (reply) => {
        const text = fromUtf8.decode(reply);
        if (done) throw fail("the server sent more after its final message");
        return expectedServerSignature === null ? await clientFinal(text) : verifyServerFinal(text);
      },
    };
  }
}

function randomNonce(): string {
  return base64(globalThis.crypto.getRandomValues(new Uint8Array(24)));
}

/** A username as SCRAM writes it: `=` and `,` escaped. */
function saslName(name: string): string {
  return name.replaceAll("=", "=3D").replaceAll(",", "=2C");
}

/** `a=1,b=2` into a map (values may contain `=`). */
function parseAttributes(message: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const part of message.split(",")) {
    if (part[1] === "=") attributes.set(part[0], part.slice(2));
  }
  return attributes;
}

async function hmac(hash: string, key: Bytes, data: Bytes): Promise<Bytes> {
  const cryptoKey = await subtle.importKey("raw", key, { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(await subtle.sign("HMAC", cryptoKey, data));
}

/** Compares in time independent of where the arrays differ. */
function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Bytes {
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
  } catch {
    return new Uint8Array(0);
  }
}
