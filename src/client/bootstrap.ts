/**
 * Parsing `host:port` addresses and opening a first connection to any of the listed brokers.
 *
 * @module
 */

import { firstToSucceed } from "../async.ts";
import { AuthenticationError, ConfigError, ConnectionError } from "../errors.ts";
import type { Endpoint, Transport } from "../transport/transport.ts";
import { Connection, type ConnectionOptions } from "./connection.ts";

/**
 * How long a connection attempt may run before the next address is tried beside it, so that an
 * address that never answers does not hold the others up (RFC 8305's connection attempt delay).
 */
export const CONNECTION_ATTEMPT_DELAY_MS = 250;

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
 * Connects to the first of `endpoints` that answers: they are tried in order, each next one when
 * the one before failed or has not answered within {@link CONNECTION_ATTEMPT_DELAY_MS}, so an
 * address that never answers does not hold up the others. A refused authentication (SASL, or the
 * TLS handshake) ends the search: the next broker would refuse it too.
 */
export async function connectAny(
  transport: Transport,
  endpoints: readonly Endpoint[],
  options: ConnectionOptions,
): Promise<Connection> {
  try {
    return await firstToSucceed(
      endpoints.map((endpoint) => () => Connection.open(transport, endpoint, options)),
      CONNECTION_ATTEMPT_DELAY_MS,
      (late) => late.close(),
      (error) => error instanceof AuthenticationError,
    );
  } catch (error) {
    if (error instanceof AuthenticationError) throw error;
    const list = endpoints.map((e) => `${e.host}:${e.port}`).join(", ");
    throw new ConnectionError(`no bootstrap broker reachable (${list})`, { cause: error });
  }
}
