/**
 * RecordBatch v2 (magic 2), the on-disk and on-wire unit of Kafka records.
 *
 * ```
 * baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 = 2 |
 * crc uint32 (CRC32C of attributes..end) | attributes int16 | lastOffsetDelta int32 |
 * baseTimestamp int64 | maxTimestamp int64 | producerId int64 | producerEpoch int16 |
 * baseSequence int32 | recordCount int32 | records...
 * record: length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
 *         key varint-length bytes | value varint-length bytes | headerCount varint |
 *         headers (name varint-length bytes, value varint-length bytes)
 * ```
 *
 * {@link RecordBatchWriter} appends records straight into a caller-owned buffer, so a producer
 * batch never copies its records; {@link encodeRecordBatch} is the one-shot form.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { crc32c } from "./crc32c.ts";
import { Reader, varintSize, varlongSize } from "./primitives.ts";
import { utf8Length, writeUtf8 } from "./utf8.ts";

/** Size of the batch header that precedes the records. */
export const RECORD_BATCH_OVERHEAD = 61;

const MAGIC = 2;
const CRC_OFFSET = 17;
const ATTRIBUTES_OFFSET = 21;

/** Attribute bits of a record batch. */
const BatchAttribute = {
  COMPRESSION_MASK: 0x07,
  LOG_APPEND_TIME: 0x08,
  TRANSACTIONAL: 0x10,
  CONTROL: 0x20,
} as const;

/** One record header, name and value already in bytes. `null` value is allowed by the format. */
export type RecordHeader = readonly [name: Uint8Array, value: Uint8Array | null];

/** A key or value: bytes, or text the batch writes as UTF-8 straight into its buffer. */
export type BatchData = Uint8Array | string | null;

/** A record's content as the batch stores it. */
export interface BatchRecord {
  /** Milliseconds since the epoch. */
  timestamp: number;
  key: BatchData;
  value: BatchData;
  headers: readonly RecordHeader[];
}

/** The header fields a batch gets when it is closed. */
export interface BatchHeader {
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  /** Compression codec id (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd), bits 0–2. */
  compression?: number;
  logAppendTime?: boolean;
}

/** Bytes of a key or value; -1 for null. */
function dataLength(data: BatchData): number {
  if (data === null) return -1;
  return typeof data === "string" ? utf8Length(data) : data.length;
}

/** Bytes of a varint-length field whose content is `length` bytes (-1: null). */
function fieldSize(length: number): number {
  return length < 0 ? 1 : varintSize(length) + length;
}

/** Size of a record's body: everything after its own length varint. */
function recordBodySize(
  timestampDelta: number,
  offsetDelta: number,
  keyLength: number,
  valueLength: number,
  headers: readonly RecordHeader[],
): number {
  let size = 1 + varlongSize(timestampDelta) + varintSize(offsetDelta) + fieldSize(keyLength) +
    fieldSize(valueLength) + varintSize(headers.length);
  for (const [name, headerValue] of headers) {
    size += fieldSize(name.length) + fieldSize(headerValue === null ? -1 : headerValue.length);
  }
  return size;
}

/**
 * Upper bound of the bytes a record takes in a batch, whatever its position and timestamp
 * (the deltas are counted at their widest).
 */
export function estimateRecordSize(
  key: BatchData,
  value: BatchData,
  headers: readonly RecordHeader[],
): number {
  const body = recordBodySize(0, 0, dataLength(key), dataLength(value), headers) + 9 + 4;
  return varintSize(body) + body;
}

/** Appends records into one buffer in RecordBatch v2 layout, then closes it with its header. */
export class RecordBatchWriter {
  readonly #buf: Uint8Array;
  #pos = RECORD_BATCH_OVERHEAD;
  #count = 0;
  #baseTimestamp = 0;
  #maxTimestamp = 0;
  /** The batch with its records compressed, once closed with a codec. */
  #compressed: Uint8Array | null = null;

  /** `buffer` receives the batch; its length is the most the batch may take. */
  constructor(buffer: Uint8Array) {
    if (buffer.length < RECORD_BATCH_OVERHEAD) throw new RangeError("buffer too small for a batch");
    this.#buf = buffer;
  }

  /** Records appended so far. */
  get recordCount(): number {
    return this.#count;
  }

  /** Bytes the batch takes so far, header included. */
  get sizeInBytes(): number {
    return this.#pos;
  }

  /** The largest record timestamp so far (the batch header's max timestamp). */
  get maxTimestamp(): number {
    return this.#maxTimestamp;
  }

  /** Bytes left in the buffer. */
  get remaining(): number {
    return this.#buf.length - this.#pos;
  }

  /**
   * Appends one record. Returns false, writing nothing, when it does not fit in the buffer.
   * The first record's timestamp becomes the batch's base timestamp.
   */
  tryAppend(
    timestamp: number,
    key: BatchData,
    value: BatchData,
    headers: readonly RecordHeader[],
  ): boolean {
    if (this.#count === 0) {
      this.#baseTimestamp = timestamp;
      this.#maxTimestamp = timestamp;
    }
    const timestampDelta = timestamp - this.#baseTimestamp;
    const offsetDelta = this.#count;
    const keyLength = dataLength(key);
    const valueLength = dataLength(value);
    const bodySize = recordBodySize(timestampDelta, offsetDelta, keyLength, valueLength, headers);
    if (varintSize(bodySize) + bodySize > this.#buf.length - this.#pos) return false;

    const buf = this.#buf;
    let p = writeVarint(buf, this.#pos, bodySize);
    buf[p++] = 0; // record attributes: unused
    p = writeVarlong(buf, p, timestampDelta);
    p = writeVarint(buf, p, offsetDelta);
    p = writeField(buf, p, key, keyLength);
    p = writeField(buf, p, value, valueLength);
    p = writeVarint(buf, p, headers.length);
    for (const [name, headerValue] of headers) {
      p = writeField(buf, p, name, name.length);
      p = writeField(buf, p, headerValue, headerValue === null ? -1 : headerValue.length);
    }
    this.#pos = p;
    this.#count++;
    this.#compressed = null;
    if (timestamp > this.#maxTimestamp) this.#maxTimestamp = timestamp;
    return true;
  }

  /**
   * Writes the header and CRC and returns the finished batch: a view of the buffer, or with a
   * `compress` function (and `header.compression` its codec id) a new array holding the header
   * and the compressed records. The records are compressed once; closing again with another
   * header rewrites only the header and CRC, and the buffer keeps the records uncompressed.
   */
  close(header: BatchHeader = {}, compress?: (records: Uint8Array) => Uint8Array): Uint8Array {
    if (!compress || !header.compression) {
      return this.#writeHeader(this.#buf.subarray(0, this.#pos), header);
    }
    if (!this.#compressed) {
      const records = compress(this.#buf.subarray(RECORD_BATCH_OVERHEAD, this.#pos));
      this.#compressed = new Uint8Array(RECORD_BATCH_OVERHEAD + records.length);
      this.#compressed.set(records, RECORD_BATCH_OVERHEAD);
    }
    return this.#writeHeader(this.#compressed, header);
  }

  /** Writes the header fields and the CRC into `batch` (header space, then records). */
  #writeHeader(batch: Uint8Array, header: BatchHeader): Uint8Array {
    const view = new DataView(batch.buffer, batch.byteOffset, batch.length);
    let attributes = (header.compression ?? 0) & BatchAttribute.COMPRESSION_MASK;
    if (header.logAppendTime) attributes |= BatchAttribute.LOG_APPEND_TIME;
    if (header.transactional) attributes |= BatchAttribute.TRANSACTIONAL;
    if (header.control) attributes |= BatchAttribute.CONTROL;
    view.setBigInt64(0, header.baseOffset ?? 0n);
    view.setInt32(8, batch.length - 12);
    view.setInt32(12, header.partitionLeaderEpoch ?? -1);
    view.setInt8(16, MAGIC);
    view.setInt16(ATTRIBUTES_OFFSET, attributes);
    view.setInt32(23, this.#count - 1);
    view.setBigInt64(27, BigInt(this.#baseTimestamp));
    view.setBigInt64(35, BigInt(this.#maxTimestamp));
    view.setBigInt64(43, header.producerId ?? -1n);
    view.setInt16(51, header.producerEpoch ?? -1);
    view.setInt32(53, header.baseSequence ?? -1);
    view.setInt32(57, this.#count);
    view.setUint32(CRC_OFFSET, crc32c(batch, ATTRIBUTES_OFFSET, batch.length));
    return batch;
  }
}

/** Encodes a whole batch at once. */
export function encodeRecordBatch(
  records: readonly BatchRecord[],
  header: BatchHeader = {},
): Uint8Array {
  if (records.length === 0) throw new RangeError("a record batch needs at least one record");
  let size = RECORD_BATCH_OVERHEAD;
  const base = records[0].timestamp;
  records.forEach((r, i) => {
    const body = recordBodySize(
      r.timestamp - base,
      i,
      dataLength(r.key),
      dataLength(r.value),
      r.headers,
    );
    size += varintSize(body) + body;
  });
  const writer = new RecordBatchWriter(new Uint8Array(size));
  for (const r of records) writer.tryAppend(r.timestamp, r.key, r.value, r.headers);
  return writer.close(header);
}

/**
 * The records of an uncompressed batch (as {@link RecordBatchWriter} writes them), with keys,
 * values and headers as views into `batch`. Used to split a batch the broker found too large.
 */
export function readBatchRecords(batch: Uint8Array): BatchRecord[] {
  if (batch.length < RECORD_BATCH_OVERHEAD) throw new ProtocolError("record batch too short");
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  if ((view.getInt16(ATTRIBUTES_OFFSET) & BatchAttribute.COMPRESSION_MASK) !== 0) {
    throw new ProtocolError("cannot read the records of a compressed batch");
  }
  const baseTimestamp = Number(view.getBigInt64(27));
  const count = view.getInt32(57);
  const r = new Reader(batch, RECORD_BATCH_OVERHEAD);
  const bytesField = () => {
    const length = r.varint();
    return length < 0 ? null : r.raw(length);
  };
  const records: BatchRecord[] = [];
  for (let i = 0; i < count; i++) {
    r.varint(); // record length
    r.int8(); // attributes
    const timestamp = baseTimestamp + r.varlong();
    r.varint(); // offset delta
    const key = bytesField();
    const value = bytesField();
    const headers: RecordHeader[] = [];
    const headerCount = r.varint();
    for (let h = 0; h < headerCount; h++) {
      headers.push([bytesField() ?? new Uint8Array(0), bytesField()]);
    }
    records.push({ timestamp, key, value, headers });
  }
  r.expectEnd("record batch");
  return records;
}

function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

function writeVarlong(buf: Uint8Array, pos: number, value: number): number {
  // Deltas usually fit 31 bits; take the fast 32-bit path then.
  if (value >= -0x40000000 && value < 0x40000000) return writeVarint(buf, pos, value);
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  while (zigzag >= 128) {
    buf[pos++] = (zigzag % 128) | 0x80;
    zigzag = Math.floor(zigzag / 128);
  }
  buf[pos++] = zigzag;
  return pos;
}

/** A varint length (-1 for null) and the content, bytes or UTF-8 text of `length` bytes. */
function writeField(buf: Uint8Array, pos: number, data: BatchData, length: number): number {
  pos = writeVarint(buf, pos, length);
  if (data === null) return pos;
  if (typeof data === "string") return writeUtf8(buf, pos, data, length);
  buf.set(data, pos);
  return pos + length;
}
