/**
 * A transport that wraps the runtime's own and makes the broker look older: in every ApiVersions
 * response it lowers the highest version of one API (say Produce to v6, as Kafka 2.0 answers).
 * The broker itself is untouched and still accepts what it always did, so a client that keeps to
 * the advertised versions behaves as against the older broker.
 */

import { detectTransport } from "../../src/transport/detect.ts";
import type { Transport } from "../../src/transport/transport.ts";

const API_VERSIONS_KEY = 18;
/** ApiVersions v3+ is flexible: compact arrays, tagged fields. */
const FIRST_FLEXIBLE = 3;

/** Reads an unsigned varint at `pos`; returns the value and the position after it. */
function uvarint(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  for (let shift = 0;; shift += 7) {
    const byte = bytes[pos++];
    value |= (byte & 0x7f) << shift;
    if (byte < 0x80) return [value, pos];
  }
}

/**
 * Lowers `apiKey`'s max version to `maxVersion` in an ApiVersions response frame (size prefix
 * included), in place.
 */
function capVersion(frame: Uint8Array, version: number, apiKey: number, maxVersion: number): void {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  // Size, correlation id (the ApiVersions response header never has tagged fields), error code.
  let pos = 4 + 4 + 2;
  let count: number;
  if (version >= FIRST_FLEXIBLE) {
    [count, pos] = uvarint(frame, pos);
    count--;
  } else {
    count = view.getInt32(pos);
    pos += 4;
  }
  for (let i = 0; i < count; i++) {
    if (view.getInt16(pos) === apiKey && view.getInt16(pos + 4) > maxVersion) {
      view.setInt16(pos + 4, maxVersion);
    }
    pos += 6;
    if (version >= FIRST_FLEXIBLE) {
      let tags: number;
      [tags, pos] = uvarint(frame, pos);
      for (let t = 0; t < tags; t++) {
        let size: number;
        [, pos] = uvarint(frame, pos);
        [size, pos] = uvarint(frame, pos);
        pos += size;
      }
    }
  }
}

/** The runtime's transport, with `apiKey` advertised up to `maxVersion` at most. */
export function versionCapTransport(apiKey: number, maxVersion: number): Transport {
  const inner = detectTransport();
  return {
    name: `${inner.name}, API ${apiKey} capped at v${maxVersion}`,
    async connect(endpoint, events, tls) {
      /** Correlation id → version of the ApiVersions requests awaiting their response. */
      const apiVersionsRequests = new Map<number, number>();
      let buffered = new Uint8Array(0);
      const connection = await inner.connect(endpoint, {
        onData(chunk) {
          // Whole frames only, so that a response can be changed before the client reads it.
          const joined = new Uint8Array(buffered.length + chunk.length);
          joined.set(buffered);
          joined.set(chunk, buffered.length);
          let pos = 0;
          while (joined.length - pos >= 8) {
            const view = new DataView(joined.buffer, pos);
            const end = pos + 4 + view.getInt32(0);
            if (end > joined.length) break;
            const frame = joined.slice(pos, end);
            const correlationId = view.getInt32(4);
            const version = apiVersionsRequests.get(correlationId);
            if (version !== undefined) {
              apiVersionsRequests.delete(correlationId);
              capVersion(frame, version, apiKey, maxVersion);
            }
            events.onData(frame);
            pos = end;
          }
          buffered = joined.slice(pos);
        },
        onClose: (error) => events.onClose(error),
      }, tls);
      return {
        write(chunks) {
          // A whole request frame, its header in the first chunk: size, API key, API version,
          // correlation id.
          const head = chunks[0];
          const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
          if (view.getInt16(4) === API_VERSIONS_KEY) {
            apiVersionsRequests.set(view.getInt32(8), view.getInt16(6));
          }
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
}
