/**
 * A kafkajs message as a kafka-edge record: keys and values as kafkajs writes them (text,
 * bytes, null; anything else as `String(value)`), headers with array values written once per
 * element, and the timestamp as a number.
 *
 * @module
 */

import type { ProducerRecord as CoreRecord, RecordData } from "../../mod.ts";
import { KafkaJSNonRetriableError } from "./errors.ts";
import type { IHeaders, Message } from "./types.ts";

function data(value: unknown): RecordData | null {
  if (value === null || value === undefined) return null;
  return typeof value === "string" || value instanceof Uint8Array ? value : String(value);
}

function headerPairs(topic: string, headers: IHeaders): [string, RecordData][] {
  const pairs: [string, RecordData][] = [];
  for (const [name, value] of Object.entries(headers)) {
    for (const element of Array.isArray(value) ? value : [value]) {
      const bytes = data(element);
      if (bytes === null) {
        throw new KafkaJSNonRetriableError(
          `Invalid header "${name}" for topic "${topic}": a header value must be a string or ` +
            "a Buffer",
        );
      }
      pairs.push([name, bytes]);
    }
  }
  return pairs;
}

function timestampOf(topic: string, timestamp: unknown): number | undefined {
  if (timestamp === null || timestamp === undefined) return undefined;
  const ms = Number(timestamp);
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new KafkaJSNonRetriableError(
      `Invalid timestamp ${JSON.stringify(timestamp)} for topic "${topic}": expected ms since ` +
        "the epoch, as a string",
    );
  }
  return ms;
}

/** The record for one message; its partition is set by the caller. */
export function toCoreRecord(topic: string, message: Message): CoreRecord {
  return {
    topic,
    key: data(message.key),
    value: data(message.value),
    headers: message.headers ? headerPairs(topic, message.headers) : undefined,
    timestamp: timestampOf(topic, message.timestamp),
  };
}
