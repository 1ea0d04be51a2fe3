/**
 * What every API message file exports: its key, the versions this code speaks, where flexible
 * versions begin, and the request encoder and response decoder for any of those versions.
 *
 * @module
 */

import { UnsupportedVersionError } from "../errors.ts";
import type { Reader, Writer } from "./primitives.ts";

/** One Kafka API as this client implements it. */
export interface Api<Request, Response> {
  readonly name: string;
  readonly key: number;
  /** Lowest version this code can send. */
  readonly minVersion: number;
  /** Highest version this code can send. */
  readonly maxVersion: number;
  /** First version using compact encodings and tagged fields. */
  readonly firstFlexibleVersion: number;
  encodeRequest(w: Writer, request: Request, version: number): void;
  decodeResponse(r: Reader, version: number): Response;
}

/** The version range a broker advertises for one API key. */
export interface VersionRange {
  minVersion: number;
  maxVersion: number;
}

/**
 * Highest version both sides speak, from the broker's ApiVersions answer.
 * Throws {@link UnsupportedVersionError} when the ranges do not meet.
 */
export function negotiateVersion(
  api: Api<unknown, unknown>,
  brokerVersions: ReadonlyMap<number, VersionRange>,
): number {
  const broker = brokerVersions.get(api.key);
  if (!broker) {
    throw new UnsupportedVersionError(`the broker does not support ${api.name} (key ${api.key})`);
  }
  const version = Math.min(api.maxVersion, broker.maxVersion);
  if (version < Math.max(api.minVersion, broker.minVersion)) {
    throw new UnsupportedVersionError(
      `${api.name}: the broker speaks v${broker.minVersion}-v${broker.maxVersion}, ` +
        `this client v${api.minVersion}-v${api.maxVersion}`,
    );
  }
  return version;
}
