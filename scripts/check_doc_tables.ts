/**
 * The docs' reference tables cannot drift from the code: each is compared with what it describes,
 * and any difference fails scripts/check.sh.
 *
 * - docs/configuration.md's settings: one row per field of the producer's config schema, and each
 *   literal default equal to what the schema fills in.
 * - docs/api-errors.md: every error class mod.ts exports, and nothing else, each with the parent
 *   class it names; every error class of src/errors.ts also exported by mod.ts.
 * - docs/protocol.md: every API of src/protocol/messages/, with its key and versions.
 * - docs/observability.md's metrics: every name `metrics()` returns, and nothing else.
 *
 *   deno run --allow-read scripts/check_doc_tables.ts
 */

import { readdir, readFile } from "node:fs/promises";
import process from "node:process";
import * as api from "../mod.ts";
import * as errors from "../src/errors.ts";
// Where the producer's configuration schema lives (one place to change if it moves).
import { PRODUCER_CONFIG_FIELDS, resolveProducerConfig } from "../src/producer/config.ts";
import { ProducerMetrics } from "../src/producer/metrics.ts";
import type { Api } from "../src/protocol/api.ts";

const root = new URL("../", import.meta.url);
const problems: string[] = [];

/** The rows of the first Markdown table whose header's first cell is `firstHeader`. */
async function table(doc: string, firstHeader: string): Promise<string[][]> {
  const lines = (await readFile(new URL(doc, root), "utf8")).split("\n");
  const cells = (line: string) =>
    line.trim().replace(/^\||\|$/g, "").split(/(?<!\\)\|/).map((cell) => cell.trim());
  const start = lines.findIndex((line) => line.startsWith("|") && cells(line)[0] === firstHeader);
  if (start < 0) throw new Error(`${doc}: no table with a "${firstHeader}" column`);
  const rows: string[][] = [];
  for (let i = start + 2; i < lines.length && lines[i].startsWith("|"); i++) {
    rows.push(cells(lines[i]));
  }
  return rows;
}

/** The `code` spans of a cell, e.g. ["a", "b"] for "`a` / `b`". */
function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
}

function compareSets(what: string, documented: string[], actual: readonly string[]) {
  const missing = actual.filter((name) => !documented.includes(name));
  const extra = documented.filter((name) => !actual.includes(name));
  if (missing.length > 0) problems.push(`${what}: not documented: ${missing.join(", ")}`);
  if (extra.length > 0) {
    problems.push(`${what}: documented but not in the code: ${extra.join(", ")}`);
  }
}

async function checkConfiguration() {
  const doc = "docs/configuration.md";
  const rows = await table(doc, "setting");
  const names = rows.map((row) => codeSpans(row[0])[0]);
  compareSets(`${doc} settings`, names, PRODUCER_CONFIG_FIELDS);
  const defaults = resolveProducerConfig({ bootstrapServers: ["127.0.0.1:9092"] }) as object;
  for (const row of rows) {
    const [name] = codeSpans(row[0]);
    const [literal] = codeSpans(row[1]);
    if (literal === undefined) continue; // "(required)", "none", "per codec"...
    let documented: unknown = JSON.parse(literal);
    if (name === "acks" && documented === "all") documented = -1; // what "all" resolves to
    const actual = Reflect.get(defaults, name);
    if (actual !== documented) {
      problems.push(`${doc}: ${name} defaults to ${JSON.stringify(actual)}, not ${literal}`);
    }
  }
}

async function checkErrors() {
  const doc = "docs/api-errors.md";
  const isErrorClass = (value: unknown) =>
    typeof value === "function" && value.prototype instanceof Error;
  // The public error classes: mod.ts's (src/errors.ts's, and SendBatchError from the producer).
  const classes = Object.entries(api).filter(([, value]) => isErrorClass(value));
  const rows = await table(doc, "error");
  compareSets(
    `${doc} error classes`,
    rows.map((row) => codeSpans(row[0])[0]),
    classes.map(([name]) => name),
  );
  for (const [name, value] of Object.entries(errors)) {
    if (isErrorClass(value) && !isErrorClass(Reflect.get(api, name))) {
      problems.push(`${name} is exported by src/errors.ts but not by mod.ts`);
    }
  }
  for (const row of rows) {
    const [name] = codeSpans(row[0]);
    const [parent] = codeSpans(row[1]);
    const actual = Object.getPrototypeOf(Reflect.get(api, name) ?? Object)?.name;
    if (parent !== undefined && actual !== undefined && parent !== actual) {
      problems.push(`${doc}: ${name} extends ${actual}, not ${parent}`);
    }
  }
}

/** Every API message definition of src/protocol/messages/. */
async function apiMessages(): Promise<Api<unknown, unknown>[]> {
  const dir = new URL("src/protocol/messages/", root);
  const found: Api<unknown, unknown>[] = [];
  for (const file of (await readdir(dir)).filter((name) => name.endsWith(".ts")).sort()) {
    const module: Record<string, unknown> = await import(new URL(file, dir).href);
    for (const value of Object.values(module)) {
      const isApi = typeof value === "object" && value !== null && "key" in value &&
        "minVersion" in value && "maxVersion" in value && "decodeResponse" in value;
      if (isApi) found.push(value as Api<unknown, unknown>);
    }
  }
  return found;
}

async function checkProtocol() {
  const doc = "docs/protocol.md";
  const byName = new Map((await apiMessages()).map((message) => [message.name, message]));
  const rows = await table(doc, "API");
  const documented: string[] = [];
  for (const row of rows) {
    const [, name, key] = /^(\w+) \((\d+)\)$/.exec(row[0]) ?? [];
    documented.push(name ?? row[0]);
    const message = byName.get(name);
    if (!message) continue;
    const versions = message.minVersion === message.maxVersion
      ? `${message.minVersion}`
      : `${message.minVersion}–${message.maxVersion}`;
    if (row[1] !== versions || Number(key) !== message.key) {
      problems.push(
        `${doc}: ${name} is key ${message.key}, versions ${versions}; the table says ${row[0]}, ` +
          row[1],
      );
    }
  }
  compareSets(`${doc} APIs`, documented, [...byName.keys()]);
}

async function checkMetrics() {
  const doc = "docs/observability.md";
  const gauges = {
    bufferAvailableBytes: 0,
    bufferTotalBytes: 0,
    requestsInFlight: 0,
    connectionCount: 0,
  };
  const names = Object.keys(new ProducerMetrics().snapshot(gauges, 0));
  const documented = (await table(doc, "metric")).flatMap((row) => codeSpans(row[0]));
  compareSets(`${doc} metrics`, documented, names);
}

await checkConfiguration();
await checkErrors();
await checkProtocol();
await checkMetrics();
if (problems.length > 0) {
  for (const problem of problems) console.error(`check_doc_tables: ${problem}`);
  process.exit(1);
}
console.error(
  "check_doc_tables: configuration, errors, protocol and metrics tables match the code",
);
