import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32c } from "../../../src/protocol/crc32c.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

// RFC 3720, appendix B.4 ("CRC Examples"), plus the common check value of "123456789".
test("crc32c matches RFC 3720 test vectors", { timeout: UNIT_TIMEOUT_MS }, () => {
  const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
  const descending = Uint8Array.from({ length: 32 }, (_, i) => 31 - i);
  const iscsiReadPdu = Uint8Array.from([
    0x01,
    0xc0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0x14,
    0,
    0,
    0,
    0,
    0,
    0x04,
    0,
    0,
    0,
    0,
    0x14,
    0,
    0,
    0,
    0x18,
    0x28,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0x02,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(ascending), 0x46dd794e);
  assert.equal(crc32c(descending), 0x113fdb5c);
  assert.equal(crc32c(iscsiReadPdu), 0xd9963a56);
  assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
});

test("crc32c of a sub-range equals crc32c of a copy, for every length and alignment", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff);
  for (let start = 0; start < 9; start++) {
    for (let end = start; end <= data.length; end += 7) {
      assert.equal(crc32c(data, start, end), bitwiseCrc32c(data.slice(start, end)));
    }
  }
});

/** The one-bit-at-a-time definition, as an independent reference for the sliced tables. */
function bitwiseCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
