/**
 * A generic codec for the layouts in wire_schemas.ts: request and response frames decode to
 * plain objects (int64 as bigint, bytes and UUIDs as Uint8Array, arrays possibly null) and
 * encode back byte for byte. Unknown tagged fields are kept as raw bytes under `$tags`, so a
 * response the proxy only rewrites keeps whatever newer fields the broker sent.
 *
 * The project's Reader and Writer (src/protocol/primitives.ts) do the primitive encodings; this
 * file adds what the client never needed: decoding requests and encoding responses.
 */

import { Reader, Writer } from "../../src/protocol/primitives.ts";
import {
  type FieldSpec,
  type FieldType,
  inRange,
  type MessageSchema,
  type ScalarType,
  SCHEMAS_BY_KEY,
} from "./wire_schemas.ts";

/** A decoded structure. */
export type Struct = { [field: string]: unknown; $tags?: [number, Uint8Array][] };

/** The header of a request frame and, for APIs in wire_schemas.ts, its decoded body. */
export interface RequestFrame {
  apiKey: number;
  version: number;
  correlationId: number;
  clientId: string | null;
  /** The header's tagged fields (request header v2), raw. */
  headerTags: [number, Uint8Array][];
  /** The API's layouts, when the proxy knows the API and the version. */
  schema: MessageSchema | undefined;
  /** The body, decoded when `schema` is set. */
  body: Struct | undefined;
  /** The body's bytes as they came. */
  rawBody: Uint8Array;
}

const API_VERSIONS_KEY = 18;
const UNSUPPORTED_VERSION = 35;

/** The schema for `apiKey` if the codec speaks `version` of it. */
export function schemaFor(apiKey: number, version: number): MessageSchema | undefined {
  const schema = SCHEMAS_BY_KEY.get(apiKey);
  return schema && version >= schema.minVersion && version <= schema.maxVersion
    ? schema
    : undefined;
}

function isFlexible(schema: MessageSchema, version: number): boolean {
  return version >= schema.firstFlexibleVersion;
}

/** Decodes a request frame (without its size prefix). */
export function decodeRequest(frame: Uint8Array): RequestFrame {
  const r = new Reader(frame);
  const apiKey = r.int16();
  const version = r.int16();
  const correlationId = r.int32();
  const schema = schemaFor(apiKey, version);
  // The client id is a classic string even in header v2. For an API this codec does not know,
  // the header's version (and so the rest of it) is unknown: only the fields before it are read.
  const clientId = r.nullableString();
  let headerTags: [number, Uint8Array][] = [];
  if (!schema) {
    return {
      apiKey,
      version,
      correlationId,
      clientId,
      headerTags,
      schema,
      body: undefined,
      rawBody: frame.subarray(r.position),
    };
  }
  const flexible = isFlexible(schema, version);
  if (flexible) headerTags = readRawTags(r);
  const rawBody = frame.subarray(r.position);
  const body = readStruct(r, schema.request, version, flexible);
  r.expectEnd(`${schema.name} v${version} request`);
  return { apiKey, version, correlationId, clientId, headerTags, schema, body, rawBody };
}

/** Encodes a request frame, size prefix included. */
export function encodeRequest(
  schema: MessageSchema,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: Struct,
  headerTags: [number, Uint8Array][] = [],
): Uint8Array {
  const w = new Writer();
  w.int32(0);
  w.int16(schema.key).int16(version).int32(correlationId).string(clientId);
  const flexible = isFlexible(schema, version);
  if (flexible) writeRawTags(w, headerTags);
  writeStruct(w, schema.request, body, version, flexible);
  w.patchInt32(0, w.length - 4);
  return w.bytes().slice();
}

/**
 * The layout version of a response: ApiVersions answers UNSUPPORTED_VERSION in the v0 layout,
 * whatever version was asked, so that any client can read which versions it may use.
 */
function responseLayoutVersion(schema: MessageSchema, version: number, body: Uint8Array): number {
  if (schema.key !== API_VERSIONS_KEY || body.length < 2) return version;
  const errorCode = (body[0] << 24 >> 16) | body[1];
  return errorCode === UNSUPPORTED_VERSION ? 0 : version;
}

/** Whether the response header has tagged fields (v1): flexible versions, except ApiVersions. */
function responseHeaderIsFlexible(schema: MessageSchema, version: number): boolean {
  return schema.key !== API_VERSIONS_KEY && isFlexible(schema, version);
}

/** A decoded response frame. */
export interface ResponseFrame {
  correlationId: number;
  headerTags: [number, Uint8Array][];
  body: Struct;
  /** The version whose layout the body has (see {@link responseLayoutVersion}). */
  layoutVersion: number;
}

/** Decodes a response frame (without its size prefix) to a request of `version`. */
export function decodeResponse(
  schema: MessageSchema,
  version: number,
  frame: Uint8Array,
): ResponseFrame {
  const r = new Reader(frame);
  const correlationId = r.int32();
  const headerTags = responseHeaderIsFlexible(schema, version) ? readRawTags(r) : [];
  const layoutVersion = responseLayoutVersion(schema, version, frame.subarray(r.position));
  const body = readStruct(r, schema.response, layoutVersion, isFlexible(schema, layoutVersion));
  r.expectEnd(`${schema.name} v${version} response`);
  return { correlationId, headerTags, body, layoutVersion };
}

/** Encodes a response frame, size prefix included. */
export function encodeResponse(
  schema: MessageSchema,
  version: number,
  correlationId: number,
  body: Struct,
  headerTags: [number, Uint8Array][] = [],
  layoutVersion = version,
): Uint8Array {
  const w = new Writer();
  w.int32(0);
  w.int32(correlationId);
  if (responseHeaderIsFlexible(schema, version)) writeRawTags(w, headerTags);
  writeStruct(w, schema.response, body, layoutVersion, isFlexible(schema, layoutVersion));
  w.patchInt32(0, w.length - 4);
  return w.bytes().slice();
}

function readRawTags(r: Reader): [number, Uint8Array][] {
  const tags: [number, Uint8Array][] = [];
  r.taggedFields((tag, field) => tags.push([tag, field.raw(field.remaining).slice()]));
  return tags;
}

function writeRawTags(w: Writer, tags: readonly [number, Uint8Array][]): void {
  w.uvarint(tags.length);
  for (const [tag, bytes] of tags) w.uvarint(tag).uvarint(bytes.length).raw(bytes);
}

function readStruct(
  r: Reader,
  fields: readonly FieldSpec[],
  version: number,
  flexible: boolean,
): Struct {
  const out: Struct = {};
  for (const spec of fields) {
    if (spec.tag === undefined && inRange(version, spec.versions)) {
      out[spec.name] = readValue(r, spec.type, spec, version, flexible);
    }
  }
  if (flexible) {
    const unknown: [number, Uint8Array][] = [];
    r.taggedFields((tag, field) => {
      const spec = fields.find((f) => f.tag === tag && inRange(version, f.versions));
      if (spec) {
        out[spec.name] = readValue(field, spec.type, spec, version, true);
        field.expectEnd(`tagged field ${spec.name}`);
      } else {
        unknown.push([tag, field.raw(field.remaining).slice()]);
      }
    });
    if (unknown.length > 0) out.$tags = unknown;
  }
  return out;
}

function readValue(
  r: Reader,
  type: FieldType,
  spec: FieldSpec,
  version: number,
  flexible: boolean,
): unknown {
  if (typeof type === "string") {
    return readScalar(r, type, inRange(version, spec.nullable), flexible);
  }
  if ("struct" in type) return readStruct(r, type.struct, version, flexible);
  const count = flexible ? r.uvarint() - 1 : r.int32();
  if (count < 0) return null;
  if (count > r.remaining) throw new Error(`array of ${count} items in ${r.remaining} bytes`);
  const item = type.array;
  const items: unknown[] = [];
  for (let i = 0; i < count; i++) {
    items.push(
      typeof item === "string"
        ? readScalar(r, item, false, flexible)
        : readStruct(r, item.struct, version, flexible),
    );
  }
  return items;
}

function readScalar(r: Reader, type: ScalarType, nullable: boolean, flexible: boolean): unknown {
  switch (type) {
    case "int8":
      return r.int8();
    case "int16":
      return r.int16();
    case "int32":
      return r.int32();
    case "int64":
      return r.int64();
    case "bool":
      return r.bool();
    case "uuid":
      return r.uuid().slice();
    case "string":
      return nullable ? r.nullableStr(flexible) : r.str(flexible);
    case "bytes":
    case "records": {
      const bytes = flexible ? r.compactNullableBytes() : r.nullableBytes();
      return bytes === null ? null : bytes.slice();
    }
  }
}

function writeStruct(
  w: Writer,
  fields: readonly FieldSpec[],
  value: Struct,
  version: number,
  flexible: boolean,
): void {
  for (const spec of fields) {
    if (spec.tag === undefined && inRange(version, spec.versions)) {
      writeValue(w, spec.type, spec, value[spec.name], version, flexible);
    }
  }
  if (!flexible) return;
  // Tagged fields go in ascending tag order; a known one is written only when present.
  const tags: [number, Uint8Array][] = [...(value.$tags ?? [])];
  for (const spec of fields) {
    if (spec.tag === undefined || !inRange(version, spec.versions)) continue;
    if (value[spec.name] === undefined) continue;
    const inner = new Writer();
    writeValue(inner, spec.type, spec, value[spec.name], version, true);
    tags.push([spec.tag, inner.bytes().slice()]);
  }
  tags.sort((a, b) => a[0] - b[0]);
  writeRawTags(w, tags);
}

function writeValue(
  w: Writer,
  type: FieldType,
  spec: FieldSpec,
  value: unknown,
  version: number,
  flexible: boolean,
): void {
  const nullable = inRange(version, spec.nullable);
  if (typeof type === "string") {
    writeScalar(w, type, value ?? defaultOf(type, spec, nullable), flexible);
    return;
  }
  if ("struct" in type) {
    writeStruct(w, type.struct, (value ?? {}) as Struct, version, flexible);
    return;
  }
  if (value === null && nullable) {
    if (flexible) w.uvarint(0);
    else w.int32(-1);
    return;
  }
  const items = (value ?? []) as unknown[];
  if (flexible) w.uvarint(items.length + 1);
  else w.int32(items.length);
  const item = type.array;
  for (const element of items) {
    if (typeof item === "string") writeScalar(w, item, element, flexible);
    else writeStruct(w, item.struct, element as Struct, version, flexible);
  }
}

function defaultOf(type: ScalarType, spec: FieldSpec, nullable: boolean): unknown {
  if (spec.default !== undefined) return spec.default;
  switch (type) {
    case "int64":
      return 0n;
    case "bool":
      return false;
    case "uuid":
      return new Uint8Array(16);
    case "string":
      return nullable ? null : "";
    case "bytes":
    case "records":
      return nullable ? null : new Uint8Array(0);
    default:
      return 0;
  }
}

function writeScalar(w: Writer, type: ScalarType, value: unknown, flexible: boolean): void {
  switch (type) {
    case "int8":
      w.int8(value as number);
      return;
    case "int16":
      w.int16(value as number);
      return;
    case "int32":
      w.int32(value as number);
      return;
    case "int64":
      w.int64(value as bigint);
      return;
    case "bool":
      w.bool(value as boolean);
      return;
    case "uuid":
      w.uuid(value as Uint8Array);
      return;
    case "string":
      if (flexible) w.compactString(value as string | null);
      else w.string(value as string | null);
      return;
    case "bytes":
    case "records":
      if (flexible) w.compactBytes(value as Uint8Array | null);
      else w.bytesField(value as Uint8Array | null);
      return;
  }
}
