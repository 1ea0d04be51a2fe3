/**
 * The staggered race that connecting to "any of these addresses" uses (`firstToSucceed`, behind
 * `connectAny` and `NetworkClient.connectionToAny`): an attempt that never ends does not hold the
 * next one up, a failure starts the next at once, the first success wins and later ones are
 * discarded, and all failures reject together.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { firstToSucceed } from "../../../src/async.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const never = () => new Promise<string>(() => {});
const after = (ms: number, value: string) => () =>
  new Promise<string>((resolve) => setTimeout(() => resolve(value), ms));
const failing = (message: string) => () => Promise.reject(new Error(message));

test("an attempt that never ends does not hold the next one up", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const started = Date.now();
  assert.equal(await firstToSucceed([never, never, after(0, "third")], 50, () => {}), "third");
  assert.ok(Date.now() - started >= 90, "the next attempts did not wait for the delay");
});

test("a failure starts the next attempt at once; later successes are discarded", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const discarded: string[] = [];
  const started = Date.now();
  const won = await firstToSucceed(
    [failing("a"), after(20, "b"), after(0, "c")],
    10_000,
    (late) => discarded.push(late),
  );
  assert.equal(won, "b");
  assert.ok(Date.now() - started < 5_000, "waited for the delay after a failure");
  assert.equal(discarded.length, 0); // "c" never started: "b" won within the delay
  const both = await firstToSucceed([after(30, "x"), after(0, "y")], 10, (l) => discarded.push(l));
  assert.equal(both, "y");
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(discarded, ["x"]);
});

test("all failing rejects with every error; a fatal one ends the race at once", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  await assert.rejects(
    firstToSucceed([failing("a"), failing("b")], 10, () => {}),
    (error: unknown) => {
      assert.ok(error instanceof AggregateError);
      assert.deepEqual(error.errors.map((e: Error) => e.message), ["a", "b"]);
      return true;
    },
  );
  await assert.rejects(
    firstToSucceed([failing("fatal"), after(0, "never started")], 10, () => {}, () => true),
    /fatal/,
  );
  await assert.rejects(firstToSucceed([], 10, () => {}), AggregateError);
});
