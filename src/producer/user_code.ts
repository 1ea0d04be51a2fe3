/**
 * Every call from the producer into its user's code goes through here: the logger, the event
 * listeners, the serializers and the partitioner. Code of theirs that throws never changes what
 * the producer does:
 * - the logger's exceptions are dropped (a log line is never worth a lost request);
 * - a listener's exception is logged, through the guarded logger, and dropped;
 * - a serializer's fails only its record, with {@link SerializationError} (the cause kept);
 * - a partitioner's fails only its record, with {@link InvalidRecordError} (the cause kept).
 *
 * @module
 */

import { InvalidRecordError, SerializationError } from "../errors.ts";
import type { LogFields, Logger } from "../logger.ts";
import type { CustomPartitioner } from "./partitioner.ts";
import type { Serializer } from "./record.ts";

const LEVELS = ["debug", "info", "warn", "error"] as const;

/** `logger`, with every method made unable to throw (also when it lacks one). */
export function guardedLogger(logger: Logger): Logger {
  const guarded = {} as Logger;
  for (const level of LEVELS) {
    guarded[level] = (message: string, fields?: LogFields) => {
      try {
        logger[level](message, fields);
      } catch {
        // The user's logger failed; the producer goes on as if it had logged.
      }
    };
  }
  return guarded;
}

/** Calls an event listener; one that throws is logged and changes nothing else. */
export function callListener<T>(
  listener: (event: T) => void,
  event: T,
  name: string,
  logger: Logger,
): void {
  try {
    listener(event);
  } catch (error) {
    logger.error("a producer event listener threw", { event: name, error: String(error) });
  }
}

/** Runs a key or value serializer; what it throws becomes the record's SerializationError. */
export function callSerializer<T>(
  serializer: Serializer<T>,
  data: T,
  topic: string,
  what: "key" | "value",
): unknown {
  try {
    return serializer(data, topic);
  } catch (error) {
    throw new SerializationError(
      `${what}Serializer failed for a record to ${topic}: ${(error as Error)?.message ?? error}`,
      { cause: error },
    );
  }
}

/** Runs the custom partitioner; what it throws becomes the record's InvalidRecordError. */
export function callPartitioner(
  partitioner: CustomPartitioner,
  input: Parameters<CustomPartitioner>[0],
): number {
  try {
    return partitioner(input);
  } catch (error) {
    throw new InvalidRecordError(
      `the partitioner failed for a record to ${input.topic}: ${
        (error as Error)?.message ?? error
      }`,
      { cause: error },
    );
  }
}
