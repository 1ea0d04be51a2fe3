/**
 * Picks the transport for the runtime this code runs in.
 *
 * @module
 */

import { ConfigError } from "../errors.ts";
import { denoTransport } from "./deno.ts";
import type { Transport } from "./transport.ts";

/** The transport of the current runtime. */
export function detectTransport(): Transport {
  if ("Deno" in globalThis) return denoTransport;
  throw new ConfigError(
    "no transport for this runtime yet: only Deno is supported so far; pass `transport` explicitly",
  );
}
