/**
 * The Produce version the sender picks: the highest both sides speak, capped at v11 for the
 * transaction protocol that adds partitions explicitly and at v12 (topics by name) unless every
 * topic of the request has a known id.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { produceVersion } from "../../../src/producer/sender.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

test("Produce v13 only with every topic id known, v11 in explicit-partition transactions", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const cases: [
    negotiated: number,
    explicitPartitions: boolean,
    idsKnown: boolean,
    want: number,
  ][] = [
    [13, false, true, 13], // Kafka 4.1+: topics by id
    [13, false, false, 12], // an id unknown: by name
    [12, false, true, 12], // Kafka 4.0 and older speak no v13
    [7, false, true, 7],
    [13, true, true, 11], // transactions with AddPartitionsToTxn
    [9, true, false, 9],
  ];
  for (const [negotiated, explicitPartitions, idsKnown, want] of cases) {
    assert.equal(
      produceVersion(negotiated, explicitPartitions, idsKnown),
      want,
      `${[negotiated, explicitPartitions, idsKnown]}`,
    );
  }
});
