/**
 * kafkajs's partitioners, choosing the same partitions as kafkajs 2.2.4 does:
 *
 * - a message's own `partition` wins;
 * - a key (an empty one too) picks `toPositive(hash(key)) % partitionCount`, where the hash is
 *   Kafka's murmur2 for {@link DefaultPartitioner} (the Java client's choice, kafkajs's default
 *   since 2.0) and kafkajs 1.x's murmur2 port for {@link LegacyPartitioner}, whose JavaScript
 *   number arithmetic gives other results for most keys;
 * - messages without a key go round robin over the partitions that have a leader, from a
 *   random starting point per topic (one counter per producer), in both.
 *
 * @module
 */

import { partitionForKey } from "../producer/partitioner.ts";
import type { Message } from "./types.ts";

/** A partition as a custom partitioner sees it (kafkajs's shape). */
export interface PartitionMetadata {
  /** Always 0: partitions with errors have no leader (-1) instead. */
  partitionErrorCode: number;
  /** The partition number. */
  partitionId: number;
  /** Node id of the leader; -1 when it has none right now. */
  leader: number;
  /** Not known to the facade: empty. */
  replicas: number[];
  /** Not known to the facade: empty. */
  isr: number[];
  /** Not known to the facade: empty. */
  offlineReplicas?: number[];
}

/** What a partitioner is called with, once per message. */
export interface PartitionerArgs {
  /** The message's topic. */
  topic: string;
  /** The topic's partitions. */
  partitionMetadata: PartitionMetadata[];
  /** The message. */
  message: Message;
}

/** Makes a partitioner (once per producer): kafkajs's `createPartitioner` option. */
export type ICustomPartitioner = () => (args: PartitionerArgs) => number;

const encoder = new TextEncoder();

/**
 * kafkajs 1.x's murmur2 (its LegacyPartitioner's hash). It computes in JavaScript numbers, not
 * 32-bit integers: products are rounded doubles, and the loop reads past the last whole word
 * (as zeros) when the length is not a multiple of 4. This reproduces that arithmetic.
 */
function legacyMurmur2(key: string | Uint8Array): number {
  const data = typeof key === "string" ? encoder.encode(key) : key;
  const m = 0x5bd1e995;
  const length = data.length;
  const byteAt = (i: number) => (i < length ? data[i] : 0);
  let h = 0x9747b28c ^ length;
  for (let i = 0; i < length / 4; i++) {
    const i4 = i * 4;
    let k = byteAt(i4) + (byteAt(i4 + 1) << 8) + (byteAt(i4 + 2) << 16) + (byteAt(i4 + 3) << 24);
    k *= m;
    k ^= k >>> 24;
    k *= m;
    h *= m;
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length % 4;
  if (rest === 3) h ^= byteAt(tail + 2) << 16;
  if (rest >= 2) h ^= byteAt(tail + 1) << 8;
  if (rest >= 1) {
    h ^= byteAt(tail);
    h *= m;
  }
  h ^= h >>> 13;
  h *= m;
  h ^= h >>> 15;
  return h;
}

const toPositive = (n: number) => n & 0x7fffffff;

/** The bytes or text a key is hashed as: kafkajs hashes any other value as `String(key)`. */
function keyData(key: unknown): string | Uint8Array {
  return key instanceof Uint8Array ? key : String(key);
}

function roundRobin(hashOfKey: (key: string | Uint8Array, count: number) => number) {
  return () => {
    const counters = new Map<string, number>();
    return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
      if (message.partition !== null && message.partition !== undefined) return message.partition;
      const count = partitionMetadata.length;
      if (message.key !== null && message.key !== undefined) {
        return hashOfKey(keyData(message.key), count);
      }
      const next = (counters.get(topic) ?? crypto.getRandomValues(new Uint32Array(1))[0]) + 1;
      counters.set(topic, next);
      const available = partitionMetadata.filter((p) => p.leader >= 0);
      if (available.length > 0) return available[toPositive(next) % available.length].partitionId;
      return toPositive(next) % count;
    };
  };
}

/** kafkajs's default partitioner: Kafka's murmur2 of the key, as the Java client. */
export const DefaultPartitioner: ICustomPartitioner = roundRobin(partitionForKey);

/** kafkajs's default before 2.0, with its own murmur2 arithmetic. */
export const LegacyPartitioner: ICustomPartitioner = roundRobin((key, count) =>
  toPositive(legacyMurmur2(key)) % count
);

/** kafkajs's `Partitioners`. */
export const Partitioners: {
  /** Kafka's murmur2, as the Java client (kafkajs's default since 2.0). */
  DefaultPartitioner: ICustomPartitioner;
  /** kafkajs 1.x's partitioner. */
  LegacyPartitioner: ICustomPartitioner;
  /** The old name of {@link DefaultPartitioner}. */
  JavaCompatiblePartitioner: ICustomPartitioner;
} = { DefaultPartitioner, LegacyPartitioner, JavaCompatiblePartitioner: DefaultPartitioner };
