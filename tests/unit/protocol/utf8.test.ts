/** UTF-8 length and writing without intermediate arrays, against TextEncoder. */

import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeRecordBatch } from "../../../src/protocol/record_batch.ts";
import { utf8Length, utf8Scratch, writeUtf8 } from "../../../src/protocol/utf8.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const samples = [
  "",
  "ascii key-42",
  "héllo",
  "✓ three-byte",
  "🚀 surrogate pair",
  "mixed é✓🚀 end",
  "lone high \ud800 surrogate",
  "lone low \udc00 surrogate",
  "\ud800", // high surrogate at the very end
  "x".repeat(300),
  "é".repeat(200),
];

test("utf8Length and writeUtf8 agree with TextEncoder on every kind of text", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const encoder = new TextEncoder();
  for (const text of samples) {
    const expected = encoder.encode(text);
    assert.equal(utf8Length(text), expected.length, JSON.stringify(text));
    const buf = new Uint8Array(expected.length + 4).fill(0xaa);
    assert.equal(writeUtf8(buf, 2, text, expected.length), expected.length + 2);
    assert.deepEqual(buf.subarray(2, 2 + expected.length), expected);
    assert.equal(buf[1], 0xaa);
    assert.equal(buf[expected.length + 2], 0xaa, "nothing written past the end");
    const { bytes, length } = utf8Scratch(text);
    assert.deepEqual(bytes.subarray(0, length), expected);
  }
});

test("a batch of string keys and values equals the same batch of their bytes", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const encoder = new TextEncoder();
  const asText = samples.map((s, i) => ({
    timestamp: 1000 + i,
    key: s,
    value: s.toUpperCase(),
    headers: [],
  }));
  const asBytes = asText.map((r) => ({
    ...r,
    key: encoder.encode(r.key),
    value: encoder.encode(r.value),
  }));
  assert.deepEqual(encodeRecordBatch(asText), encodeRecordBatch(asBytes));
});
