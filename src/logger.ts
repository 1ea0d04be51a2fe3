/**
 * The logger a producer reports to: four levels, a message and a few structured fields. Silent
 * unless one is given in the config (`logger: console` works). Nothing logged carries record
 * contents or credentials: only addresses, topics, partitions, counts and error messages.
 *
 * @module
 */

/** Structured context of a log line: node ids, addresses, topics, counts, error messages. */
export type LogFields = Readonly<Record<string, string | number | bigint | boolean | undefined>>;

/** What the producer logs to; `console` fits. */
export interface Logger {
  /** Routine detail: metadata updates, connections this producer closed. */
  debug(message: string, fields?: LogFields): void;
  /** Milestones: connected, producer id assigned, closed. */
  info(message: string, fields?: LogFields): void;
  /** Trouble the producer works around: lost connections, failed requests, retries. */
  warn(message: string, fields?: LogFields): void;
  /** Records failed for good; a listener or the sender itself threw. */
  error(message: string, fields?: LogFields): void;
}

const ignore = (): void => {};

/** The default: logs nothing. */
export const SILENT_LOGGER: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
