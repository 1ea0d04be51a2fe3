/**
 * Picks the transport for the runtime this code runs in, or the one a configuration names.
 *
 * @module
 */

import { ConfigError } from "../errors.ts";
import { bunTransport } from "./bun.ts";
import { denoTransport } from "./deno.ts";
import { nodeTransport } from "./node.ts";
import type { Transport } from "./transport.ts";
import { workersTransport } from "./workers.ts";

/** Names of the built-in transports. */
export type TransportName = "deno" | "bun" | "node" | "workers";

const globals = globalThis as {
  Deno?: unknown;
  Bun?: unknown;
  process?: { versions?: { node?: string } };
  navigator?: { userAgent?: string };
};

/** Cloudflare's documented way to tell a Worker (workerd sets it too). */
const isWorkers = () => globals.navigator?.userAgent === "Cloudflare-Workers";

/**
 * The transport of the current runtime. Bun, and Workers with `nodejs_compat`, also set
 * `process.versions.node`: test them first.
 */
export function detectTransport(): Transport {
  if (isWorkers()) return workersTransport;
  if (globals.Bun !== undefined) return bunTransport;
  if (globals.Deno !== undefined) return denoTransport;
  if (globals.process?.versions?.node !== undefined) return nodeTransport;
  throw new ConfigError("cannot tell which runtime this is: pass `transport` explicitly", {
    field: "transport",
  });
}

/**
 * The transport a configuration asks for: detected when absent, a built-in one by name (which
 * must exist in this runtime: `node` works wherever `node:net` does), or the caller's own.
 */
export function resolveTransport(choice: TransportName | Transport | undefined): Transport {
  if (choice === undefined) return detectTransport();
  if (typeof choice !== "string") return choice;
  const available = {
    deno: globals.Deno !== undefined,
    bun: globals.Bun !== undefined,
    node: globals.process?.versions?.node !== undefined,
    workers: isWorkers(),
  }[choice];
  if (!available) {
    throw new ConfigError(`transport "${choice}" is not available in this runtime`, {
      field: "transport",
    });
  }
  return {
    deno: denoTransport,
    bun: bunTransport,
    node: nodeTransport,
    workers: workersTransport,
  }[choice];
}
