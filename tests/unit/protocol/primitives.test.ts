import assert from "node:assert/strict";
import { test } from "node:test";
import { ProtocolError } from "../../../src/errors.ts";
import {
  Reader,
  uvarintSize,
  varintSize,
  varlongSize,
  Writer,
} from "../../../src/protocol/primitives.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

test("fixed-width integers are big-endian and round-trip", { timeout: UNIT_TIMEOUT_MS }, () => {
  const w = new Writer(1).int8(-2).int16(-300).int32(0x01020304).int64(-5n).bool(true);
  assert.equal(hex(w.bytes()), "fe" + "fed4" + "01020304" + "fffffffffffffffb" + "01");
  const r = new Reader(w.bytes());
  assert.deepEqual([r.int8(), r.int16(), r.int32(), r.int64(), r.bool()], [
    -2,
    -300,
    0x01020304,
    -5n,
    true,
  ]);
  r.expectEnd("test");
});

test(
  "varints match the protocol guide's examples and their sizes",
  { timeout: UNIT_TIMEOUT_MS },
  () => {
    // Zigzag: 0→0, -1→1, 1→2, -2→3, 2147483647→4294967294, -2147483648→4294967295.
    const cases: [number, string][] = [
      [0, "00"],
      [-1, "01"],
      [1, "02"],
      [-2, "03"],
      [63, "7e"],
      [64, "8001"],
      [-65, "8101"],
      [300, "d804"],
      [2147483647, "feffffff0f"],
      [-2147483648, "ffffffff0f"],
    ];
    for (const [value, expected] of cases) {
      const bytes = new Writer().varint(value).bytes();
      assert.equal(hex(bytes), expected, `varint ${value}`);
      assert.equal(varintSize(value), bytes.length);
      assert.equal(new Reader(bytes).varint(), value);
      const long = new Writer().varlong(value).bytes();
      assert.equal(hex(long), expected, `varlong ${value}`);
      assert.equal(varlongSize(value), long.length);
    }
    for (const value of [0, 127, 128, 16383, 16384, 2 ** 32 - 1]) {
      const bytes = new Writer().uvarint(value).bytes();
      assert.equal(uvarintSize(value), bytes.length);
      assert.equal(new Reader(bytes).uvarint(), value);
    }
  },
);

test("varlongs round-trip across the safe integer range", { timeout: UNIT_TIMEOUT_MS }, () => {
  const values = [
    2 ** 31,
    -(2 ** 31) - 1,
    1700000000000,
    -1700000000000,
    Number.MAX_SAFE_INTEGER >> 1,
  ];
  for (let v = 1; v < 2 ** 52; v *= 3) values.push(v, -v);
  for (const value of values) {
    const bytes = new Writer().varlong(value).bytes();
    assert.equal(varlongSize(value), bytes.length, `size of ${value}`);
    assert.equal(new Reader(bytes).varlong(), value);
  }
});

test(
  "strings, bytes, arrays and UUIDs in classic and compact forms",
  { timeout: UNIT_TIMEOUT_MS },
  () => {
    const uuid = Uint8Array.from({ length: 16 }, (_, i) => i);
    const w = new Writer()
      .string("héllo").string(null).compactString("ok").compactString(null)
      .bytesField(Uint8Array.of(1, 2)).bytesField(null).compactBytes(Uint8Array.of(3)).compactBytes(
        null,
      )
      .uuid(uuid)
      .array([1, 2, 3], false, (w, n) => w.int32(n)).array(
        ["a"],
        true,
        (w, s) => w.compactString(s),
      )
      .array(null, true, () => {}).emptyTaggedFields();
    const r = new Reader(w.bytes());
    assert.equal(r.string(), "héllo");
    assert.equal(r.nullableString(), null);
    assert.equal(r.compactString(), "ok");
    assert.equal(r.compactNullableString(), null);
    assert.deepEqual(r.nullableBytes(), Uint8Array.of(1, 2));
    assert.equal(r.nullableBytes(), null);
    assert.deepEqual(r.compactNullableBytes(), Uint8Array.of(3));
    assert.equal(r.compactNullableBytes(), null);
    assert.deepEqual(r.uuid(), uuid);
    assert.deepEqual(
      r.array(false, (r) => r.int32()),
      [1, 2, 3],
    );
    assert.deepEqual(r.array(true, (r) => r.compactString()), ["a"]);
    assert.deepEqual(r.array(true, (r) => r.int8()), []);
    r.taggedFields();
    r.expectEnd("test");
  },
);

test("tagged fields: known tags are read from their own bytes, unknown ones skipped", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const w = new Writer().uvarint(2).uvarint(0).uvarint(4).int32(77).uvarint(9).uvarint(2).int16(5);
  const seen: [number, number][] = [];
  const r = new Reader(w.bytes());
  r.taggedFields((tag, field) => {
    if (tag === 0) seen.push([tag, field.int32()]);
  });
  r.expectEnd("tags");
  assert.deepEqual(seen, [[0, 77]]);
});

test(
  "decoders refuse to read past the end or to trust bogus lengths",
  { timeout: UNIT_TIMEOUT_MS },
  () => {
    const bad: [string, Uint8Array, (r: Reader) => unknown][] = [
      ["short int32", Uint8Array.of(0, 0, 1), (r) => r.int32()],
      [
        "string longer than input",
        new Writer().int16(10).raw(Uint8Array.of(65)).bytes(),
        (r) => r.string(),
      ],
      ["negative string length", new Writer().int16(-7).bytes(), (r) => r.nullableString()],
      ["bytes longer than input", new Writer().int32(1 << 30).bytes(), (r) => r.nullableBytes()],
      [
        "huge array count",
        new Writer().int32(2_000_000_000).bytes(),
        (r) => r.array(false, (r) => r.int8()),
      ],
      [
        "huge compact array",
        new Writer().uvarint(2 ** 31).bytes(),
        (r) => r.array(true, (r) => r.int8()),
      ],
      ["endless varint", Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x01), (r) => r.uvarint()],
      ["truncated varint", Uint8Array.of(0x80), (r) => r.varint()],
      ["tagged field past end", Uint8Array.of(1, 0, 50, 1), (r) => r.taggedFields()],
      ["null non-nullable string", new Writer().int16(-1).bytes(), (r) => r.string()],
      ["trailing bytes", Uint8Array.of(1, 2), (r) => (r.int8(), r.expectEnd("x"))],
    ];
    for (const [what, bytes, read] of bad) {
      assert.throws(() => read(new Reader(bytes)), ProtocolError, what);
    }
  },
);
