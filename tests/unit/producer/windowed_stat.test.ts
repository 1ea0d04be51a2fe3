/**
 * The windowed statistics behind producer.metrics(), against the Java client's rules worked out
 * by hand (SampledStat and Rate, 2 samples of 30 s): a rate's window counts at least one full
 * sample before the current one; samples with no event for 60 s are forgotten.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { WindowedStat } from "../../../src/producer/windowed_stat.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

test(
  "rates, averages and maxima follow Java's sample windows",
  { timeout: UNIT_TIMEOUT_MS },
  () => {
    const stat = new WindowedStat(30_000, 2);
    assert.equal(stat.rate(0), 0);
    assert.ok(Number.isNaN(stat.avg(0)), "no values: NaN, as Java reports");
    assert.ok(Number.isNaN(stat.max(0)));

    stat.record(60, 1_000);
    // 11 s after the first look: 11 s elapsed + one missing 30 s window = 41 s.
    assert.equal(stat.rate(11_000), 60 / 41);
    assert.equal(stat.avg(11_000), 60);

    stat.record(30, 31_000); // the first sample is 30 s old: a new one starts
    assert.equal(stat.rate(41_000), 90 / 41); // one full window: no padding
    assert.equal(stat.max(41_000), 60);
    assert.equal(stat.avg(41_000), 45);

    stat.record(10, 61_000);
    // At 62 s the first sample (last event at 1 s) is 61 s old: forgotten. Left: 30 at 31 s and
    // 10 at 61 s, over the 31 s since the older one started.
    assert.equal(stat.sum(62_000), 40);
    assert.equal(stat.rate(62_000), 40 / 31);
    assert.equal(stat.max(62_000), 30);
    assert.equal(stat.avg(62_000), 20);

    // Long silence: everything expires.
    assert.equal(stat.rate(200_000), 0);
    assert.ok(Number.isNaN(stat.avg(200_000)));
  },
);
