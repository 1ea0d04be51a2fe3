/**
 * CreateTopics (key 19): used by tests and the small admin helper. v2 is the oldest a Kafka 4
 * broker accepts; v5+ is flexible and echoes the topic's configs; v7 returns the topic id.
 *
 * @module
 */

import type { Api } from "../api.ts";
import type { Reader, Writer } from "../primitives.ts";

/** A topic to create. `numPartitions`/`replicationFactor` -1 take the broker's defaults. */
export interface CreatableTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  configs: Readonly<Record<string, string>>;
}

/** CreateTopics request body. */
export interface CreateTopicsRequest {
  topics: readonly CreatableTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

/** Outcome for one topic. */
export interface CreatableTopicResult {
  name: string;
  errorCode: number;
  errorMessage: string | null;
  numPartitions: number;
  replicationFactor: number;
}

/** CreateTopics response body. */
export interface CreateTopicsResponse {
  throttleTimeMs: number;
  topics: CreatableTopicResult[];
}

const FIRST_FLEXIBLE = 5;

/** CreateTopics v2–v7. */
export const CreateTopics: Api<CreateTopicsRequest, CreateTopicsResponse> = {
  name: "CreateTopics",
  key: 19,
  minVersion: 2,
  maxVersion: 7,
  firstFlexibleVersion: FIRST_FLEXIBLE,

  encodeRequest(w: Writer, request: CreateTopicsRequest, version: number): void {
    const flexible = version >= FIRST_FLEXIBLE;
    const str = (w: Writer, s: string | null) => flexible ? w.compactString(s) : w.string(s);
    w.array(request.topics, flexible, (w, topic) => {
      str(w, topic.name);
      w.int32(topic.numPartitions).int16(topic.replicationFactor);
      w.array([], flexible, () => {}); // no manual assignments
      w.array(Object.entries(topic.configs), flexible, (w, [name, value]) => {
        str(w, name);
        str(w, value);
        if (flexible) w.emptyTaggedFields();
      });
      if (flexible) w.emptyTaggedFields();
    });
    w.int32(request.timeoutMs).bool(request.validateOnly);
    if (flexible) w.emptyTaggedFields();
  },

  decodeResponse(r: Reader, version: number): CreateTopicsResponse {
    const flexible = version >= FIRST_FLEXIBLE;
    const throttleTimeMs = r.int32();
    const topics = r.array(flexible, (t): CreatableTopicResult => {
      const name = t.str(flexible);
      if (version >= 7) t.uuid();
      const errorCode = t.int16();
      const errorMessage = t.nullableStr(flexible);
      let numPartitions = -1;
      let replicationFactor = -1;
      if (version >= 5) {
        numPartitions = t.int32();
        replicationFactor = t.int16();
        t.array(true, (c) => {
          c.compactString();
          c.compactNullableString();
          c.bool(); // ReadOnly
          c.int8(); // ConfigSource
          c.bool(); // IsSensitive
          c.taggedFields();
        }, 5);
      }
      if (flexible) t.taggedFields();
      return { name, errorCode, errorMessage, numPartitions, replicationFactor };
    }, 4);
    if (flexible) r.taggedFields();
    return { throttleTimeMs, topics };
  },
};
