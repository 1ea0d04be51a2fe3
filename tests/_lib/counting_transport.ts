/**
 * A transport that wraps the runtime's own and counts what the producer does with it: connection
 * attempts, and request frames per API key (each request is one `write` of a whole frame's chunks).
 */

import { detectTransport } from "../../src/transport/detect.ts";
import type { Transport } from "../../src/transport/transport.ts";

/** The wrapping transport and its counters. */
export interface CountingTransport {
  transport: Transport;
  /** Calls of `connect`, failed ones included. */
  readonly connects: number;
  /** Request frames written with this API key (e.g. 17, SaslHandshake). */
  requests(apiKey: number): number;
}

export function countingTransport(): CountingTransport {
  const inner = detectTransport();
  const byApiKey = new Map<number, number>();
  let connects = 0;
  const transport: Transport = {
    name: `counting ${inner.name}`,
    async connect(endpoint, events, tls) {
      connects++;
      const connection = await inner.connect(endpoint, events, tls);
      return {
        write(chunks) {
          // A frame whose first chunk holds INT32 size, then the request header's INT16 API key.
          const apiKey = (chunks[0][4] << 8) | chunks[0][5];
          byApiKey.set(apiKey, (byApiKey.get(apiKey) ?? 0) + 1);
          connection.write(chunks);
        },
        get pendingBytes() {
          return connection.pendingBytes;
        },
        drained: () => connection.drained(),
        close: () => connection.close(),
      };
    },
  };
  return {
    transport,
    get connects() {
      return connects;
    },
    requests: (apiKey) => byApiKey.get(apiKey) ?? 0,
  };
}
