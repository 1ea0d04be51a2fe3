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
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const ignore = (): void => {};

/** The default: logs nothing. */
export const SILENT_LOGGER: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
