/**
 * Cuts a byte stream into Kafka frames (INT32 size + payload), whatever the chunking: a frame
 * split over many reads, or many frames in one read.
 *
 * @module
 */

import { checkFrameSize } from "./header.ts";

/** Reassembles frames from chunks; returns each frame's payload without the size prefix. */
export class FrameDecoder {
  readonly #maxFrameSize: number;
  #chunks: Uint8Array[] = [];
  #buffered = 0;

  constructor(maxFrameSize: number) {
    this.#maxFrameSize = maxFrameSize;
  }

  /**
   * Adds a chunk and returns the frames now complete. A frame inside one chunk is a view of
   * it; one spread over several chunks is copied once.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const frames: Uint8Array[] = [];
    while (this.#buffered >= 4) {
      const prefix = this.#read(4, false);
      const size = ((prefix[0] << 24) | (prefix[1] << 16) | (prefix[2] << 8) | prefix[3]) >>> 0;
      checkFrameSize(size, this.#maxFrameSize);
      if (this.#buffered < 4 + size) break;
      this.#read(4, true);
      frames.push(this.#read(size, true));
    }
    return frames;
  }

  /** The first `count` buffered bytes (a view when one chunk holds them), consumed if asked. */
  #read(count: number, consume: boolean): Uint8Array {
    const first = this.#chunks[0];
    let bytes: Uint8Array;
    if (first.length >= count) {
      bytes = first.subarray(0, count);
    } else {
      bytes = new Uint8Array(count);
      let filled = 0;
      for (const chunk of this.#chunks) {
        const part = chunk.subarray(0, count - filled);
        bytes.set(part, filled);
        filled += part.length;
        if (filled === count) break;
      }
    }
    if (consume) this.#drop(count);
    return bytes;
  }

  #drop(count: number): void {
    this.#buffered -= count;
    while (count > 0) {
      const first = this.#chunks[0];
      if (count < first.length) {
        this.#chunks[0] = first.subarray(count);
        return;
      }
      count -= first.length;
      this.#chunks.shift();
    }
  }
}
