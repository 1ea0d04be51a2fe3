/**
 * examples/workers as its README says to run it: `wrangler dev` (wrangler from npm, under the
 * Node 22 it needs, both the example's own dev dependencies) serves the Worker in local workerd,
 * which imports the package through its npm exports (dist/, built here). Records POSTed to it are
 * read back with kcat. Tests the example and the package under wrangler's bundler, not the runtime
 * running this file: Deno only (scripts/test.sh).
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { runProcess } from "../_lib/run_process.ts";
import { HARNESS_TIMEOUT_MS } from "../_lib/timeouts.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const example = join(root, "examples", "workers");

/** A port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Asks until the Worker answers (wrangler bundles and starts workerd first). */
async function waitUntilServing(url: string, wrangler: ChildProcess, output: () => string) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (wrangler.exitCode !== null) assert.fail(`wrangler dev exited:\n${output()}`);
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      if (response.status === 405) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.fail(`wrangler dev did not serve ${url} within 90 s:\n${output()}`);
}

test("wrangler dev serves examples/workers; what it produces, kcat reads back", {
  timeout: HARNESS_TIMEOUT_MS,
}, async () => {
  const build = await runProcess("bash", ["scripts/build.sh"], "", { cwd: root });
  assert.equal(build.code, 0, build.stderr);
  const topic = uniqueTopic("wrangler-example");
  await createTopic(topic, 2);

  const [port, inspectorPort] = [await freePort(), await freePort()];
  const home = await mkdtemp(join(tmpdir(), "kafka-edge-wrangler-"));
  let output = "";
  const wrangler = spawn(join(example, "node_modules", ".bin", "wrangler"), [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    `${port}`,
    "--inspector-port",
    `${inspectorPort}`,
    "--persist-to",
    join(home, "state"),
    "--var",
    `KAFKA_BOOTSTRAP:${bootstrapServers().join(",")}`,
    "--var",
    `KAFKA_TOPIC:${topic}`,
  ], {
    cwd: example,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      // wrangler needs Node >= 22: the example's own, ahead of the system's Node 20.
      PATH: `${join(example, "node_modules", ".bin")}:${process.env.PATH}`,
      NO_COLOR: "1",
      WRANGLER_SEND_METRICS: "false",
      // No fetch of Cloudflare's `request.cf` data from the Internet.
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      XDG_CONFIG_HOME: home,
    },
  });
  for (const stream of [wrangler.stdout, wrangler.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (text: string) => output += text);
  }
  const exited = new Promise<void>((resolve) => wrangler.once("exit", () => resolve()));
  try {
    const url = `http://127.0.0.1:${port}/`;
    await waitUntilServing(url, wrangler, () => output);
    const sent = [
      { key: "user-1", value: '{"action":"login"}' },
      { key: "user-2", value: "second" },
      { key: "user-1", value: "third" },
    ];
    const answers: { topic: string; partition: number; offset: string }[] = [];
    for (const record of sent) {
      const response = await fetch(`${url}?key=${record.key}`, {
        method: "POST",
        body: record.value,
        headers: { "content-type": "text/plain" },
      });
      const body = await response.json();
      assert.equal(response.status, 200, `${JSON.stringify(body)}\n${output}`);
      answers.push(body);
    }

    const read = await readTopic(topic);
    assert.equal(read.length, sent.length);
    sent.forEach((record, i) => {
      const where = read.find((r) =>
        r.partition === answers[i].partition && String(r.offset) === answers[i].offset
      );
      assert.ok(where, `record ${i} is not where the Worker said`);
      assert.equal(where.key, record.key);
      assert.equal(where.value, record.value);
      assert.equal(where.headers, "content-type=text/plain");
    });
    assert.equal(answers[0].partition, answers[2].partition, "the same key, the same partition");
  } finally {
    wrangler.kill("SIGINT");
    const stopped = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 15_000)),
    ]);
    if (!stopped) wrangler.kill("SIGKILL");
    await rm(home, { recursive: true, force: true });
  }
});
