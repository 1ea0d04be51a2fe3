/**
 * Real provocations (issue 14), on clusters of their own, judged by kcat (every record once, in
 * send order per partition, at the offset its promise gave) and by each promise's outcome:
 * - 3 nodes: the leader of a partition is killed (SIGKILL) for good while paced records flow:
 *   the producer must find the new leader (failed connections lead to fresh metadata) and every
 *   record must be acknowledged; the time from the kill to the partition's first acknowledgement
 *   on its new leader is printed;
 * - 3 nodes: a follower of a partition killed (min.insync.replicas 3): once the controller has
 *   fenced it, NOT_ENOUGH_REPLICAS. Records sent then are retried, and succeed once the follower
 *   is back; a producer whose deliveryTimeoutMs ends before that gets the broker's error for
 *   every record.
 *   Then both followers killed: the controller quorum (in the same processes) goes with them, so
 *   the leader holds the records (no in-sync set can shrink) until they are back;
 * - 1 node: the broker is killed and restarted with records in flight: nothing lost, nothing
 *   written twice (idempotence).
 * The two 3-node scenarios share one cluster.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaBrokerError, KafkaProducer, TimeoutError } from "../../mod.ts";
import {
  createReplicatedTopics,
  firstAckAfter,
  judgeStream,
  pacedStream,
  partitionState,
  startCluster,
  type StreamVerdict,
} from "../_lib/cluster.ts";
import { readTopic } from "../_lib/kafka.ts";
import { HARNESS_TIMEOUT_MS } from "../_lib/timeouts.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const NOT_ENOUGH_REPLICAS = 19;

/** Waits until `condition` holds, failing after 30 s with `what`. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Waits until `partition` has an acknowledgement after `sinceMs`, failing after `ms`. */
async function untilAcked(
  stream: { sends: Parameters<typeof firstAckAfter>[0] },
  partition: number,
  sinceMs: number,
  ms: number,
): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const after = firstAckAfter(stream.sends, partition, sinceMs);
    if (after !== undefined) return after;
    if (Date.now() > deadline) throw new Error(`partition ${partition}: no ack within ${ms} ms`);
    await sleep(50);
  }
}

function assertExactlyOnce(verdict: StreamVerdict, what: string): void {
  console.log(`${what}: ${JSON.stringify({ ...verdict, lost: verdict.lost.length })}`);
  assert.equal(verdict.failed, 0, `${what}: sends failed`);
  assert.deepEqual(
    {
      read: verdict.read,
      duplicated: verdict.duplicated,
      lost: verdict.lost,
      misplaced: verdict.misplaced,
      reordered: verdict.reordered,
    },
    { read: verdict.sent, duplicated: [], lost: [], misplaced: [], reordered: [] },
    what,
  );
}

test(
  "3 nodes: a leader killed for good; a follower down (NOT_ENOUGH_REPLICAS) and back; both down and back",
  { timeout: HARNESS_TIMEOUT_MS },
  async () => {
    const cluster = await startCluster(3, "broker-lost");
    const { bootstrap } = cluster;
    try {
      await createReplicatedTopics(bootstrap, [{ name: "lost", partitions: 3 }]);
      await createReplicatedTopics(
        bootstrap,
        [
          { name: "isr", partitions: 1 },
          { name: "isr-late", partitions: 1 },
        ],
        3,
        3,
      );

      // A leader killed for good while records flow.
      const producer = new KafkaProducer({ bootstrapServers: bootstrap });
      // Why batches were retried, per topic: what each provocation showed the producer.
      const retries = new Map<string, number>();
      producer.on("retry", ({ topic, error }) => {
        const why = `${topic}: ${error instanceof KafkaBrokerError ? error.kafkaName : error.name}`;
        retries.set(why, (retries.get(why) ?? 0) + 1);
      });
      const lost = pacedStream(producer, "lost", { perSecond: 600, partitions: 3 });
      await sleep(3_000);
      const { leader } = await partitionState(bootstrap, "lost", 0);
      await cluster.kill(leader);
      const killedMs = Date.now();
      const failoverMs = await untilAcked(lost, 0, killedMs, 90_000);
      console.log(
        `leader ${leader} of lost-0 killed: first ack on its new leader ${failoverMs} ms later`,
      );
      await sleep(2_000);
      await lost.stop();
      const newLeader = (await partitionState(bootstrap, "lost", 0)).leader;
      assert.notEqual(newLeader, leader);
      assertExactlyOnce(await judgeStream(bootstrap, "lost", lost.sends), "leader killed for good");
      await cluster.start(leader);

      // A follower down: fewer in-sync replicas than min.insync.replicas (3 here: with the
      // controllers in the same processes, two nodes down would take the controller quorum with
      // them, and no in-sync set could shrink).
      const { leader: isrLeader } = await partitionState(
        bootstrap,
        "isr",
        0,
        (s) => s.isr.length === 3,
      );
      const followers = [1, 2, 3].filter((n) => n !== isrLeader);
      await cluster.kill(followers[0]);
      const downMs = Date.now();
      // Once the controller has fenced it, the leader refuses new records at once. (Requests
      // already waiting for it would wait on, up to their timeout.)
      for (const topic of ["isr", "isr-late"]) {
        await partitionState(bootstrap, topic, 0, (s) => s.isr.length === 2, 60_000);
      }
      const waiting = pacedStream(producer, "isr", { perSecond: 100, partitions: 1 });
      const late = new KafkaProducer({
        bootstrapServers: bootstrap,
        lingerMs: 0,
        requestTimeoutMs: 5_000,
        deliveryTimeoutMs: 8_000,
      });
      const refused = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => late.send({ topic: "isr-late", value: `late ${i}` })),
      );
      await late.close();
      for (const result of refused) {
        assert.equal(result.status, "rejected", "a record was delivered with too few replicas");
        const error = (result as PromiseRejectedResult).reason;
        const brokerError = error instanceof TimeoutError ? error.cause : error;
        assert.ok(
          brokerError instanceof KafkaBrokerError && brokerError.code === NOT_ENOUGH_REPLICAS,
          `${error} (cause: ${error?.cause})`,
        );
      }
      await until(
        () => [...retries.keys()].some((why) => why.startsWith("isr: NOT_ENOUGH_REPLICAS")),
        "the records waiting for in-sync replicas to get NOT_ENOUGH_REPLICAS",
      );
      const refusedForMs = Date.now() - downMs;
      await cluster.start(followers[0]);
      const backMs = Date.now();
      const resumedMs = await untilAcked(waiting, 0, backMs, 90_000);
      console.log(
        `follower down ${refusedForMs} ms (all ${refused.length} records of a producer with ` +
          `deliveryTimeoutMs 8000 refused: NOT_ENOUGH_REPLICAS); restarted in ` +
          `${backMs - downMs - refusedForMs} ms; first ack ${resumedMs} ms after`,
      );

      // Both followers down: the controller quorum goes with them, the in-sync set cannot shrink
      // and the leader holds the records until they are back.
      await partitionState(bootstrap, "isr", 0, (s) => s.isr.length === 3, 90_000);
      for (const node of followers) await cluster.kill(node);
      const bothDownMs = Date.now();
      await sleep(5_000);
      for (const node of followers) await cluster.start(node);
      const bothBackMs = Date.now();
      const bothResumedMs = await untilAcked(waiting, 0, bothBackMs, 90_000);
      await sleep(1_000);
      await waiting.stop();
      console.log(
        `both followers down ${bothBackMs - bothDownMs} ms (restarts included); first ack ` +
          `${bothResumedMs} ms after they were back`,
      );
      console.log(`retries: ${JSON.stringify(Object.fromEntries(retries))}`);
      assertExactlyOnce(await judgeStream(bootstrap, "isr", waiting.sends), "followers down");
      assert.deepEqual(await readTopic("isr-late", [], bootstrap), [], "refused records written");
      await producer.close();
    } finally {
      await cluster.stop();
    }
  },
);

test(
  "1 node: the broker killed and restarted with records in flight; every record once, in order",
  { timeout: HARNESS_TIMEOUT_MS },
  async () => {
    const cluster = await startCluster(1, "broker-restart");
    const { bootstrap } = cluster;
    try {
      await createReplicatedTopics(bootstrap, [{ name: "restart", partitions: 2 }], 1);
      const producer = new KafkaProducer({ bootstrapServers: bootstrap });
      const stream = pacedStream(producer, "restart", { perSecond: 500, partitions: 2 });
      await sleep(2_000);
      await cluster.kill(1);
      const killedMs = Date.now();
      await sleep(1_000);
      await cluster.start(1);
      const restartedMs = Date.now();
      const resumedMs = await untilAcked(stream, 0, restartedMs, 90_000);
      await sleep(1_000);
      await stream.stop();
      await producer.close();
      console.log(
        `broker down ${restartedMs - killedMs} ms; first ack ${resumedMs} ms after its restart`,
      );
      assertExactlyOnce(await judgeStream(bootstrap, "restart", stream.sends), "broker restarted");
    } finally {
      await cluster.stop();
    }
  },
);
