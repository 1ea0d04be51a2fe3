/**
 * Parsing `host:port` addresses and opening a first connection to any of the listed brokers.
 *
 * @module
 */

import { AuthenticationError, ConfigError, ConnectionError } from "../errors.ts";
import type { Endpoint, Transport } from "../transport/transport.ts";
import { Connection, type ConnectionOptions } from "./connection.ts";

/** Parses `host:port` or `[ipv6]:port`. */
export function parseEndpoint(address: string): Endpoint {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:\[\]]+):(\d+)$/.exec(address);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new ConfigError(`invalid broker address "${address}": expected host:port`);
  }
  return { host: match[1], port };
}

/**
 * Connects to the first of `endpoints` that answers, trying them in order. A refused
 * authentication (SASL, or the TLS handshake) ends the search: the next broker would refuse it too.
 */
export async function connectAny(
  transport: Transport,
  endpoints: readonly Endpoint[],
  options: ConnectionOptions,
): Promise<Connection> {
  const failures: unknown[] = [];
  for (const endpoint of endpoints) {
    try {
      return await Connection.open(transport, endpoint, options);
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      failures.push(error);
    }
  }
  const list = endpoints.map((e) => `${e.host}:${e.port}`).join(", ");
  throw new ConnectionError(`no bootstrap broker reachable (${list})`, {
    cause: new AggregateError(failures),
  });
}
