/**
 * docs/errors.md, rows T1–T7: error codes answered to a transactional producer by the
 * coordinator APIs (InitProducerId, FindCoordinator, AddPartitionsToTxn, AddOffsetsToTxn,
 * TxnOffsetCommit, EndTxn) and by Produce, injected by the fault proxy (the broker never sees the
 * request) and judged by kcat reading committed records. The rows of AddPartitionsToTxn and
 * AddOffsetsToTxn run with the transaction protocol v1 (the proxy reports transaction.version 1:
 * protocol v2 sends neither), those where the protocols differ in what an abort or commit does to
 * the epoch (EndTxn's abortable and fatal rows, Produce's abortable rows) with both, the others with
 * v2 (Kafka 4's default). Each code gets the outcome the Java producer 4.x gives it:
 *   retried   the call succeeds after the error, the transaction commits, records appear once;
 *   abortable the call rejects with the broker's error, commitTransaction() rejects,
 *             abortTransaction() works and the next transaction commits;
 *   fatal     the call rejects and so does every later transactional call;
 *   fenced    the call rejects with ProducerFencedError and so does every later one;
 *   rejects   (initTransactions) the call rejects with the broker's error.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaBrokerError, type KafkaProducer, ProducerFencedError } from "../../mod.ts";
import { uniqueTopic } from "../_lib/kafka.ts";
import type { KafkaProxy, ProxyRule } from "../_lib/kafka_proxy.ts";
import { createTopic } from "../_lib/plain_client.ts";
import type { ApiName } from "../_lib/wire_schemas.ts";
import { assertExactlyOnce, proxied, READ_COMMITTED } from "./harness.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

type Expect = "retried" | "abortable" | "fatal" | "fenced" | "rejects";

/** One row: an API, its codes, what Java does with them, and a known kafka-edge failure. */
interface Row {
  id: string;
  api: ApiName;
  codes: number[];
  expect: Expect;
  /** Which requests of the API the rule answers (FindCoordinator: the transaction's or the group's). */
  match?: ProxyRule["match"];
  /** The transaction protocols (transaction.version) the row runs with; default [2]. */
  protocols?: readonly (1 | 2)[];
}

const TXN_COORDINATOR = (r: Parameters<NonNullable<ProxyRule["match"]>>[0]) =>
  r.body?.keyType === 1;
const GROUP_COORDINATOR = (r: Parameters<NonNullable<ProxyRule["match"]>>[0]) =>
  r.body?.keyType === 0;

const V1 = [1] as const;
const BOTH = [1, 2] as const;

export const ROWS: Row[] = [
  { id: "T1a", api: "InitProducerId", codes: [7, 14, 15, 16, 51], expect: "retried" },
  { id: "T1b", api: "InitProducerId", codes: [47, 90], expect: "fenced" },
  { id: "T1c", api: "InitProducerId", codes: [-1, 31, 42, 50, 53, 120], expect: "rejects" },
  { id: "T2a", api: "FindCoordinator", codes: [14, 15], expect: "retried", match: TXN_COORDINATOR },
  {
    id: "T2b",
    api: "FindCoordinator",
    codes: [-1, 42, 53, 120],
    expect: "rejects",
    match: TXN_COORDINATOR,
  },
  { id: "T2c", api: "FindCoordinator", codes: [30], expect: "abortable", match: GROUP_COORDINATOR },
  {
    id: "T3a",
    api: "AddPartitionsToTxn",
    codes: [3, 14, 15, 16, 51],
    expect: "retried",
    protocols: V1,
  },
  { id: "T3b", api: "AddPartitionsToTxn", codes: [47, 90], expect: "fenced", protocols: V1 },
  {
    id: "T3c",
    api: "AddPartitionsToTxn",
    codes: [-1, 29, 55, 59, 120],
    expect: "abortable",
    protocols: V1,
  },
  { id: "T3d", api: "AddPartitionsToTxn", codes: [48, 49, 53], expect: "fatal", protocols: V1 },
  { id: "T4a", api: "AddOffsetsToTxn", codes: [14, 15, 16, 51], expect: "retried", protocols: V1 },
  { id: "T4b", api: "AddOffsetsToTxn", codes: [47, 90], expect: "fenced", protocols: V1 },
  {
    id: "T4c",
    api: "AddOffsetsToTxn",
    codes: [30, 59, 120],
    expect: "abortable",
    protocols: V1,
  },
  { id: "T4d", api: "AddOffsetsToTxn", codes: [-1, 48, 49, 53], expect: "fatal", protocols: V1 },
  { id: "T5a", api: "TxnOffsetCommit", codes: [3, 7, 14, 15, 16], expect: "retried" },
  { id: "T5b", api: "TxnOffsetCommit", codes: [47, 90], expect: "fenced" },
  {
    id: "T5c",
    api: "TxnOffsetCommit",
    codes: [22, 25, 30, 69, 82, 113, 120],
    expect: "abortable",
  },
  { id: "T5d", api: "TxnOffsetCommit", codes: [-1, 12, 28, 43, 53], expect: "fatal" },
  { id: "T6a", api: "EndTxn", codes: [7, 14, 15, 16, 51], expect: "retried" },
  { id: "T6b", api: "EndTxn", codes: [47, 90], expect: "fenced" },
  { id: "T6c", api: "EndTxn", codes: [59, 120], expect: "abortable", protocols: BOTH },
  { id: "T6d", api: "EndTxn", codes: [-1, 48, 49, 53], expect: "fatal", protocols: BOTH },
  { id: "T7a", api: "Produce", codes: [59], expect: "retried" },
  { id: "T7b", api: "Produce", codes: [45, 48, 120], expect: "abortable", protocols: BOTH },
  { id: "T7c", api: "Produce", codes: [47], expect: "abortable", protocols: BOTH },
];

/** A committed transaction's first record, then the call under test, per API. */
function operation(
  producer: KafkaProducer,
  api: ApiName,
  topic: string,
  group: string,
): Promise<unknown> {
  switch (api) {
    case "InitProducerId":
    case "FindCoordinator":
      if (api === "FindCoordinator" && group !== "") {
        return producer.sendOffsetsToTransaction([{ topic, partition: 0, offset: 1n }], group);
      }
      return producer.initTransactions();
    case "AddPartitionsToTxn":
    case "Produce": // to a partition not yet in the transaction
      return producer.send({ topic, partition: 1, value: "in-failed-txn" });
    case "AddOffsetsToTxn":
    case "TxnOffsetCommit":
      return producer.sendOffsetsToTransaction([{ topic, partition: 0, offset: 1n }], group);
    case "EndTxn":
      return producer.commitTransaction();
    default:
      throw new Error(`no operation for ${api}`);
  }
}

function assertBrokerError(outcome: Error | null, code: number): void {
  assert.ok(
    outcome instanceof KafkaBrokerError && outcome.code === code,
    `expected KafkaBrokerError ${code}, got ${outcome ?? "success (the call was retried)"}`,
  );
}

async function runRow(row: Row, codes: number[], protocol: 1 | 2): Promise<void> {
  const topic = uniqueTopic(`errors-${row.id}`);
  await createTopic(topic, 2);
  const duringInit = row.api === "InitProducerId" ||
    (row.api === "FindCoordinator" && row.match === TXN_COORDINATOR);
  const group = row.api === "FindCoordinator" && duringInit ? "" : uniqueTopic("group");
  const { proxy, producer, close } = await proxied(
    { transactionalId: uniqueTopic("txn") },
    { finalizedFeatures: { "transaction.version": protocol } },
  );
  const committed: string[] = [];
  try {
    if (!duringInit) {
      await producer.initTransactions();
      producer.beginTransaction();
      await producer.send({ topic, partition: 0, value: "before" });
    }
    const rules = codes.map((code) =>
      proxy.addRule({ api: row.api, match: row.match, action: { respond: code } })
    );
    const outcome = await operation(producer, row.api, topic, group).then(
      () => null,
      (error: Error) => error,
    );
    const code = codes[0];
    switch (row.expect) {
      case "retried":
        assert.equal(outcome, null, `the call failed: ${outcome}`);
        assert.deepEqual(rules.map((r) => r.hits), codes.map(() => 1), "every code was answered");
        if (duringInit) producer.beginTransaction();
        if (!duringInit) committed.push("before");
        if (row.api === "AddPartitionsToTxn" || row.api === "Produce") {
          committed.push("in-failed-txn");
        }
        if (row.api !== "EndTxn") await producer.commitTransaction();
        break;
      case "rejects":
        assertBrokerError(outcome, code);
        break;
      case "fenced":
        assert.ok(outcome instanceof ProducerFencedError, `${outcome}`);
        await assert.rejects(producer.abortTransaction(), ProducerFencedError);
        break;
      case "abortable":
        assertBrokerError(outcome, code);
        if (row.api !== "EndTxn") {
          await assert.rejects(producer.commitTransaction(), "commit after an abortable error");
        }
        await producer.abortTransaction();
        producer.beginTransaction();
        await producer.send({ topic, partition: 1, value: "next" });
        await producer.commitTransaction();
        committed.push("next");
        if (row.api === "Produce") {
          // The abort bumped the epoch (KIP-360 in v1, EndTxn v5 in v2): fresh sequences.
          const epochs = proxy.requests("Produce").flatMap((e) => e.batches)
            .map((b) => b.producerEpoch);
          assert.ok(epochs[epochs.length - 1] > epochs[0], `epochs ${epochs.join(", ")}`);
        }
        break;
      case "fatal":
        assertBrokerError(outcome, code);
        await assert.rejects(producer.abortTransaction(), "abort after a fatal error");
        break;
    }
    assertProtocol(proxy, protocol);
  } finally {
    await close();
  }
  await assertExactlyOnce(topic, committed, READ_COMMITTED);
}

/** The requests show the transaction protocol: v2 adds partitions and offsets implicitly. */
function assertProtocol(proxy: KafkaProxy, protocol: 1 | 2): void {
  const versions = (api: ApiName) => [...new Set(proxy.requests(api).map((e) => e.version))];
  if (protocol === 2) {
    assert.deepEqual(versions("AddPartitionsToTxn"), [], "v2 sends no AddPartitionsToTxn");
    assert.deepEqual(versions("AddOffsetsToTxn"), [], "v2 sends no AddOffsetsToTxn");
    assert.ok(versions("Produce").every((v) => v >= 12), `Produce v${versions("Produce")}`);
    assert.ok(versions("EndTxn").every((v) => v >= 5), `EndTxn v${versions("EndTxn")}`);
  } else {
    assert.ok(versions("Produce").every((v) => v <= 11), `Produce v${versions("Produce")}`);
    assert.ok(versions("EndTxn").every((v) => v <= 4), `EndTxn v${versions("EndTxn")}`);
    const offsets = versions("TxnOffsetCommit");
    assert.ok(offsets.every((v) => v <= 4), `TxnOffsetCommit v${offsets}`);
  }
}

for (const row of ROWS) {
  // A retried row answers its codes one attempt after another; the others get one code each.
  const cases = row.expect === "retried" ? [row.codes] : row.codes.map((code) => [code]);
  for (const protocol of row.protocols ?? [2]) {
    for (const codes of cases) {
      const name = `${row.id}: ${row.api} ${
        codes.join(", ")
      }: ${row.expect} (transactions v${protocol})`;
      test(name, { timeout: BROKER_TIMEOUT_MS }, () => runRow(row, codes, protocol));
    }
  }
}
