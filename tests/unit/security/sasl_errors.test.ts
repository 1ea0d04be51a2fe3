/**
 * What a SaslAuthenticate error means (docs/errors.md, rows S1 and S2): Java's authentication
 * exceptions are a refusal (`AuthenticationError`, fatal); any other code fails only the
 * connection (`ConnectionError`, retriable), which is made again.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { AuthenticationError, ConnectionError } from "../../../src/errors.ts";
import { authenticate, type SaslChannel } from "../../../src/client/security/sasl_authenticate.ts";
import type { SaslMechanism } from "../../../src/client/security/sasl_mechanism.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const plain: SaslMechanism = {
  name: "PLAIN",
  exchange: () => ({
    start: () => Promise.resolve(new Uint8Array([0, 117, 0, 112])),
    next: () => Promise.resolve(null),
  }),
};

/** A broker that accepts the mechanism and answers SaslAuthenticate with `errorCode`. */
function channel(errorCode: number): SaslChannel {
  let round = 0;
  return {
    request<Req, Res>(): Promise<Res> {
      const response = round++ === 0
        ? { errorCode: 0, mechanisms: ["PLAIN"] }
        : { errorCode, errorMessage: null, authBytes: new Uint8Array(), sessionLifetimeMs: 0n };
      return Promise.resolve(response as Res);
    },
  };
}

test("SASL_AUTHENTICATION_FAILED, ILLEGAL_SASL_STATE, UNSUPPORTED_SASL_MECHANISM are refusals", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  for (const code of [58, 34, 33]) {
    await assert.rejects(authenticate(channel(code), plain), (error) => {
      assert.ok(error instanceof AuthenticationError, `${code}: ${error}`);
      return true;
    });
  }
});

test("any other SaslAuthenticate error is a retriable ConnectionError naming the code", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  for (const code of [-1, 7]) {
    await assert.rejects(authenticate(channel(code), plain), (error) => {
      assert.ok(error instanceof ConnectionError, `${code}: ${error}`);
      assert.ok(!(error instanceof AuthenticationError));
      assert.equal(error.retriable, true);
      assert.match(error.message, code === -1 ? /UNKNOWN_SERVER_ERROR/ : /REQUEST_TIMED_OUT/);
      return true;
    });
  }
});

test("no error: resolves with the session lifetime", { timeout: UNIT_TIMEOUT_MS }, async () => {
  assert.equal(await authenticate(channel(0), plain), 0);
});
