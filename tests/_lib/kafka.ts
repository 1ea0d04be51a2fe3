/**
 * What integration tests need from the outside world: the broker's address, unique topic
 * names, and the independent consumer (kcat) that checks what was written.
 */

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";

/**
 * The broker the tests talk to. `scripts/test.sh` starts one (or reuses `KAFKA_BOOTSTRAP`)
 * before running the suite; a missing broker is a failure, never a skip.
 */
export function bootstrapServers(): string[] {
  const value = process.env.KAFKA_BOOTSTRAP;
  if (!value) {
    throw new Error("KAFKA_BOOTSTRAP is not set: run the suite with `deno task test`");
  }
  return value.split(",");
}

/** A topic name no other test (or earlier run against the same broker) uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Runs kcat with the given arguments (and `input` on its stdin) against `bootstrap` (default: the
 * test broker) and returns its stdout.
 */
export function kcat(
  args: readonly string[],
  timeoutMs = 30_000,
  input?: string,
  bootstrap: readonly string[] = bootstrapServers(),
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "kcat",
      ["-b", bootstrap.join(","), ...args],
      { encoding: "buffer", timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`kcat ${args.join(" ")} failed: ${stderr}`, { cause: error }));
        else resolve(new Uint8Array(stdout));
      },
    );
    child.stdin?.end(input ?? "");
  });
}

/** A record as kcat read it back. */
export interface ConsumedRecord {
  partition: number;
  offset: bigint;
  timestamp: number;
  key: string | null;
  value: string | null;
  /** kcat's `name=value,...` rendering. */
  headers: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Reads a whole topic with kcat (the independent consumer), every partition to its end.
 * kcat prints key and value byte lengths (%K, %S) first, so both are cut out exactly, whatever
 * bytes they hold. Headers must not contain newlines. `bootstrap`: another broker than the test
 * broker.
 */
export async function readTopic(
  topic: string,
  extraArgs: readonly string[] = [],
  bootstrap?: readonly string[],
): Promise<ConsumedRecord[]> {
  const out = await kcat(
    [
      "-C",
      "-e",
      "-q",
      "-t",
      topic,
      ...extraArgs,
      "-f",
      "p=%p o=%o t=%T K=%K S=%S k=%k s=%s h=%h\n",
    ],
    undefined,
    undefined,
    bootstrap,
  );
  const records: ConsumedRecord[] = [];
  let pos = 0;
  const expect = (text: string) => {
    const bytes = encoder.encode(text);
    for (let i = 0; i < bytes.length; i++) {
      if (out[pos + i] !== bytes[i]) {
        throw new Error(`kcat output: expected "${text}" at byte ${pos}`);
      }
    }
    pos += bytes.length;
  };
  const until = (stop: string) => {
    const end = out.indexOf(stop.charCodeAt(0), pos);
    if (end < 0) throw new Error(`kcat output: no "${stop}" after byte ${pos}`);
    const text = decoder.decode(out.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const bytes = (length: number) => {
    if (length < 0) return null;
    const text = decoder.decode(out.subarray(pos, pos + length));
    pos += length;
    return text;
  };
  while (pos < out.length) {
    expect("p=");
    const partition = Number(until(" "));
    expect("o=");
    const offset = BigInt(until(" "));
    expect("t=");
    const timestamp = Number(until(" "));
    expect("K=");
    const keyLength = Number(until(" "));
    expect("S=");
    const valueLength = Number(until(" "));
    expect("k=");
    const key = bytes(keyLength);
    expect(" s=");
    const value = bytes(valueLength);
    expect(" h=");
    const headers = until("\n");
    records.push({ partition, offset, timestamp, key, value, headers });
  }
  return records;
}

/** Runs `scripts/kafka/broker.sh` with `args` and returns its stdout. */
export function brokerSh(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      ["scripts/kafka/broker.sh", ...args],
      { timeout: 120_000, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`broker.sh ${args.join(" ")}: ${stderr}`, { cause: error }));
        else resolve(stdout);
      },
    );
  });
}

/** Runs one of Kafka's Java tools (`broker.sh tool CLASS ...`) and returns its stdout. */
export function kafkaTool(className: string, args: readonly string[]): Promise<string> {
  return brokerSh(["tool", className, ...args]);
}

/** The TLS and SASL listeners of the test broker (`broker.sh start --secure`), and their secrets. */
export interface SecureListeners {
  /** TLS with a client certificate required (mutual TLS). */
  ssl: string;
  saslPlaintext: string;
  saslSsl: string;
  /** SASL_PLAINTEXT with OAUTHBEARER only (the broker's unsecured token validator). */
  oauthBearer: string;
  /** SASL_PLAINTEXT, every mechanism, sessions limited to `reauthMs`. */
  reauth: string;
  reauthMs: number;
  username: string;
  password: string;
  /** PEM of the CA that signed the broker's and the client's certificates. */
  ca: string;
  /** PEM of a CA that signed nothing the broker uses. */
  otherCa: string;
  clientCert: string;
  clientKey: string;
  /** The CA's file, for kcat. */
  caPath: string;
}

/**
 * The secure listeners `scripts/test.sh` exported from the broker's secure.env. Missing ones are
 * a failure with the way to fix it, never a skip.
 */
export function secureListeners(): SecureListeners {
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) {
      throw new Error(
        `${name} is not set: run the suite with scripts/test.sh, or start the broker with ` +
          "`broker.sh start --secure --dir DIR` and `set -a; source DIR/secure.env`",
      );
    }
    return value;
  };
  const tlsDir = env("KAFKA_TLS_DIR");
  const read = (file: string) => readFileSync(`${tlsDir}/${file}`, "utf8");
  return {
    ssl: env("KAFKA_SSL_BOOTSTRAP"),
    saslPlaintext: env("KAFKA_SASL_PLAINTEXT_BOOTSTRAP"),
    saslSsl: env("KAFKA_SASL_SSL_BOOTSTRAP"),
    oauthBearer: env("KAFKA_OAUTHBEARER_BOOTSTRAP"),
    reauth: env("KAFKA_REAUTH_BOOTSTRAP"),
    reauthMs: Number(env("KAFKA_REAUTH_MS")),
    username: env("KAFKA_SASL_USERNAME"),
    password: env("KAFKA_SASL_PASSWORD"),
    ca: read("ca.pem"),
    otherCa: read("other-ca.pem"),
    clientCert: read("client.pem"),
    clientKey: read("client.key"),
    caPath: `${tlsDir}/ca.pem`,
  };
}

/**
 * An unsigned JWS (`alg: none`) of the kind the broker's unsecured OAUTHBEARER validator accepts
 * in tests: subject `sub`, expiring at `expiresAtMs`.
 */
export function unsecuredToken(sub: string, expiresAtMs: number): string {
  const part = (json: unknown) =>
    btoa(JSON.stringify(json)).replace(/=+$/, "").replaceAll("+", "-").replaceAll("/", "_");
  const nowSeconds = Math.floor(Date.now() / 1000);
  return `${part({ alg: "none" })}.${
    part({ sub, iat: nowSeconds, exp: Math.floor(expiresAtMs / 1000) })
  }.`;
}

/**
 * The bootstrap list of the older broker of `version` (e.g. "2.1.1") that `scripts/test.sh`
 * started for tests/compat/ and exported as KAFKA_BOOTSTRAP_2_1_1. Missing is a failure with the
 * way to fix it, never a skip.
 */
/**
 * The broker scripts/test.sh starts for tests/eos/: Kafka 4.x with `transaction.version` 1, which
 * forgets producers idle for 5 s.
 */
export function eosBroker(): string[] {
  const value = process.env.KAFKA_BOOTSTRAP_EOS;
  if (!value) throw new Error("KAFKA_BOOTSTRAP_EOS is not set: run the suite with scripts/test.sh");
  return value.split(",");
}

export function olderBroker(version: string): string[] {
  const name = `KAFKA_BOOTSTRAP_${version.replaceAll(".", "_")}`;
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run the suite with scripts/test.sh, or start the broker with ` +
        `\`broker.sh start --kafka ${version} --port auto --dir DIR\` and export its bootstrap list`,
    );
  }
  return value.split(",");
}
