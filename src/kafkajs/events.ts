/**
 * kafkajs's producer instrumentation events: their names, payloads, and the emitter that builds
 * them from kafka-edge's core events. Listeners may be async; one that throws or rejects is
 * logged, never allowed to affect the producer.
 *
 * @module
 */

import type { RequestEvent as CoreRequestEvent } from "../../mod.ts";
import { KafkaJSNonRetriableError } from "./errors.ts";
import type { Logger } from "./logger.ts";

/** The producer's event names (`producer.events`). */
export const ProducerEvents = {
  /** `connect()` finished. */
  CONNECT: "producer.connect",
  /** `disconnect()` finished. */
  DISCONNECT: "producer.disconnect",
  /** A request to a broker was answered (or, acks 0, written). */
  REQUEST: "producer.network.request",
  /** A request to a broker got no answer within the request timeout. */
  REQUEST_TIMEOUT: "producer.network.request_timeout",
  /** A broker connection's queue of waiting requests changed size. */
  REQUEST_QUEUE_SIZE: "producer.network.request_queue_size",
} as const;

/** The names in {@link ProducerEvents}. */
export type ProducerEventName = (typeof ProducerEvents)[keyof typeof ProducerEvents];

/** An event as listeners receive it. */
export interface InstrumentationEvent<T> {
  /** Increases by one per event built. */
  id: string;
  /** The event's name, e.g. "producer.network.request". */
  type: string;
  /** When it was built, ms since the epoch. */
  timestamp: number;
  /** The event's data. */
  payload: T;
}

/** Payload of REQUEST_TIMEOUT. */
export interface RequestTimeoutPayload {
  /** Kafka's API number. */
  apiKey: number;
  /** Kafka's API name, e.g. "Produce". */
  apiName: string;
  /** The API version spoken. */
  apiVersion: number;
  /** `host:port` of the broker. */
  broker: string;
  /** The client id. */
  clientId: string;
  /** Not known to the facade: -1. */
  correlationId: number;
  /** When the request was queued, ms since the epoch (here, when it was written). */
  createdAt: number;
  /** When it was written, ms since the epoch. */
  sentAt: number;
  /** Time between queueing and writing: always 0 here (requests are not queued). */
  pendingDuration: number;
}

/** Payload of REQUEST. */
export interface RequestPayload extends RequestTimeoutPayload {
  /** From writing the request to reading its response, ms. */
  duration: number;
  /** Bytes of the response, its size prefix excluded (0 without response). */
  size: number;
}

/** Payload of REQUEST_QUEUE_SIZE. */
export interface RequestQueueSizePayload {
  /** `host:port` of the broker. */
  broker: string;
  /** The client id. */
  clientId: string;
  /** Requests waiting to be written. */
  queueSize: number;
}

/** Payloads by event name. */
export interface ProducerEventPayloads {
  /** No payload. */
  "producer.connect": null;
  /** No payload. */
  "producer.disconnect": null;
  /** See {@link RequestPayload}. */
  "producer.network.request": RequestPayload;
  /** See {@link RequestTimeoutPayload}. */
  "producer.network.request_timeout": RequestTimeoutPayload;
  /** See {@link RequestQueueSizePayload}. */
  "producer.network.request_queue_size": RequestQueueSizePayload;
}

/** A listener of one event. */
export type ProducerEventListener<E extends ProducerEventName> = (
  event: InstrumentationEvent<ProducerEventPayloads[E]>,
) => void | Promise<void>;

/** Removes the listener that `on()` added. */
export type RemoveInstrumentationEventListener = () => void;

const NAMES: readonly string[] = Object.values(ProducerEvents);
let nextId = 0;

/** The listeners of one producer, and the translation of core events into kafkajs's. */
export class ProducerEventEmitter {
  readonly #listeners = new Map<string, Set<(event: InstrumentationEvent<unknown>) => unknown>>();
  readonly #logger: Logger;
  readonly #clientId: string;

  constructor(logger: Logger, clientId: string) {
    this.#logger = logger;
    this.#clientId = clientId;
  }

  /** Adds a listener; an unknown name throws, as in kafkajs. */
  on<E extends ProducerEventName>(
    eventName: E,
    listener: ProducerEventListener<E>,
  ): RemoveInstrumentationEventListener {
    if (!NAMES.includes(eventName)) {
      throw new KafkaJSNonRetriableError(
        `Event name should be one of ${
          Object.keys(ProducerEvents).map((k) => `producer.events.${k}`).join(", ")
        }`,
      );
    }
    const wrapped = listener as (event: InstrumentationEvent<unknown>) => unknown;
    let set = this.#listeners.get(eventName);
    if (!set) this.#listeners.set(eventName, set = new Set());
    set.add(wrapped);
    return () => set.delete(wrapped);
  }

  /** Calls each listener of `eventName` with a new event, if there are any. */
  emit<E extends ProducerEventName>(eventName: E, payload: ProducerEventPayloads[E]): void {
    const set = this.#listeners.get(eventName);
    if (!set || set.size === 0) return;
    const event = { id: String(nextId++), type: eventName, timestamp: Date.now(), payload };
    for (const listener of set) {
      const failed = (error: unknown) =>
        this.#logger.error(`Failed to execute listener: ${(error as Error)?.message ?? error}`, {
          eventName,
        });
      try {
        Promise.resolve(listener(event)).catch(failed);
      } catch (error) {
        failed(error);
      }
    }
  }

  /** REQUEST (or REQUEST_TIMEOUT, for a request that timed out) from a core request event. */
  request(event: CoreRequestEvent): void {
    const common = {
      apiKey: event.apiKey,
      apiName: event.api,
      apiVersion: event.apiVersion,
      broker: `${event.host}:${event.port}`,
      clientId: this.#clientId,
      correlationId: -1,
      createdAt: Math.round(event.startTimeMs),
      sentAt: Math.round(event.startTimeMs),
      pendingDuration: 0,
    };
    if (event.error?.name === "TimeoutError") {
      this.emit(ProducerEvents.REQUEST_TIMEOUT, common);
    } else if (!event.error) {
      this.emit(ProducerEvents.REQUEST, {
        ...common,
        duration: Math.round(event.latencyMs),
        size: Math.max(0, event.responseBytes - 4),
      });
    }
  }

  /** REQUEST_QUEUE_SIZE 0 for a broker whose connection was lost, as kafkajs emits then. */
  connectionLost(host: string, port: number): void {
    this.emit(ProducerEvents.REQUEST_QUEUE_SIZE, {
      broker: `${host}:${port}`,
      clientId: this.#clientId,
      queueSize: 0,
    });
  }
}
