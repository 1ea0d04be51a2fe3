/**
 * Kafka's primitive types: fixed-width integers, varints, strings, bytes, arrays, UUIDs and
 * tagged fields, in both the classic and the compact ("flexible version") encodings.
 *
 * {@link Writer} grows as needed. {@link Reader} checks every length against the bytes it holds
 * and throws {@link ProtocolError} rather than reading past the end or allocating for a bogus
 * length.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Bytes needed by the unsigned varint encoding of `value` (0 ≤ value < 2^32). */
export function uvarintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Bytes needed by the zigzag varint encoding of a 32-bit signed integer. */
export function varintSize(value: number): number {
  return uvarintSize(((value << 1) ^ (value >> 31)) >>> 0);
}

/** Bytes needed by the zigzag varlong encoding of a safe integer. */
export function varlongSize(value: number): number {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (zigzag >= 128) {
    zigzag = Math.floor(zigzag / 128);
    size++;
  }
  return size;
}

/** An array appended by reference, and where it goes among the writer's own bytes. */
interface Reference {
  at: number;
  bytes: Uint8Array;
}

/**
 * A growable byte buffer with Kafka's encodings. Multi-byte integers are big-endian. Bulk bytes
 * (record batches) may be appended by reference: they are not copied, and {@link chunks} returns
 * the writer's own bytes and those arrays in order.
 */
export class Writer {
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;
  readonly #references: Reference[] = [];
  #referencedBytes = 0;

  constructor(initialCapacity = 256) {
    this.#buf = new Uint8Array(initialCapacity);
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes written so far, those appended by reference included. */
  get length(): number {
    return this.#pos + this.#referencedBytes;
  }

  /** The bytes written so far in one array: a view when nothing was appended by reference. */
  bytes(): Uint8Array {
    const own = this.#buf.subarray(0, this.#pos);
    if (this.#references.length === 0) return own;
    const all = new Uint8Array(this.length);
    let filled = 0;
    for (const chunk of this.chunks()) {
      all.set(chunk, filled);
      filled += chunk.length;
    }
    return all;
  }

  /** The bytes written so far, in order: views of the writer's own and the referenced arrays. */
  chunks(): Uint8Array[] {
    const chunks: Uint8Array[] = [];
    let from = 0;
    for (const { at, bytes } of this.#references) {
      if (at > from) chunks.push(this.#buf.subarray(from, at));
      chunks.push(bytes);
      from = at;
    }
    if (this.#pos > from || chunks.length === 0) chunks.push(this.#buf.subarray(from, this.#pos));
    return chunks;
  }

  #ensure(extra: number): void {
    const needed = this.#pos + extra;
    if (needed <= this.#buf.length) return;
    let capacity = this.#buf.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.#buf.subarray(0, this.#pos));
    this.#buf = grown;
    this.#view = new DataView(grown.buffer);
  }

  int8(value: number): this {
    this.#ensure(1);
    this.#view.setInt8(this.#pos, value);
    this.#pos += 1;
    return this;
  }

  bool(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  int16(value: number): this {
    this.#ensure(2);
    this.#view.setInt16(this.#pos, value);
    this.#pos += 2;
    return this;
  }

  int32(value: number): this {
    this.#ensure(4);
    this.#view.setInt32(this.#pos, value);
    this.#pos += 4;
    return this;
  }

  int64(value: bigint): this {
    this.#ensure(8);
    this.#view.setBigInt64(this.#pos, value);
    this.#pos += 8;
    return this;
  }

  /** Unsigned varint (0 ≤ value < 2^32). */
  uvarint(value: number): this {
    this.#ensure(5);
    let v = value >>> 0;
    while (v >= 0x80) {
      this.#buf[this.#pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.#buf[this.#pos++] = v;
    return this;
  }

  /** Zigzag-encoded signed 32-bit varint. */
  varint(value: number): this {
    return this.uvarint(((value << 1) ^ (value >> 31)) >>> 0);
  }

  /** Zigzag-encoded signed varlong of a safe integer (timestamps and their deltas). */
  varlong(value: number): this {
    this.#ensure(10);
    let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
    while (zigzag >= 128) {
      this.#buf[this.#pos++] = (zigzag % 128) | 0x80;
      zigzag = Math.floor(zigzag / 128);
    }
    this.#buf[this.#pos++] = zigzag;
    return this;
  }

  /**
   * Raw bytes, no length prefix, not copied: {@link chunks} returns this very array, so it must
   * not change while the writer's output is in use.
   */
  rawReference(bytes: Uint8Array): this {
    if (bytes.length === 0) return this;
    this.#references.push({ at: this.#pos, bytes });
    this.#referencedBytes += bytes.length;
    return this;
  }

  /** Raw bytes, no length prefix. */
  raw(bytes: Uint8Array): this {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
    return this;
  }

  /** INT16 length + UTF-8; `null` as length -1. */
  string(value: string | null): this {
    if (value === null) return this.int16(-1);
    const bytes = encoder.encode(value);
    return this.int16(bytes.length).raw(bytes);
  }

  /** UVARINT (length + 1) + UTF-8; `null` as 0. */
  compactString(value: string | null): this {
    if (value === null) return this.uvarint(0);
    const bytes = encoder.encode(value);
    return this.uvarint(bytes.length + 1).raw(bytes);
  }

  /** INT32 length + bytes (by reference if asked: see {@link rawReference}); `null` as -1. */
  bytesField(value: Uint8Array | null, byReference = false): this {
    if (value === null) return this.int32(-1);
    this.int32(value.length);
    return byReference ? this.rawReference(value) : this.raw(value);
  }

  /** UVARINT (length + 1) + bytes (by reference if asked: see {@link rawReference}); `null` as 0. */
  compactBytes(value: Uint8Array | null, byReference = false): this {
    if (value === null) return this.uvarint(0);
    this.uvarint(value.length + 1);
    return byReference ? this.rawReference(value) : this.raw(value);
  }

  /** A UUID from its 16 raw bytes. */
  uuid(value: Uint8Array): this {
    if (value.length !== 16) throw new RangeError("a UUID has 16 bytes");
    return this.raw(value);
  }

  /** An array: INT32 count (classic) or UVARINT count + 1 (compact); `null` as -1 / 0. */
  array<T>(
    items: readonly T[] | null,
    compact: boolean,
    writeItem: (w: this, item: T) => void,
  ): this {
    if (items === null) return compact ? this.uvarint(0) : this.int32(-1);
    if (compact) this.uvarint(items.length + 1);
    else this.int32(items.length);
    for (const item of items) writeItem(this, item);
    return this;
  }

  /** An empty tagged-field section (this client sends no tagged fields). */
  emptyTaggedFields(): this {
    return this.uvarint(0);
  }

  /**
   * Overwrite an INT32 at an earlier position of the writer's own bytes (for lengths known only
   * afterwards; before any reference, a position among all the bytes).
   */
  patchInt32(position: number, value: number): void {
    this.#view.setInt32(position, value);
  }
}

/** Reads Kafka's encodings from a byte array, validating every length. */
export class Reader {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  #pos: number;
  readonly #end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.#buf = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#pos = start;
    this.#end = end;
  }

  /** Current read position. */
  get position(): number {
    return this.#pos;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.#end - this.#pos;
  }

  #need(count: number, what: string): void {
    if (count > this.#end - this.#pos) {
      throw new ProtocolError(
        `truncated ${what}: needs ${count} bytes at offset ${this.#pos}, ${
          this.#end - this.#pos
        } left`,
      );
    }
  }

  int8(): number {
    this.#need(1, "int8");
    return this.#view.getInt8(this.#pos++);
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.#need(2, "int16");
    const value = this.#view.getInt16(this.#pos);
    this.#pos += 2;
    return value;
  }

  int32(): number {
    this.#need(4, "int32");
    const value = this.#view.getInt32(this.#pos);
    this.#pos += 4;
    return value;
  }

  int64(): bigint {
    this.#need(8, "int64");
    const value = this.#view.getBigInt64(this.#pos);
    this.#pos += 8;
    return value;
  }

  /** Unsigned varint of at most 5 bytes (values below 2^32). */
  uvarint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.#need(1, "varint");
      const byte = this.#buf[this.#pos++];
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (result > 0xffffffff) break;
        return result;
      }
    }
    throw new ProtocolError(`varint too long at offset ${this.#pos}`);
  }

  /** Zigzag-encoded signed 32-bit varint. */
  varint(): number {
    const zigzag = this.uvarint();
    return (zigzag >>> 1) ^ -(zigzag & 1);
  }

  /** Zigzag-encoded signed varlong; must fit a safe integer. */
  varlong(): number {
    let zigzag = 0;
    for (let shift = 0; shift < 56; shift += 7) {
      this.#need(1, "varlong");
      const byte = this.#buf[this.#pos++];
      zigzag += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
      }
    }
    throw new ProtocolError(`varlong too long for a safe integer at offset ${this.#pos}`);
  }

  /** `count` raw bytes, as a view into the input (not a copy). */
  raw(count: number): Uint8Array {
    if (count < 0) throw new ProtocolError(`negative length ${count} at offset ${this.#pos}`);
    this.#need(count, "bytes");
    const bytes = this.#buf.subarray(this.#pos, this.#pos + count);
    this.#pos += count;
    return bytes;
  }

  #text(length: number): string {
    return decoder.decode(this.raw(length));
  }

  /** INT16-length string; throws on null. */
  string(): string {
    const value = this.nullableString();
    if (value === null) throw new ProtocolError("unexpected null string");
    return value;
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length < -1) throw new ProtocolError(`invalid string length ${length}`);
    return length === -1 ? null : this.#text(length);
  }

  /** UVARINT (length + 1) string; throws on null. */
  compactString(): string {
    const value = this.compactNullableString();
    if (value === null) throw new ProtocolError("unexpected null compact string");
    return value;
  }

  compactNullableString(): string | null {
    const lengthPlusOne = this.uvarint();
    return lengthPlusOne === 0 ? null : this.#text(lengthPlusOne - 1);
  }

  /** Either encoding, chosen by `compact`. */
  str(compact: boolean): string {
    return compact ? this.compactString() : this.string();
  }

  nullableStr(compact: boolean): string | null {
    return compact ? this.compactNullableString() : this.nullableString();
  }

  /** INT32-length bytes; `null` for -1. */
  nullableBytes(): Uint8Array | null {
    const length = this.int32();
    if (length < -1) throw new ProtocolError(`invalid bytes length ${length}`);
    return length === -1 ? null : this.raw(length);
  }

  compactNullableBytes(): Uint8Array | null {
    const lengthPlusOne = this.uvarint();
    return lengthPlusOne === 0 ? null : this.raw(lengthPlusOne - 1);
  }

  uuid(): Uint8Array {
    return this.raw(16);
  }

  /**
   * An array of items, classic (INT32 count) or compact (UVARINT count + 1). A null array reads
   * as empty. Each item takes at least `minItemSize` bytes, so a count larger than the bytes left
   * can only be corrupt and is refused before anything is allocated.
   */
  array<T>(compact: boolean, readItem: (r: Reader) => T, minItemSize = 1): T[] {
    let count: number;
    if (compact) {
      count = this.uvarint() - 1;
    } else {
      count = this.int32();
      if (count < -1) throw new ProtocolError(`invalid array length ${count}`);
    }
    if (count === -1) return [];
    if (count * minItemSize > this.remaining) {
      throw new ProtocolError(
        `array of ${count} items cannot fit in the ${this.remaining} bytes left`,
      );
    }
    const items = new Array<T>(count);
    for (let i = 0; i < count; i++) items[i] = readItem(this);
    return items;
  }

  /**
   * A tagged-field section. Known tags go to `onTag` with a reader over exactly their bytes;
   * unknown tags are skipped, as the protocol requires.
   */
  taggedFields(onTag?: (tag: number, field: Reader) => void): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      const size = this.uvarint();
      const start = this.#pos;
      this.#need(size, "tagged field");
      this.#pos += size;
      onTag?.(tag, new Reader(this.#buf, start, start + size));
    }
  }

  /** Fails unless every byte was consumed: trailing bytes mean we misread the message. */
  expectEnd(what: string): void {
    if (this.#pos !== this.#end) {
      throw new ProtocolError(`${this.#end - this.#pos} unexpected trailing bytes after ${what}`);
    }
  }
}
