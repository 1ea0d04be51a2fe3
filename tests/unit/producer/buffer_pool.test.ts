/** BufferPool: bounded memory, reuse of batch-sized buffers, waiting and timing out. */

import assert from "node:assert/strict";
import { test } from "node:test";
import { BufferPool } from "../../../src/producer/buffer_pool.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

test("allocations stay within the total and batch-sized buffers are reused", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const pool = new BufferPool(4096, 1024);
  const a = pool.tryAllocate(1024)!;
  const b = pool.tryAllocate(2048)!;
  assert.equal(pool.availableMemory, 1024);
  assert.equal(pool.tryAllocate(2048), null, "over the total");
  pool.deallocate(a);
  assert.equal(pool.tryAllocate(1024), a, "a pooled buffer comes back");
  pool.deallocate(b);
  assert.equal(pool.availableMemory, 3072, "a is lent out again, b is back");
  // A large allocation may take memory from the free list.
  pool.deallocate(a);
  const big = pool.tryAllocate(4096);
  assert.ok(big);
  assert.equal(pool.availableMemory, 0);
});

test("a waiter is woken when enough memory is returned, and the pool reports exhaustion", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const pool = new BufferPool(2048, 1024);
  const a = pool.tryAllocate(1024)!;
  const b = pool.tryAllocate(1024)!;
  const waiting = pool.waitForMemory(2048, Date.now() + 5_000);
  assert.equal(pool.exhausted, true);
  pool.deallocate(a);
  pool.deallocate(b);
  assert.equal(await waiting, true);
  assert.equal(pool.exhausted, false);
});

test("a waiter gives up at its deadline, and cancelWait ends a wait at once", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const pool = new BufferPool(1024, 1024);
  pool.tryAllocate(1024);
  const started = Date.now();
  assert.equal(await pool.waitForMemory(1024, Date.now() + 100), false);
  assert.ok(Date.now() - started >= 90);
  const waiting = pool.waitForMemory(1024, Date.now() + 60_000);
  pool.cancelWait();
  assert.equal(await waiting, false);
});
