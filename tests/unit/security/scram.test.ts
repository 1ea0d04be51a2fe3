/**
 * SCRAM against RFC 7677's SCRAM-SHA-256 example (fixed nonce): the client's final message must
 * match byte for byte, the server's signature must verify, and a forged or malformed server
 * answer must fail with an AuthenticationError. No broker needed. Runs on Deno, Bun and Node.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { AuthenticationError } from "../../../src/errors.ts";
import { ScramMechanism } from "../../../src/client/security/sasl_scram.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array | null) => new TextDecoder().decode(bytes ?? new Uint8Array());

// RFC 7677, section 3.
const CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
const SERVER_FIRST =
  "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const CLIENT_FINAL =
  "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

const rfcExample = () =>
  new ScramMechanism("SCRAM-SHA-256", "user", "pencil", () => CLIENT_NONCE).exchange();

test("SCRAM-SHA-256 reproduces RFC 7677's exchange and verifies the server signature", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const exchange = rfcExample();
  assert.equal(decode(await exchange.start()), `n,,n=user,r=${CLIENT_NONCE}`);
  assert.equal(decode(await exchange.next(encode(SERVER_FIRST))), CLIENT_FINAL);
  assert.equal(await exchange.next(encode(SERVER_FINAL)), null);
});

test("SCRAM refuses a forged server signature, a foreign nonce, few iterations and e=", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const forged = rfcExample();
  await forged.start();
  await forged.next(encode(SERVER_FIRST));
  await assert.rejects(
    forged.next(encode("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")),
    (error) =>
      error instanceof AuthenticationError && error.mechanism === "SCRAM-SHA-256" &&
      /signature does not verify/.test(error.message),
  );

  const foreignNonce = rfcExample();
  await foreignNonce.start();
  await assert.rejects(
    foreignNonce.next(encode("r=someoneElse123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")),
    /nonce/,
  );

  const weak = rfcExample();
  await weak.start();
  await assert.rejects(weak.next(encode(SERVER_FIRST.replace("i=4096", "i=1000"))), /iterations/);

  const refused = rfcExample();
  await refused.start();
  await refused.next(encode(SERVER_FIRST));
  await assert.rejects(refused.next(encode("e=invalid-proof")), /invalid-proof/);
});

test("SCRAM escapes = and , in the username and uses a fresh random nonce each time", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const mechanism = new ScramMechanism("SCRAM-SHA-512", "a=b,c", "pw");
  const first = decode(await mechanism.exchange().start());
  const second = decode(await mechanism.exchange().start());
  assert.match(first, /^n,,n=a=3Db=2Cc,r=[A-Za-z0-9+/=]{32}$/);
  assert.notEqual(first, second);
});
