/** LineSplitter: lines cut at "\n" whatever the chunk boundaries, bytes kept exactly. */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LineSplitter } from "../../../src/cli/line_splitter.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function splitInChunks(text: string, chunkSize: number, delimiter?: string): string[] {
  const bytes = encoder.encode(text);
  const splitter = new LineSplitter(
    delimiter === undefined ? undefined : encoder.encode(delimiter),
  );
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) {
    for (const line of splitter.push(bytes.subarray(at, at + chunkSize))) {
      lines.push(decoder.decode(line));
    }
  }
  const last = splitter.finish();
  if (last) lines.push(decoder.decode(last));
  return lines;
}

test("the same lines for every chunk size, multi-byte characters cut anywhere", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const text = "alpha\nbéta\n\n€uro ✓\n" + "long ".repeat(50) + "\nno newline at the end";
  const expected = text.split("\n");
  for (const size of [1, 2, 3, 7, 64, text.length * 4]) {
    assert.deepEqual(splitInChunks(text, size), expected, `chunks of ${size} bytes`);
  }
});

test("a final newline leaves no extra line; an empty stream none at all", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  assert.deepEqual(splitInChunks("a\nb\n", 3), ["a", "b"]);
  assert.deepEqual(splitInChunks("", 3), []);
  assert.deepEqual(splitInChunks("\n", 1), [""]);
});

test("lines within one chunk are views of it, not copies", { timeout: UNIT_TIMEOUT_MS }, () => {
  const chunk = encoder.encode("one\ntwo\n");
  const [one, two] = new LineSplitter().push(chunk);
  assert.equal(one.buffer, chunk.buffer);
  assert.equal(two.byteOffset, chunk.byteOffset + 4);
});

test("a delimiter of several bytes is found wherever the chunks cut it", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const text = "one<|>two<<|>>three<|<|>>four<|><|>five<|";
  const expected = text.split("<|>");
  for (let size = 1; size <= text.length; size++) {
    assert.deepEqual(splitInChunks(text, size, "<|>"), expected, `chunks of ${size} bytes`);
  }
  assert.deepEqual(splitInChunks("a\r\nb\r\n", 1, "\r\n"), ["a", "b"]);
  assert.throws(() => new LineSplitter(new Uint8Array(0)), RangeError);
});
