/**
 * The payload every client of the comparison sends: a file of JSON-like event records, one a
 * line, each exactly `size` bytes, from a seeded generator (the same file on every run and
 * machine). Fields vary from record to record as web and app events do, so lz4 sees realistic
 * data rather than one repeated value (or Java's random letters).
 *
 * Plain TypeScript (Node 22's type stripping runs it, and the drivers import `readPayload`).
 *
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";

const EVENTS = [
  "page_view",
  "click",
  "add_to_cart",
  "purchase",
  "search",
  "sign_in",
  "scroll",
];
const COUNTRIES = ["DE", "FR", "US", "BR", "IN", "JP", "GB", "ES", "NL", "PL"];
const AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 Version/18.1 Safari",
];
const WORDS = [
  "blue",
  "wireless",
  "running",
  "shoe",
  "cotton",
  "shirt",
  "coffee",
  "grinder",
  "garden",
  "lamp",
  "travel",
  "mug",
  "organic",
  "tea",
  "desk",
  "chair",
];

/** A record generator: each call returns one JSON text of exactly `size` bytes (ASCII). */
export function payloadRecords(size: number, seed = 42): () => string {
  if (size < 64) throw new RangeError("payload records need at least 64 bytes");
  let state = seed >>> 0;
  const next = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  let id = 1_000_000;
  return () => {
    id += 1 + next(7);
    // Fields in the order a tracking event carries them; as many as fit before the padding.
    const fields = [
      `"id":${id}`,
      `"ts":"${new Date(1_764_000_000_000 + id * 13 + next(1000)).toISOString()}"`,
      `"user":"u${next(90_000) + 10_000}"`,
      `"event":"${EVENTS[next(EVENTS.length)]}"`,
      `"page":"/p/${next(5000)}"`,
      `"country":"${COUNTRIES[next(COUNTRIES.length)]}"`,
      `"session":"${next(2 ** 24).toString(16).padStart(6, "0")}${next(2 ** 24).toString(16)}"`,
      `"ua":"${AGENTS[next(AGENTS.length)]}"`,
    ];
    for (let i = 0; fields.length < 64; i++) {
      fields.push(
        `"item${i}":{"sku":"SKU-${next(100_000)}","qty":${1 + next(4)},"price":${
          (next(20_000) / 100).toFixed(2)
        },"name":"${WORDS[next(WORDS.length)]} ${WORDS[next(WORDS.length)]}"}`,
      );
    }
    const padField = ',"note":""}';
    let text = "{";
    for (const field of fields) {
      const candidate = text.length === 1 ? text + field : `${text},${field}`;
      if (candidate.length + padField.length > size) break;
      text = candidate;
    }
    // The note fills the record to exactly `size` bytes, with words, not one repeated byte.
    let note = "";
    const room = size - text.length - padField.length;
    while (note.length < room) note += `${WORDS[next(WORDS.length)]} `;
    return `${text},"note":"${note.slice(0, room)}"}`;
  };
}

/** Writes `count` records of `size` bytes to `file`, one a line. */
export function writePayload(file: string, size: number, count: number): void {
  const next = payloadRecords(size);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(next());
  writeFileSync(file, lines.join("\n") + "\n");
}

/** The records of a payload file, as views into one buffer. */
export function readPayload(file: string): Uint8Array[] {
  const bytes = new Uint8Array(readFileSync(file));
  const records: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x0a) continue;
    records.push(bytes.subarray(start, i));
    start = i + 1;
  }
  return records;
}
