/**
 * The idempotent producer's sequence rules (src/producer/idempotence.ts), without a broker: the
 * Java client's per-partition epochs and sequences. The same rules against the real broker are
 * rows P7 and P8 of docs/errors.md (tests/errors/produce.test.ts) and tests/eos/.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { Idempotence } from "../../../src/producer/idempotence.ts";
import { ProducerBatch } from "../../../src/producer/producer_batch.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
const UNKNOWN_PRODUCER_ID = 59;
const INVALID_RECORD = 87;

let index = 0;

/** A batch of `records` one-byte records for partition `partition` of topic "t". */
function batch(partition: number, records = 1): ProducerBatch {
  const b = new ProducerBatch("t", partition, new Uint8Array(1024), 0, index++);
  for (let i = 0; i < records; i++) b.appendRecord(0, null, "v", [])!.catch(() => {});
  return b;
}

function started(transactional = false, producerId = 7n, epoch = 0): Idempotence {
  const idempotence = new Idempotence(transactional);
  idempotence.initRequest();
  idempotence.initialized(producerId, epoch);
  return idempotence;
}

const sequenceOf = (b: ProducerBatch) =>
  `${b.sequence!.producerId}/${b.sequence!.producerEpoch}/${b.sequence!.baseSequence}`;

test("an epoch bump renumbers only the partition that asked; another's retry keeps its sequence", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const idempotence = started();
  const retry = batch(0); // its response was lost: it may be in the log
  const refused = batch(1);
  idempotence.headerFor(retry);
  idempotence.headerFor(refused);
  // The very next sequence refused as out of order: a sequence is missing there.
  assert.equal(
    idempotence.retriesSequenceError(refused, OUT_OF_ORDER_SEQUENCE_NUMBER, -1n),
    true,
  );
  idempotence.poll();
  assert.equal(sequenceOf(refused), "7/1/0", "renumbered under the new epoch");
  assert.equal(refused.sequenceReset, true);
  assert.deepEqual(idempotence.headerFor(retry), {
    producerId: 7n,
    producerEpoch: 0,
    baseSequence: 0,
  });
  // Partition 0 moves to the new epoch only once its old-epoch batch is done.
  const next = batch(0);
  assert.equal(idempotence.canDrain(next), false);
  idempotence.acknowledged(retry, 10n);
  assert.equal(idempotence.canDrain(next), true);
  idempotence.headerFor(next);
  assert.equal(sequenceOf(next), "7/1/0");
});

test("retries go out in sequence order, one at a time", { timeout: UNIT_TIMEOUT_MS }, () => {
  const idempotence = started();
  const [first, second, third] = [batch(0), batch(0, 3), batch(0)];
  for (const b of [first, second, third]) idempotence.headerFor(b);
  assert.deepEqual([first, second, third].map(sequenceOf), ["7/0/0", "7/0/1", "7/0/4"]);
  // All three came back for a retry: only the lowest pending sequence may go.
  assert.deepEqual([first, second, third].map((b) => idempotence.canDrain(b)), [
    true,
    false,
    false,
  ]);
  idempotence.acknowledged(first, 0n);
  assert.deepEqual([second, third].map((b) => idempotence.canDrain(b)), [true, false]);
});

test("an expired batch leaves its partition unresolved until the batches after it settle", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  // A later batch acknowledged: the expired one was written; nothing to bump.
  let idempotence = started();
  const [expired, after] = [batch(0), batch(0)];
  idempotence.headerFor(expired);
  idempotence.headerFor(after);
  idempotence.expiredInFlight(expired);
  assert.equal(idempotence.canDrain(batch(0)), false, "nothing new while unresolved");
  idempotence.acknowledged(after, 5n);
  idempotence.lateOutcome(expired, null);
  idempotence.poll();
  assert.equal(idempotence.canDrain(batch(0)), true);
  assert.equal(idempotence.producerEpoch, 0);

  // Nothing after it acknowledged: its fate is unknown, the partition starts over.
  idempotence = started();
  const lost = batch(0);
  idempotence.headerFor(lost);
  idempotence.failed(lost, null);
  idempotence.poll();
  assert.equal(idempotence.producerEpoch, 1);
  const next = batch(0);
  assert.equal(idempotence.canDrain(next), true);
  idempotence.headerFor(next);
  assert.equal(sequenceOf(next), "7/1/0");
});

test("a batch refused for good bumps its partition; UNKNOWN_PRODUCER_ID resets it", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const idempotence = started();
  const refused = batch(0);
  idempotence.headerFor(refused);
  idempotence.failed(refused, INVALID_RECORD);
  idempotence.poll();
  assert.equal(idempotence.producerEpoch, 1);
  const next = batch(0);
  idempotence.headerFor(next);
  assert.equal(sequenceOf(next), "7/1/0");
  // UNKNOWN_PRODUCER_ID, not retried: the broker has no state, the partition starts at 0 again.
  const unknown = batch(1);
  idempotence.headerFor(unknown);
  idempotence.headerFor(batch(1));
  idempotence.failed(unknown, UNKNOWN_PRODUCER_ID);
  const fresh = batch(1);
  idempotence.headerFor(fresh);
  assert.equal(sequenceOf(fresh), "7/1/0");
});

test(
  "UNKNOWN_PRODUCER_ID: retried as it is without a log start offset; past the last acknowledged offset the partition starts over",
  {
    timeout: UNIT_TIMEOUT_MS,
  },
  () => {
    for (const transactional of [false, true]) {
      const idempotence = started(transactional);
      const acked = batch(0);
      const pending = batch(0);
      idempotence.headerFor(acked);
      idempotence.headerFor(pending);
      idempotence.acknowledged(acked, 10n);
      assert.equal(idempotence.retriesSequenceError(pending, UNKNOWN_PRODUCER_ID, -1n), true);
      idempotence.poll();
      assert.equal(sequenceOf(pending), "7/0/1", "retried as it is");
      // The broker deleted the records up to offset 11: its state for the producer went with them.
      assert.equal(idempotence.retriesSequenceError(pending, UNKNOWN_PRODUCER_ID, 11n), true);
      idempotence.poll();
      // The idempotent producer bumps its epoch there; the transactional one keeps it.
      assert.equal(sequenceOf(pending), transactional ? "7/0/0" : "7/1/0");
    }
  },
);

test("the transactional producer closes the gap a refused batch leaves", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const idempotence = started(true);
  const [refused, after] = [batch(0, 2), batch(0)];
  idempotence.headerFor(refused);
  idempotence.headerFor(after);
  idempotence.failed(refused, INVALID_RECORD);
  assert.equal(sequenceOf(after), "7/0/0");
  const next = batch(0);
  idempotence.headerFor(next);
  assert.equal(sequenceOf(next), "7/0/1");
});

test(
  "an exhausted epoch asks for a new producer id, and the partitions waiting start over under it",
  {
    timeout: UNIT_TIMEOUT_MS,
  },
  () => {
    const idempotence = started(false, 7n, 0x7fff);
    const refused = batch(1);
    idempotence.headerFor(refused);
    idempotence.retriesSequenceError(refused, OUT_OF_ORDER_SEQUENCE_NUMBER, -1n);
    idempotence.poll();
    assert.equal(idempotence.ready, false);
    assert.equal(idempotence.needsProducerId, true);
    idempotence.initRequest();
    idempotence.initialized(8n, 0);
    assert.equal(sequenceOf(refused), "8/0/0");
  },
);
