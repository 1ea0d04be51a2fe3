/**
 * docs/errors.md, rows P1–P8: Produce error codes answered to an idempotent producer (the
 * default), injected by the fault proxy in front of the real broker and judged by kcat.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaBrokerError } from "../../mod.ts";
import { uniqueTopic } from "../_lib/kafka.ts";
import type { KafkaProxy } from "../_lib/kafka_proxy.ts";
import { createTopic } from "../_lib/plain_client.ts";
import {
  assertDelivered,
  assertExactlyOnce,
  errorOf,
  proxied,
  sendTo,
  type Settled,
  until,
} from "./harness.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

/** Retriable in the Java client (RetriableException), the batch retried as it was. */
export const RETRIABLE_PRODUCE = [2, 3, 5, 6, 7, 13, 19, 20, 56, 74, 75, 100];
/** Not retriable: the batch fails with the broker's error, the producer goes on. */
export const BATCH_FATAL_PRODUCE = [-1, 10, 17, 18, 21, 29, 32, 43, 76, 87];
/** Fatal for the whole producer in the Java client (TransactionManager.maybeTransitionToErrorState). */
export const PRODUCER_FATAL_PRODUCE = [31, 35, 53];

const NOT_LEADER_OR_FOLLOWER = 6;
const MESSAGE_TOO_LARGE = 10;
const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
const DUPLICATE_SEQUENCE_NUMBER = 46;
const INVALID_PRODUCER_EPOCH = 47;
const UNKNOWN_PRODUCER_ID = 59;

/** A one-partition topic and a proxied producer that has already delivered "warm-up". */
async function warmedUp(partitions = 1) {
  const topic = uniqueTopic("errors");
  await createTopic(topic, partitions);
  const setup = await proxied();
  const warm: Settled[] = [];
  for (let p = 0; p < partitions; p++) {
    warm.push(await sendTo(setup.producer, topic, p, `warm-${p}`));
  }
  assertDelivered(warm);
  return { topic, ...setup, sent: warm.map((s) => s.value) };
}

test(
  "P1: retriable Produce errors the broker never saw: retried, exactly once",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const { topic, proxy, producer, close, sent } = await warmedUp();
    try {
      // One attempt after another gets the next code; the batch goes through after the last.
      const rules = RETRIABLE_PRODUCE.map((code) =>
        proxy.addRule({ api: "Produce", action: { respond: code } })
      );
      const settled = await sendTo(producer, topic, 0, "v");
      assertDelivered([settled]);
      sent.push("v");
      assert.deepEqual(
        rules.map((r) => r.hits),
        RETRIABLE_PRODUCE.map(() => 1),
        "every code was answered",
      );
    } finally {
      await close();
    }
    await assertExactlyOnce(topic, sent);
  },
);

test(
  "P2: retriable Produce errors after the broker wrote the batch: the retry is not written twice",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const { topic, proxy, producer, close, sent } = await warmedUp();
    try {
      for (const code of RETRIABLE_PRODUCE) {
        proxy.addRule({ api: "Produce", action: { replaceError: { code } } });
      }
      const settled = await sendTo(producer, topic, 0, "v");
      assertDelivered([settled]);
      sent.push("v");
      const written = proxy.requests("Produce").filter((e) => e.brokerErrors.every((c) => c === 0));
      assert.ok(written.length > RETRIABLE_PRODUCE.length, "the retries reached the broker");
    } finally {
      await close();
    }
    await assertExactlyOnce(topic, sent);
  },
);

test(
  "P3: non-retriable Produce errors fail the batch with KafkaBrokerError; later records go through",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const { topic, proxy, producer, close, sent } = await warmedUp();
    try {
      for (const code of BATCH_FATAL_PRODUCE) {
        proxy.addRule({ api: "Produce", action: { respond: code } });
        const error = errorOf(await sendTo(producer, topic, 0, `failed-${code}`));
        assert.ok(error instanceof KafkaBrokerError, `${code}: ${error}`);
        assert.equal(error.code, code);
        assert.equal(error.retriable, false);
      }
      const after = await Promise.all(
        [0, 1, 2].map((i) => sendTo(producer, topic, 0, `after-${i}`)),
      );
      assertDelivered(after);
      sent.push(...after.map((s) => s.value));
    } finally {
      await close();
    }
    await assertExactlyOnce(topic, sent);
  },
);

for (const code of PRODUCER_FATAL_PRODUCE) {
  test(
    `P4: Produce error ${code} is fatal for the producer: that send and every later one reject`,
    { timeout: BROKER_TIMEOUT_MS },
    async () => {
      const { topic, proxy, producer, close } = await warmedUp();
      try {
        proxy.addRule({ api: "Produce", action: { respond: code } });
        const first = errorOf(await sendTo(producer, topic, 0, "first"));
        assert.ok(first instanceof KafkaBrokerError && first.code === code, `${first}`);
        const later = errorOf(await sendTo(producer, topic, 0, "later"));
        assert.equal(later, first, "a later send rejects with the fatal error");
        assert.equal(proxy.requests("Produce").length, 2, "nothing sent after the fatal error");
      } finally {
        await close();
      }
    },
  );
}

test(
  "P5: MESSAGE_TOO_LARGE for a batch of several records: split, exactly once, in order",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("errors-split");
    await createTopic(topic, 1);
    const { proxy, producer, close } = await proxied({ lingerMs: 200 });
    const values = Array.from({ length: 6 }, (_, i) => `v${i}`);
    try {
      const rule = proxy.addRule({
        api: "Produce",
        match: (request) => request.batches.some((b) => b.recordCount > 1),
        action: { respond: MESSAGE_TOO_LARGE },
      });
      const settled = await Promise.all(values.map((v) => sendTo(producer, topic, 0, v)));
      assertDelivered(settled);
      assert.equal(rule.hits, 1);
      const sizes = proxy.requests("Produce").flatMap((e) => e.batches.map((b) => b.recordCount));
      assert.ok(sizes[0] > 1 && sizes.slice(1).every((n) => n < sizes[0]), `batch sizes ${sizes}`);
    } finally {
      await close();
    }
    await assertExactlyOnce(topic, values);
  },
);

test(
  "P6: DUPLICATE_SEQUENCE_NUMBER: the broker has the batch; the send resolves, offset unknown",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const { topic, proxy, producer, close, sent } = await warmedUp();
    try {
      proxy.addRule({
        api: "Produce",
        action: { replaceError: { code: DUPLICATE_SEQUENCE_NUMBER } },
      });
      const settled = await sendTo(producer, topic, 0, "v");
      assertDelivered([settled]);
      assert.equal((settled as { meta: { offset: bigint } }).meta.offset, -1n);
      sent.push("v");
    } finally {
      await close();
    }
    await assertExactlyOnce(topic, sent);
  },
);

/** Every producer id and epoch the proxy saw in Produce batches, as "id/epoch". */
function producerEpochs(proxy: KafkaProxy): Set<string> {
  return new Set(
    proxy.requests("Produce").flatMap((e) =>
      e.batches.map((b) => `${b.producerId}/${b.producerEpoch}`)
    ),
  );
}

test(
  "P7: OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID, INVALID_PRODUCER_EPOCH with nothing else in flight",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const { topic, proxy, producer, close, sent } = await warmedUp();
    try {
      // 45 on the very next sequence: a sequence is missing; the epoch is bumped, the batch
      // renumbered under it and delivered.
      let before = producerEpochs(proxy).size;
      proxy.addRule({ api: "Produce", action: { respond: OUT_OF_ORDER_SEQUENCE_NUMBER } });
      const afterGap = await sendTo(producer, topic, 0, "after-45");
      assertDelivered([afterGap]);
      sent.push(afterGap.value);
      assert.equal(producerEpochs(proxy).size, before + 1, "45: a new epoch");
      // 59 without a log start offset: retried as it is (the state may come back).
      before = producerEpochs(proxy).size;
      proxy.addRule({ api: "Produce", action: { respond: UNKNOWN_PRODUCER_ID } });
      const unknown = await sendTo(producer, topic, 0, "after-59");
      assertDelivered([unknown]);
      sent.push(unknown.value);
      assert.equal(producerEpochs(proxy).size, before, "59: the same id and epoch");
      // 47: not retriable, that batch fails; the next one goes out under a new epoch.
      before = producerEpochs(proxy).size;
      proxy.addRule({ api: "Produce", action: { respond: INVALID_PRODUCER_EPOCH } });
      const fenced = errorOf(await sendTo(producer, topic, 0, "refused-47"));
      assert.ok(fenced instanceof KafkaBrokerError && fenced.code === INVALID_PRODUCER_EPOCH);
      const next = await sendTo(producer, topic, 0, "after-47");
      assertDelivered([next]);
      sent.push(next.value);
      assert.equal(producerEpochs(proxy).size, before + 1, "47: a new epoch");
    } finally {
      await close();
    }
    await assertExactlyOnce(topic, sent);
  },
);

for (const code of [UNKNOWN_PRODUCER_ID, OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH]) {
  test(
    `P8: sequence error ${code} on one partition while another's retry has an unknown outcome: no duplicates`,
    { timeout: BROKER_TIMEOUT_MS },
    async () => {
      const { topic, proxy, producer, close, sent } = await warmedUp(2);
      try {
        // A's response is lost: the broker wrote A, the producer times out and will retry it.
        proxy.addRule({
          api: "Produce",
          match: (r) => r.partitions.some((p) => p.partition === 0),
          action: { drop: true },
        });
        const a = sendTo(producer, topic, 0, "a");
        await until(
          () => proxy.requests("Produce").some((e) => e.outcome === "dropped"),
          "the dropped response",
        );
        // B goes out on the dead connection, never reaching the broker.
        const b = sendTo(producer, topic, 1, "b");
        // The retries go together: B's is refused with the sequence error, A's with a retriable one.
        proxy.addRule({
          api: "Produce",
          action: { respond: { code, partition: { topic, partition: 1 } } },
        });
        proxy.addRule({
          api: "Produce",
          action: { respond: { code: NOT_LEADER_OR_FOLLOWER, partition: { topic, partition: 0 } } },
        });
        const [settledA, settledB] = await Promise.all([a, b]);
        assertDelivered([settledA]);
        sent.push("a");
        if (code === INVALID_PRODUCER_EPOCH) {
          // Not retriable (as in the Java client): B fails, and its partition gets a new epoch.
          const error = errorOf(settledB);
          assert.ok(error instanceof KafkaBrokerError && error.code === code, `${error}`);
          const c = await sendTo(producer, topic, 1, "c");
          assertDelivered([c]);
          sent.push("c");
        } else {
          assertDelivered([settledB]);
          sent.push("b");
        }
        // A's retries kept the epoch and sequence of its first attempt.
        const aEpochs = new Set(
          proxy.requests("Produce").flatMap((e) =>
            e.batches.filter((x) => x.partition === 0 && x.recordCount === 1 && x.baseSequence > 0)
              .map((x) => `${x.producerId}/${x.producerEpoch}/${x.baseSequence}`)
          ),
        );
        assert.equal(aEpochs.size, 1, `A went out as ${[...aEpochs].join(", ")}`);
      } finally {
        await close();
      }
      await assertExactlyOnce(topic, sent);
    },
  );
}
