/**
 * Topic names are checked on every send(), with the last legal name remembered so that it is not
 * matched again: illegal names must still be refused whatever was checked before them.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidRecordError } from "../../../src/errors.ts";
import { validateTopic } from "../../../src/producer/record.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const illegal: unknown[] = ["", ".", "..", "bad topic!", "é", "x".repeat(250), null, undefined, 42];

test(
  "illegal topic names are refused before and after legal ones",
  { timeout: UNIT_TIMEOUT_MS },
  () => {
    for (const name of illegal) assert.throws(() => validateTopic(name), InvalidRecordError);
    for (const legal of ["orders", "a", "x".repeat(249), "payments_eu-1.v2"]) {
      for (const name of illegal) {
        validateTopic(legal);
        validateTopic(legal); // the remembered name
        assert.throws(
          () => validateTopic(name),
          InvalidRecordError,
          `${String(name)} after ${legal}`,
        );
      }
    }
  },
);
