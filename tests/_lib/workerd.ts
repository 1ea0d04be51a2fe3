/**
 * Running a Worker locally in workerd (the `workerd` npm package, Cloudflare's open-source Workers
 * runtime): bundle it with esbuild, write a Cap'n Proto config, serve it on a Unix socket (no TCP
 * port to share with anyone) and post JSON to it.
 */

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const WASM_ZSTD_EXCLUDED = fileURLToPath(
  new URL("../../src/compression/zstd_wasm_excluded.ts", import.meta.url),
);

/**
 * Bundles `entry` into one ES module for Workers, as wrangler would: the `workerd`/`worker`/
 * `browser` export conditions, nothing left external. A bundle that still needed `node:*` (or
 * anything else Workers lacks) would fail here or when workerd loads it. From the sources,
 * `#wasm-zstd` is pointed at the .ts file that package.json's `imports` names in dist/ for
 * these conditions.
 */
function bundleWorker(entry: string, outFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      "esbuild",
      [
        entry,
        "--bundle",
        "--format=esm",
        "--platform=neutral",
        "--target=es2022",
        "--conditions=workerd,worker,browser",
        `--alias:#wasm-zstd=${WASM_ZSTD_EXCLUDED}`,
        "--log-level=warning",
        `--outfile=${outFile}`,
      ],
      { timeout: 60_000 },
      (error, _stdout, stderr) => {
        if (error) reject(new Error(`esbuild failed: ${stderr}`, { cause: error }));
        else resolve();
      },
    );
  });
}

/** Options of {@link startWorkerd}. */
export interface WorkerdOptions {
  /**
   * Let `connect()` reach 127.0.0.0/8. workerd refuses loopback and private addresses by
   * default ("connecting to 127.0.0.1:… is not allowed"), as Cloudflare does in production.
   */
  allowLoopback: boolean;
  /** A Durable Object class the Worker exports, bound as `binding` (in memory, no storage). */
  durableObject?: { className: string; binding: string };
}

/** A running workerd serving one Worker. */
export interface Workerd {
  /** Posts `body` as JSON to `path` and returns the status and the parsed JSON answer. */
  post(path: string, body: unknown): Promise<{ status: number; body: unknown }>;
  /** What workerd printed so far (for failure messages). */
  output(): string;
  /** Stops workerd and removes its directory. */
  stop(): Promise<void>;
}

function capnpConfig(socketPath: string, options: WorkerdOptions): string {
  // `connect()` goes out through the service named "internet"; its `allow` list says which
  // addresses may be reached. "local" is loopback (and Unix sockets); "public" is the default.
  const allow = options.allowLoopback ? `["public", "local"]` : `["public"]`;
  const objects = options.durableObject
    ? `
  durableObjectNamespaces = [
    (className = "${options.durableObject.className}", uniqueKey = "kafka-edge-tests"),
  ],
  durableObjectStorage = (inMemory = void),
  bindings = [
    (name = "${options.durableObject.binding}",
     durableObjectNamespace = "${options.durableObject.className}"),
  ],`
    : "";
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ${allow})),
  ],
  sockets = [(name = "http", address = "unix:${socketPath}", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2026-11-01",${objects}
);
`;
}

function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path: socketPath });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Bundles the Worker `entry` (a module whose default export has `fetch`), starts workerd with it
 * and waits until it accepts connections.
 */
export async function startWorkerd(entry: string, options: WorkerdOptions): Promise<Workerd> {
  const dir = await mkdtemp(join(tmpdir(), "kafka-edge-workerd-"));
  const socketPath = join(dir, "http.sock");
  try {
    await bundleWorker(entry, join(dir, "worker.js"));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  await writeFile(join(dir, "config.capnp"), capnpConfig(socketPath, options));

  let output = "";
  const child: ChildProcess = spawn("workerd", ["serve", join(dir, "config.capnp")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (text: string) => output += text);
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let running = true;
  exited.then(() => running = false);

  const stop = async () => {
    if (running) {
      child.kill("SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  while (!(await canConnect(socketPath))) {
    if (!running || Date.now() > deadline) {
      await stop();
      throw new Error(`workerd did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    post: (path, body) => postJson(socketPath, path, body),
    output: () => output,
    stop,
  };
}

function postJson(
  socketPath: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: unknown }> {
  const payload = new TextEncoder().encode(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request({
      socketPath,
      path,
      method: "POST",
      headers: { "content-type": "application/json", "content-length": payload.length },
    }, (res) => {
      const chunks: Uint8Array[] = [];
      res.on("data", (chunk: Uint8Array) => chunks.push(chunk));
      res.on("end", () => {
        const text = new TextDecoder().decode(concat(chunks));
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch (error) {
          reject(
            new Error(`the Worker answered ${res.statusCode} with: ${text}`, { cause: error }),
          );
        }
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(payload);
  });
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}
