/**
 * The OAUTHBEARER mechanism without a broker: the RFC 7628 initial message, token reuse while
 * fresh and refresh before expiry, one provider call for concurrent authentications, and typed
 * errors from a failing provider or a refused token. Runs on Deno, Bun and Node.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { AuthenticationError, ConnectionError } from "../../../src/errors.ts";
import {
  OAuthBearerMechanism,
  type OAuthBearerToken,
} from "../../../src/client/security/sasl_oauthbearer.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const decode = (bytes: Uint8Array | null) => new TextDecoder().decode(bytes ?? new Uint8Array());

test("the first message carries the token and extensions as RFC 7628 lays them out", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const mechanism = new OAuthBearerMechanism(() =>
    Promise.resolve({
      value: "tok.en.",
      expiresAtMs: Date.now() + 3_600_000,
      extensions: { logicalCluster: "lkc-1" },
    })
  );
  const exchange = mechanism.exchange();
  assert.equal(
    decode(await exchange.start()),
    "n,,\x01auth=Bearer tok.en.\x01logicalCluster=lkc-1\x01\x01",
  );
  assert.equal(await exchange.next(new Uint8Array(0)), null, "an empty reply means accepted");
});

test("a fresh token is reused; one near its end is replaced; concurrent calls share a fetch", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const handed: OAuthBearerToken[] = [];
  let lifetimeMs = 3_600_000;
  const mechanism = new OAuthBearerMechanism(async () => {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const token = { value: `t${handed.length}`, expiresAtMs: Date.now() + lifetimeMs };
    handed.push(token);
    return token;
  });
  const first = await Promise.all([1, 2, 3].map(() => mechanism.exchange().start()));
  assert.equal(handed.length, 1, "three concurrent authentications, one provider call");
  assert.ok(first.every((m) => decode(m).includes("Bearer t0")));
  await mechanism.exchange().start();
  assert.equal(handed.length, 1, "a fresh token is reused");

  // Tokens that live 40 s: after 80% of that (32 s), or with under 30 s left, a new one.
  lifetimeMs = 40_000;
  const short = new OAuthBearerMechanism(() => {
    const token = { value: `s${handed.length}`, expiresAtMs: Date.now() + lifetimeMs };
    handed.push(token);
    return Promise.resolve(token);
  });
  const before = handed.length;
  await short.exchange().start();
  await short.exchange().start();
  assert.equal(handed.length, before + 1, "still 40 s to go: reused");
  lifetimeMs = 20_000;
  const shorter = new OAuthBearerMechanism(() => {
    const token = { value: `u${handed.length}`, expiresAtMs: Date.now() + lifetimeMs };
    handed.push(token);
    return Promise.resolve(token);
  });
  await shorter.exchange().start();
  await shorter.exchange().start();
  assert.equal(handed.length, before + 3, "under 30 s of life: fetched again");
});

test("a failing provider is a retriable ConnectionError with its cause", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const failing = new OAuthBearerMechanism(() => Promise.reject(new Error("idp down")));
  await assert.rejects(
    failing.exchange().start(),
    (error) =>
      error instanceof ConnectionError && error.retriable &&
      /OAUTHBEARER: the token provider failed/.test(error.message) &&
      (error.cause as Error).message === "idp down",
  );
});

test("a malformed token and a refused token are AuthenticationErrors", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const malformed = new OAuthBearerMechanism(() =>
    Promise.resolve({ value: "x" } as unknown as OAuthBearerToken)
  );
  await assert.rejects(malformed.exchange().start(), /expiresAtMs/);

  const secret = "secret-token-value";
  const refused = new OAuthBearerMechanism(() =>
    Promise.resolve({ value: secret, expiresAtMs: Date.now() + 3_600_000 })
  );
  const exchange = refused.exchange();
  await exchange.start();
  const challenge = new TextEncoder().encode('{"status":"invalid_token"}');
  assert.equal(
    decode(await exchange.next(challenge)),
    "\x01",
    "RFC 7628: answer a refusal with ^A",
  );
  await assert.rejects(
    exchange.next(challenge),
    (error) =>
      error instanceof AuthenticationError && /invalid_token/.test(error.message) &&
      !error.message.includes(secret),
  );
});
