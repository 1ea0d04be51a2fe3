/**
 * Request and response framing: the INT32 size prefix, request header v1/v2 and response
 * header v0/v1.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import type { Api } from "./api.ts";
import { Reader, Writer } from "./primitives.ts";

const API_VERSIONS_KEY = 18;

/** Whether `version` of `api` uses the flexible (compact, tagged) encoding. */
function isFlexible(api: Api<unknown, unknown>, version: number): boolean {
  return version >= api.firstFlexibleVersion;
}

/** An encoded request: its bytes in order, the first chunk holding the size and the header. */
export interface RequestFrame {
  chunks: Uint8Array[];
  /** Bytes of the whole frame, size prefix included. */
  length: number;
}

/**
 * A whole request frame: size, header (v2 for flexible versions, else v1), body.
 * The client id is always a classic INT16 string, even in header v2. Bulk bytes the request
 * carries (Produce's record batches) are chunks of their own, not copied: they must not change
 * until the request is answered or its connection closed.
 */
export function encodeRequestFrame<Req>(
  api: Api<Req, unknown>,
  version: number,
  correlationId: number,
  clientId: string | null,
  request: Req,
): RequestFrame {
  const w = new Writer(128);
  w.int32(0); // size, patched below
  w.int16(api.key).int16(version).int32(correlationId).string(clientId);
  if (isFlexible(api, version)) w.emptyTaggedFields();
  api.encodeRequest(w, request, version);
  w.patchInt32(0, w.length - 4);
  return { chunks: w.chunks(), length: w.length };
}

/**
 * Reads a response frame's header (without the size prefix) and returns its correlation id and
 * a reader positioned at the body. ApiVersions responses always use header v0 so that a client
 * can read them before it knows which versions the broker speaks.
 */
export function readResponseHeader(frame: Uint8Array): { correlationId: number; body: Reader } {
  const body = new Reader(frame);
  const correlationId = body.int32();
  return { correlationId, body };
}

/** Decodes a response body after {@link readResponseHeader}, checking nothing is left over. */
export function decodeResponseBody<Res>(
  api: Api<unknown, Res>,
  version: number,
  body: Reader,
): Res {
  if (api.key !== API_VERSIONS_KEY && isFlexible(api, version)) body.taggedFields();
  const response = api.decodeResponse(body, version);
  body.expectEnd(`${api.name} v${version} response`);
  return response;
}

/** Checks a frame size read from the wire against the configured ceiling. */
export function checkFrameSize(size: number, maxSize: number): void {
  if (size < 4 || size > maxSize) {
    throw new ProtocolError(`invalid response frame size ${size} (allowed 4..${maxSize})`);
  }
}
