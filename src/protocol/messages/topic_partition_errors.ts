/**
 * The response layout AddPartitionsToTxn and TxnOffsetCommit share: per topic, per partition,
 * an error code.
 *
 * @module
 */

import type { Reader } from "../primitives.ts";

/** One partition's outcome. */
export interface PartitionError {
  partitionIndex: number;
  errorCode: number;
}

/** One topic's partitions' outcomes. */
export interface TopicPartitionErrors {
  name: string;
  partitions: PartitionError[];
}

/** Reads `[topic name, [partition index, error code]]` in the classic or compact encoding. */
export function readTopicPartitionErrors(r: Reader, flexible: boolean): TopicPartitionErrors[] {
  return r.array(flexible, (t): TopicPartitionErrors => {
    const name = t.str(flexible);
    const partitions = t.array(flexible, (p): PartitionError => {
      const result = { partitionIndex: p.int32(), errorCode: p.int16() };
      if (flexible) p.taggedFields();
      return result;
    }, 6);
    if (flexible) t.taggedFields();
    return { name, partitions };
  }, 3);
}
