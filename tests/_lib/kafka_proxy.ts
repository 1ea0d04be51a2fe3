/**
 * A Kafka-aware fault proxy in front of a real broker. Unlike the byte relay (relay.ts) it reads
 * every request and response: it knows each request's API and version by correlation id, and,
 * scripted per test with rules, it can
 *   - answer a request with an error code without forwarding it (the broker never saw it); for
 *     Produce, one partition's batch can be withheld and answered while the rest goes through;
 *   - forward a request and replace the error of the response, at the top level, of a topic or
 *     of one partition (the broker did it; the client is told it did not);
 *   - delay a response, drop it (the connection then goes silent, as a dead network path does),
 *     or cut the connection right after a request or a response.
 * It logs every request and response (API, version, correlation id, error codes, Produce batch
 * headers) for assertions.
 *
 * Any client stays behind it: broker addresses in Metadata, FindCoordinator and Produce
 * (KIP-951 leader endpoints) responses are rewritten to listeners of the proxy, one per broker,
 * and ApiVersions is capped at the versions wire_schemas.ts can read. A request of an API the
 * proxy does not know passes through untouched. Plaintext only (no TLS), and SASL only through
 * SaslAuthenticate (SaslHandshake v1), as every client of Kafka 1.0+ does. Built on node:net, so
 * it runs in Deno, Bun and Node alike.
 */

import { createConnection, createServer, type Server, type Socket } from "node:net";
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  type RequestFrame,
  schemaFor,
  type Struct,
} from "./wire_codec.ts";
import { type ApiName, type MessageSchema, SCHEMAS, SCHEMAS_BY_KEY } from "./wire_schemas.ts";

/** A topic partition; a missing topic matches every topic. */
export interface PartitionRef {
  topic?: string;
  partition: number;
}

/** What a rule does to the requests it matches. */
export type ProxyAction =
  /**
   * Not forwarded: the proxy answers with `code`. With `partition` on Produce, only that
   * partition's batch is withheld and answered; the rest of the request goes to the broker. On
   * the other APIs with per-partition results, the named partition gets `code` and the others
   * OPERATION_NOT_ATTEMPTED, as a coordinator answers a request it refuses in part.
   */
  | { respond: number | { code: number; partition?: PartitionRef } }
  /**
   * Forwarded; the response's error is replaced by `code`: one partition's (`partition`), a
   * topic's (`topic`: Metadata's topic error, or every partition of the topic), or else the
   * top-level one (every partition's where the response has none at the top).
   */
  | { replaceError: { code: number; topic?: string; partition?: number } }
  /** Forwarded; the response reaches the client this much later (later ones wait behind it). */
  | { delayMs: number }
  /**
   * Forwarded; the response is thrown away and the connection goes silent both ways: no later
   * response reaches the client and no later request the broker, until the client gives up.
   */
  | { drop: true }
  /** Forwarded; the connection is cut right after the request reached the broker, or right
   * after the response reached the client. */
  | { cutAfter: "request" | "response" }
  /**
   * The response (the broker's, or the proxy's own) is changed by `rewrite` before it goes to
   * the client, after the other actions and the proxy's address rewriting: e.g. KIP-951 leader
   * hints in a Produce response, or a broker added to a Metadata response.
   */
  | { rewrite: (body: Struct) => void };

/** One scripted fault. */
export interface ProxyRule {
  api: ApiName;
  /** Further condition on the request. */
  match?: (request: ProxyRequest) => boolean;
  /** How many requests it applies to (default 1; Infinity for all). */
  times?: number;
  action: ProxyAction;
}

/** A rule as added, with how many requests it was applied to so far. */
export interface ActiveRule extends ProxyRule {
  hits: number;
}

/** A Produce batch as its header says (the first batch of a partition's records). */
export interface BatchInfo {
  topic: string;
  partition: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  transactional: boolean;
}

/** A request as rules and the log see it. */
export interface ProxyRequest {
  /** Serial number of the client connection it came on. */
  connection: number;
  /** "host:port" of the broker behind the listener it came to. */
  broker: string;
  /** Kafka's name for the API, or "key N" for one the proxy does not know. */
  api: ApiName | `key ${number}`;
  apiKey: number;
  version: number;
  correlationId: number;
  clientId: string | null;
  /** The decoded body (undefined for unknown APIs). */
  body: Struct | undefined;
  /** Topic partitions the request names (Produce, AddPartitionsToTxn, TxnOffsetCommit). */
  partitions: Required<PartitionRef>[];
  /** Produce only: the header of each partition's batch. */
  batches: BatchInfo[];
}

/** What became of a request. */
export type Outcome =
  | "in flight"
  | "forwarded"
  | "answered by proxy"
  | "dropped"
  | "cut"
  | "swallowed (connection silent)"
  | "no response (acks 0)"
  | "lost (connection closed)";

/** One request and its response, for assertions. */
export interface ProxyLogEntry extends ProxyRequest {
  outcome: Outcome;
  /** Descriptions of the actions applied, e.g. "respond 45 at t-0". */
  actions: string[];
  /** Every error code in the response the broker sent (empty if none came). */
  brokerErrors: number[];
  /** Every error code in the response the client got (empty if none went out). */
  clientErrors: number[];
}

/** A running proxy. */
export interface KafkaProxy {
  /** "127.0.0.1:port" of the listener in front of the bootstrap broker. */
  readonly bootstrap: string;
  /** Every request seen so far, in arrival order. */
  readonly log: readonly ProxyLogEntry[];
  /**
   * Adds a rule. Rules are tried in the order added; every rule that matches a request applies to
   * it, except that of two rules of the same kind (the same action, on the same partition) only
   * the first does: rules added one after another thus hit one attempt after another.
   */
  addRule(rule: ProxyRule): ActiveRule;
  /** Removes every rule. */
  clearRules(): void;
  /** The log entries of one API. */
  requests(api: ApiName): ProxyLogEntry[];
  /** Cuts every open connection. */
  cutAll(): void;
  /**
   * Opens one more listener in front of the bootstrap broker and returns its "127.0.0.1:port":
   * a second address for the same broker (to pose as another node in rewritten responses).
   */
  extraListener(): Promise<string>;
  close(): Promise<void>;
}

/** Settings of {@link startKafkaProxy}. */
export interface KafkaProxyOptions {
  /**
   * Advertise at most these versions to clients (ApiVersions is rewritten). Produce defaults to
   * v12: from v13 requests name topics by id, which the rules and the log do not resolve.
   */
  maxVersions?: Partial<Record<ApiName, number>>;
  /**
   * Report these finalized feature levels in ApiVersions instead of the broker's, e.g.
   * `{ "transaction.version": 1 }` for a client to use the transaction protocol v1.
   */
  finalizedFeatures?: Record<string, number>;
}

const OPERATION_NOT_ATTEMPTED = 55;
const UNSUPPORTED_VERSION = 35;
const PRODUCE = SCHEMAS.Produce;

/** Starts a proxy on 127.0.0.1 (free ports) in front of the broker at `target` ("host:port"). */
export async function startKafkaProxy(
  target: string,
  options: KafkaProxyOptions = {},
): Promise<KafkaProxy> {
  const rules: ActiveRule[] = [];
  const log: ProxyLogEntry[] = [];
  const listeners = new Map<string, Promise<{ server: Server; port: number }>>();
  const extras: Promise<{ server: Server; port: number }>[] = [];
  const sessions = new Set<Session>();
  let connections = 0;
  let closed = false;

  const listenerFor = (broker: string) => {
    let listener = listeners.get(broker);
    if (!listener) {
      listener = listen(broker);
      listeners.set(broker, listener);
    }
    return listener;
  };

  const listen = async (broker: string) => {
    const server = createServer((client) => {
      if (closed) return void client.destroy();
      const session = new Session(++connections, broker, client, context);
      sessions.add(session);
      session.onEnd = () => sessions.delete(session);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { server, port: (server.address() as { port: number }).port };
  };

  const context: SessionContext = {
    rules,
    log,
    // Rules and the log name Produce's topics, which v13 gives by id only: v12 unless asked.
    maxVersions: { Produce: 12, ...options.maxVersions },
    finalizedFeatures: options.finalizedFeatures ?? {},
    proxyPortFor: async (broker) => (await listenerFor(broker)).port,
  };

  const bootstrapPort = (await listenerFor(target)).port;
  return {
    bootstrap: `127.0.0.1:${bootstrapPort}`,
    log,
    addRule(rule) {
      const active: ActiveRule = { ...rule, hits: 0 };
      rules.push(active);
      return active;
    },
    clearRules() {
      rules.length = 0;
    },
    requests(api) {
      return log.filter((entry) => entry.api === api);
    },
    cutAll() {
      for (const session of [...sessions]) session.destroy();
    },
    async extraListener() {
      const listener = listen(target);
      extras.push(listener);
      return `127.0.0.1:${(await listener).port}`;
    },
    async close() {
      closed = true;
      for (const session of [...sessions]) session.destroy();
      await Promise.all(
        [...listeners.values(), ...extras].map(async (listener) => {
          const { server } = await listener;
          await new Promise((resolve) => server.close(resolve));
        }),
      );
    },
  };
}

interface SessionContext {
  readonly rules: ActiveRule[];
  readonly log: ProxyLogEntry[];
  readonly maxVersions: Partial<Record<ApiName, number>>;
  readonly finalizedFeatures: Record<string, number>;
  proxyPortFor(broker: string): Promise<number>;
}

/** A response waiting for its turn to go to the client (responses keep request order). */
interface Slot {
  entry: ProxyLogEntry;
  request: RequestFrame;
  schema: MessageSchema | undefined;
  /** Whether the broker answers (false when the proxy does). */
  forwarded: boolean;
  /** The bytes to send, once known (null: to be thrown away). */
  response: Uint8Array | null | undefined;
  /** Produce partitions withheld from the broker and answered here: partition → code. */
  withheld: { topic: string; partition: number; code: number }[];
  replacements: { code: number; topic?: string; partition?: number }[];
  rewrites: ((body: Struct) => void)[];
  delayMs: number;
  drop: boolean;
  cutAfterResponse: boolean;
  /** When the response may go out (after a delay). */
  notBefore: number;
}

/** A slot with no rule applied yet: forwarded to the broker unless `response` is given. */
function newSlot(
  entry: ProxyLogEntry,
  request: RequestFrame,
  schema: MessageSchema | undefined,
  response: Uint8Array | undefined,
): Slot {
  return {
    entry,
    request,
    schema,
    forwarded: response === undefined,
    response,
    withheld: [],
    replacements: [],
    rewrites: [],
    delayMs: 0,
    drop: false,
    cutAfterResponse: false,
    notBefore: 0,
  };
}

/** One client connection and its connection to the broker. */
class Session {
  readonly #id: number;
  readonly #broker: string;
  readonly #client: Socket;
  readonly #upstream: Socket;
  readonly #context: SessionContext;
  readonly #requests = new FrameReader();
  readonly #responses = new FrameReader();
  /** Slots in request order; the head goes out first. */
  readonly #slots: Slot[] = [];
  /** Slots whose request went to the broker, in order: broker responses match them. */
  readonly #awaitingBroker: Slot[] = [];
  #silent = false;
  #ended = false;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** Responses are rewritten one at a time (a rewrite may wait for a new listener). */
  #responseChain: Promise<void> = Promise.resolve();
  onEnd: () => void = () => {};

  constructor(id: number, broker: string, client: Socket, context: SessionContext) {
    this.#id = id;
    this.#broker = broker;
    this.#client = client;
    this.#context = context;
    const [host, port] = splitAddress(broker);
    this.#upstream = createConnection({ host, port });
    client.setNoDelay(true);
    this.#upstream.setNoDelay(true);
    client.on("data", (chunk: Uint8Array) => {
      for (const frame of this.#requests.push(chunk)) this.#onRequest(frame);
    });
    this.#upstream.on("data", (chunk: Uint8Array) => {
      for (const frame of this.#responses.push(chunk)) {
        this.#responseChain = this.#responseChain.then(() => this.#onResponse(frame)).catch(
          (error) => this.#abort(error),
        );
      }
    });
    for (const socket of [client, this.#upstream]) {
      socket.on("error", () => this.destroy());
      socket.on("close", () => this.destroy());
    }
  }

  destroy(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#flushTimer);
    this.#client.destroy();
    this.#upstream.destroy();
    for (const slot of this.#slots) {
      if (slot.entry.outcome === "in flight") slot.entry.outcome = "lost (connection closed)";
    }
    this.onEnd();
  }

  #abort(error: unknown): void {
    console.error(`kafka proxy: connection ${this.#id} to ${this.#broker}:`, error);
    this.destroy();
  }

  #onRequest(frame: Uint8Array): void {
    if (this.#ended) return;
    let request: RequestFrame;
    try {
      request = decodeRequest(frame);
    } catch (error) {
      return this.#abort(error);
    }
    const schema = request.schema;
    const entry: ProxyLogEntry = {
      ...describeRequest(request, this.#id, this.#broker),
      outcome: "in flight",
      actions: [],
      brokerErrors: [],
      clientErrors: [],
    };
    this.#context.log.push(entry);
    if (this.#silent) {
      entry.outcome = "swallowed (connection silent)";
      return;
    }
    if (request.apiKey === SCHEMAS.ApiVersions.key && !schema) {
      // Newer than the proxy reads: answer as a broker does, so the client asks again at v4 or
      // below (KIP-511), and its versions can be capped.
      entry.outcome = "answered by proxy";
      entry.actions.push("respond 35 (ApiVersions newer than the proxy reads)");
      this.#slots.push(unsupportedApiVersions(entry, request));
      this.#flush();
      return;
    }
    const slot = newSlot(entry, request, schema, undefined);
    let respondWhole: { code: number; partition?: PartitionRef } | undefined;
    let cutAfterRequest = false;
    const applied = new Set<string>();
    for (const rule of this.#context.rules) {
      if (!applies(rule, entry)) continue;
      const action = rule.action;
      // One rule of a kind per request (and per partition named): the next attempt gets the next.
      const kind = ruleKind(action);
      if (applied.has(kind)) continue;
      if ("respond" in action) {
        const { code, partition } = typeof action.respond === "number"
          ? { code: action.respond, partition: undefined }
          : action.respond;
        if (partition && !entry.partitions.some((p) => samePartition(partition, p))) continue;
        if (partition && schema === PRODUCE) {
          for (const p of entry.partitions) {
            if (samePartition(partition, p)) slot.withheld.push({ ...p, code });
          }
        } else {
          respondWhole = { code, partition };
        }
        entry.actions.push(`respond ${code}${where(partition)}`);
      } else if ("replaceError" in action) {
        const target = action.replaceError;
        if (
          target.partition !== undefined && !entry.partitions.some((p) =>
            samePartition(target as PartitionRef, p)
          ) && entry.partitions.length > 0
        ) continue;
        // A Metadata request that names its topics and not this one cannot carry its error (a
        // refresh already in flight when the rule was added must not use the rule up).
        const named = entry.api === "Metadata" ? request.body?.topics : undefined;
        if (
          target.topic !== undefined && Array.isArray(named) &&
          !named.some((t) => (t as Struct).name === target.topic)
        ) continue;
        slot.replacements.push(target);
        entry.actions.push(`replace error with ${target.code}${where(target)}`);
      } else if ("delayMs" in action) {
        slot.delayMs += action.delayMs;
        entry.actions.push(`delay ${action.delayMs} ms`);
      } else if ("drop" in action) {
        slot.drop = true;
        entry.actions.push("drop response");
      } else if ("rewrite" in action) {
        slot.rewrites.push(action.rewrite);
        entry.actions.push("rewrite response");
      } else if (action.cutAfter === "request") {
        cutAfterRequest = true;
        entry.actions.push("cut after request");
      } else {
        slot.cutAfterResponse = true;
        entry.actions.push("cut after response");
      }
      rule.hits++;
      applied.add(kind);
      if (respondWhole !== undefined) break;
    }

    const expectsResponse = !(schema === PRODUCE && request.body?.acks === 0);
    const allWithheld = slot.withheld.length > 0 &&
      slot.withheld.length === entry.partitions.length;
    if (respondWhole !== undefined || allWithheld) {
      slot.forwarded = false;
      entry.outcome = expectsResponse ? "answered by proxy" : "no response (acks 0)";
      if (!expectsResponse) return;
      let body: Struct = { responses: [] }; // every Produce partition withheld: added below
      let layout = request.version;
      if (respondWhole) {
        const { code, partition } = respondWhole;
        // A named partition gets the code, the others OPERATION_NOT_ATTEMPTED.
        body = errorResponse(schema!, request, partition ? 0 : code);
        if (partition) slot.replacements.push({ code, ...partition });
        // ApiVersions answers UNSUPPORTED_VERSION in the v0 layout, whatever was asked.
        if (schema!.name === "ApiVersions" && code === UNSUPPORTED_VERSION) layout = 0;
      }
      this.#finish(slot, body, [], layout);
      this.#slots.push(slot);
      this.#flush();
      return;
    }

    let bytes = frameWithSize(frame);
    if (slot.withheld.length > 0) {
      const body = withoutPartitions(request.body!, slot.withheld);
      bytes = encodeRequest(
        schema!,
        request.version,
        request.correlationId,
        request.clientId,
        body,
        request.headerTags,
      );
    }
    if (cutAfterRequest) {
      entry.outcome = "cut";
      this.#upstream.write(bytes, () => this.destroy());
      this.#silent = true;
      return;
    }
    this.#upstream.write(bytes);
    if (!expectsResponse) {
      entry.outcome = "no response (acks 0)";
      return;
    }
    this.#slots.push(slot);
    this.#awaitingBroker.push(slot);
  }

  async #onResponse(frame: Uint8Array): Promise<void> {
    if (this.#ended || this.#silent) return;
    const slot = this.#awaitingBroker.shift();
    const correlationId = new DataView(frame.buffer, frame.byteOffset, 4).getInt32(0);
    if (!slot || slot.request.correlationId !== correlationId) {
      throw new Error(
        `broker answered correlation id ${correlationId}, expected ${slot?.request.correlationId}`,
      );
    }
    const { schema, request } = slot;
    if (!schema) {
      slot.entry.outcome = "forwarded";
      slot.response = frameWithSize(frame);
    } else {
      const decoded = decodeResponse(schema, request.version, frame);
      slot.entry.brokerErrors = errorCodes(decoded.body);
      await this.#rewrite(schema, decoded.body, decoded.layoutVersion);
      this.#finish(slot, decoded.body, decoded.headerTags, decoded.layoutVersion);
      slot.entry.outcome = "forwarded";
    }
    if (slot.drop) {
      slot.entry.outcome = "dropped";
      slot.response = null;
    }
    slot.notBefore = Date.now() + slot.delayMs;
    this.#flush();
  }

  /** Applies the slot's error replacements and withheld partitions, and encodes the response. */
  #finish(slot: Slot, body: Struct, headerTags: [number, Uint8Array][], layout?: number): void {
    const { schema, request } = slot;
    for (const target of slot.replacements) replaceErrors(schema!, body, target);
    if (slot.withheld.length > 0) addProduceResults(body, slot.withheld);
    for (const rewrite of slot.rewrites) rewrite(body);
    slot.entry.clientErrors = errorCodes(body);
    slot.response = encodeResponse(
      schema!,
      request.version,
      request.correlationId,
      body,
      headerTags,
      layout ?? request.version,
    );
  }

  /** Sends the responses at the head of the queue that are ready, in order. */
  #flush(): void {
    clearTimeout(this.#flushTimer);
    while (this.#slots.length > 0 && !this.#ended) {
      const head = this.#slots[0];
      if (head.response === undefined) return; // the broker has not answered yet
      const wait = head.notBefore - Date.now();
      if (wait > 0) {
        this.#flushTimer = setTimeout(() => this.#flush(), wait);
        return;
      }
      this.#slots.shift();
      if (head.response === null) {
        // A dropped response: the path is dead from here on.
        this.#silent = true;
        for (const later of this.#slots) later.entry.outcome = "swallowed (connection silent)";
        this.#slots.length = 0;
        this.#awaitingBroker.length = 0;
        return;
      }
      if (this.#silent) return;
      if (head.cutAfterResponse) {
        head.entry.outcome = "cut";
        this.#client.write(head.response, () => this.destroy());
        this.#silent = true;
        return;
      }
      this.#client.write(head.response);
    }
  }

  /** Points broker addresses at the proxy's listeners and caps advertised versions. */
  async #rewrite(schema: MessageSchema, body: Struct, version: number): Promise<void> {
    const redirect = async (node: Struct) => {
      const port = await this.#context.proxyPortFor(`${node.host}:${node.port}`);
      node.host = "127.0.0.1";
      node.port = port;
    };
    switch (schema.name) {
      case "Metadata":
        for (const broker of body.brokers as Struct[]) await redirect(broker);
        break;
      case "FindCoordinator":
        if (version < 4) {
          if (body.errorCode === 0) await redirect(body);
        } else {
          for (const c of body.coordinators as Struct[]) if (c.errorCode === 0) await redirect(c);
        }
        break;
      case "Produce":
        for (const node of (body.nodeEndpoints ?? []) as Struct[]) await redirect(node);
        break;
      case "ApiVersions":
        for (const range of body.apiKeys as Struct[]) {
          const known = SCHEMAS_BY_KEY.get(range.apiKey as number);
          if (!known) continue;
          const cap = this.#context.maxVersions[known.name] ?? Infinity;
          range.maxVersion = Math.min(range.maxVersion as number, known.maxVersion, cap);
        }
        if (version >= 3) {
          const features = (body.finalizedFeatures ?? []) as Struct[];
          for (const [name, level] of Object.entries(this.#context.finalizedFeatures)) {
            const feature = features.find((f) => f.name === name);
            if (feature) feature.maxVersionLevel = feature.minVersionLevel = level;
            else features.push({ name, maxVersionLevel: level, minVersionLevel: level });
          }
          body.finalizedFeatures = features;
        }
        break;
    }
  }
}

/** The v0-layout UNSUPPORTED_VERSION answer naming the ApiVersions versions the proxy reads. */
function unsupportedApiVersions(entry: ProxyLogEntry, request: RequestFrame): Slot {
  const schema = SCHEMAS.ApiVersions;
  const body = {
    errorCode: UNSUPPORTED_VERSION,
    apiKeys: [{ apiKey: schema.key, minVersion: 0, maxVersion: schema.maxVersion }],
  };
  entry.clientErrors = [UNSUPPORTED_VERSION];
  return newSlot(entry, request, schema, encodeResponse(schema, 0, request.correlationId, body));
}

/** What a rule acts on: two rules of the same kind never apply to the same request. */
function ruleKind(action: ProxyAction): string {
  if ("respond" in action) {
    const partition = typeof action.respond === "number" ? undefined : action.respond.partition;
    return `respond${where(partition)}`;
  }
  if ("replaceError" in action) return `replaceError${where(action.replaceError)}`;
  return Object.keys(action)[0];
}

function applies(rule: ActiveRule, request: ProxyRequest): boolean {
  if (rule.api !== request.api || rule.hits >= (rule.times ?? 1)) return false;
  if (request.body === undefined) return false; // a version the proxy cannot read
  return rule.match?.(request) ?? true;
}

function samePartition(ref: PartitionRef, p: Required<PartitionRef>): boolean {
  return ref.partition === p.partition && (ref.topic === undefined || ref.topic === p.topic);
}

function where(target: { topic?: string; partition?: number } | undefined): string {
  if (!target) return "";
  if (target.partition !== undefined) return ` at ${target.topic ?? "*"}-${target.partition}`;
  return target.topic !== undefined ? ` at ${target.topic}` : "";
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(":");
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}

function frameWithSize(frame: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(frame.length + 4);
  new DataView(bytes.buffer).setInt32(0, frame.length);
  bytes.set(frame, 4);
  return bytes;
}

/** Splits a byte stream into size-prefixed frames (returned without the prefix). */
class FrameReader {
  #buffer = new Uint8Array(0);

  push(chunk: Uint8Array): Uint8Array[] {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    const frames: Uint8Array[] = [];
    let pos = 0;
    while (joined.length - pos >= 4) {
      const size = new DataView(joined.buffer, pos, 4).getInt32(0);
      if (joined.length - pos - 4 < size) break;
      frames.push(joined.slice(pos + 4, pos + 4 + size));
      pos += 4 + size;
    }
    this.#buffer = joined.slice(pos);
    return frames;
  }
}

function describeRequest(request: RequestFrame, connection: number, broker: string): ProxyRequest {
  const schema = request.schema ?? SCHEMAS_BY_KEY.get(request.apiKey);
  const body = request.body;
  return {
    connection,
    broker,
    api: schema?.name ?? `key ${request.apiKey}`,
    apiKey: request.apiKey,
    version: request.version,
    correlationId: request.correlationId,
    clientId: request.clientId,
    body,
    partitions: body && request.schema ? partitionsOf(request.schema, body) : [],
    batches: body && request.schema === PRODUCE ? batchesOf(body) : [],
  };
}

/** The topic partitions a request names. */
export function partitionsOf(schema: MessageSchema, body: Struct): Required<PartitionRef>[] {
  const out: Required<PartitionRef>[] = [];
  const topics = (list: unknown, partitionsKey: string, indexOf: (p: unknown) => number) => {
    for (const topic of (list ?? []) as Struct[]) {
      for (const p of (topic[partitionsKey] ?? []) as unknown[]) {
        out.push({ topic: topic.name as string, partition: indexOf(p) });
      }
    }
  };
  switch (schema.name) {
    case "Produce":
      topics(body.topicData, "partitionData", (p) => (p as Struct).index as number);
      break;
    case "AddPartitionsToTxn":
      topics(body.v3AndBelowTopics, "partitions", (p) => p as number);
      for (const txn of (body.transactions ?? []) as Struct[]) {
        topics(txn.topics, "partitions", (p) => p as number);
      }
      break;
    case "TxnOffsetCommit":
      topics(body.topics, "partitions", (p) => (p as Struct).partitionIndex as number);
      break;
  }
  return out;
}

/** The header of the first record batch of each partition of a Produce request. */
function batchesOf(body: Struct): BatchInfo[] {
  const out: BatchInfo[] = [];
  for (const topic of body.topicData as Struct[]) {
    for (const p of topic.partitionData as Struct[]) {
      const records = p.records as Uint8Array | null;
      if (!records || records.length < 61 || records[16] !== 2) continue; // magic v2 only
      const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
      out.push({
        topic: topic.name as string,
        partition: p.index as number,
        producerId: view.getBigInt64(43),
        producerEpoch: view.getInt16(51),
        baseSequence: view.getInt32(53),
        recordCount: view.getInt32(57),
        transactional: (view.getInt16(21) & 0x10) !== 0,
      });
    }
  }
  return out;
}

/** Every error code in a decoded response, in field order. */
function errorCodes(value: unknown, out: number[] = []): number[] {
  if (Array.isArray(value)) {
    for (const item of value) errorCodes(item, out);
  } else if (value && typeof value === "object" && !(value instanceof Uint8Array)) {
    for (const [key, field] of Object.entries(value)) {
      if (/errorCode$/i.test(key) && typeof field === "number") out.push(field);
      else errorCodes(field, out);
    }
  }
  return out;
}

/** The request without the withheld partitions' data (Produce). */
function withoutPartitions(body: Struct, withheld: Slot["withheld"]): Struct {
  const held = (topic: string, partition: number) =>
    withheld.some((w) => w.topic === topic && w.partition === partition);
  const topicData = (body.topicData as Struct[])
    .map((topic) => ({
      ...topic,
      partitionData: (topic.partitionData as Struct[]).filter((p) =>
        !held(topic.name as string, p.index as number)
      ),
    }))
    .filter((topic) => topic.partitionData.length > 0);
  return { ...body, topicData };
}

/** Adds the withheld partitions' results to a Produce response. */
function addProduceResults(body: Struct, withheld: Slot["withheld"]): void {
  const responses = body.responses as Struct[];
  for (const { topic, partition, code } of withheld) {
    let entry = responses.find((r) => r.name === topic);
    if (!entry) responses.push(entry = { name: topic, partitionResponses: [] });
    (entry.partitionResponses as Struct[]).push(producePartitionError(partition, code));
  }
}

function producePartitionError(index: number, code: number): Struct {
  return {
    index,
    errorCode: code,
    baseOffset: -1n,
    logAppendTimeMs: -1n,
    logStartOffset: -1n,
    recordErrors: [],
    errorMessage: null,
  };
}

/** A response that answers `request` with `code` everywhere it has an error. */
function errorResponse(schema: MessageSchema, request: RequestFrame, code: number): Struct {
  const body = request.body!;
  const version = request.version;
  const byTopic = (partitions: Required<PartitionRef>[]) => {
    const topics = new Map<string, number[]>();
    for (const { topic, partition } of partitions) {
      if (!topics.has(topic)) topics.set(topic, []);
      topics.get(topic)!.push(partition);
    }
    return [...topics];
  };
  const partitions = partitionsOf(schema, body);
  switch (schema.name) {
    case "Produce":
      return {
        responses: byTopic(partitions).map(([name, list]) => ({
          name,
          partitionResponses: list.map((p) => producePartitionError(p, code)),
        })),
      };
    case "Metadata":
      return {
        brokers: [],
        topics: ((body.topics ?? []) as Struct[]).map((t) => ({
          errorCode: code,
          name: t.name,
          partitions: [],
        })),
        errorCode: code,
      };
    case "ApiVersions":
      // Tells the client which ApiVersions versions it may use, as a broker does.
      return {
        errorCode: code,
        apiKeys: [{ apiKey: schema.key, minVersion: 0, maxVersion: schema.maxVersion }],
      };
    case "FindCoordinator":
      return version < 4 ? { errorCode: code, errorMessage: null, host: "" } : {
        coordinators: (body.coordinatorKeys as string[]).map((key) => ({
          key,
          host: "",
          errorCode: code,
          errorMessage: null,
        })),
      };
    case "AddPartitionsToTxn": {
      const results = (list: Required<PartitionRef>[]) =>
        byTopic(list).map(([name, ps]) => ({
          name,
          resultsByPartition: ps.map((p) => ({ partitionIndex: p, partitionErrorCode: code })),
        }));
      if (version < 4) return { resultsByTopicV3AndBelow: results(partitions) };
      return {
        errorCode: code,
        resultsByTransaction: (body.transactions as Struct[]).map((txn) => ({
          transactionalId: txn.transactionalId,
          topicResults: results(partitionsOf(schema, { v3AndBelowTopics: txn.topics })),
        })),
      };
    }
    case "TxnOffsetCommit":
      return {
        topics: byTopic(partitions).map(([name, ps]) => ({
          name,
          partitions: ps.map((p) => ({ partitionIndex: p, errorCode: code })),
        })),
      };
    case "SaslAuthenticate":
      return { errorCode: code, errorMessage: null, authBytes: new Uint8Array(0) };
    default: // InitProducerId, AddOffsetsToTxn, EndTxn: a top-level code, defaults elsewhere
      return { errorCode: code };
  }
}

/**
 * Sets `code` where `target` points in a response: one partition, one topic, or the top level.
 * With `respond` on a partition of a per-partition API, the other partitions get
 * OPERATION_NOT_ATTEMPTED.
 */
function replaceErrors(
  schema: MessageSchema,
  body: Struct,
  target: { code: number; topic?: string; partition?: number },
): void {
  const { code, topic, partition } = target;
  const topicMatches = (name: unknown) => topic === undefined || topic === name;
  const perPartition = (
    topics: unknown,
    partitionsKey: string,
    indexKey: string,
    errorKey: string,
  ) => {
    for (const t of (topics ?? []) as Struct[]) {
      for (const p of (t[partitionsKey] ?? []) as Struct[]) {
        const hit = topicMatches(t.name) && (partition === undefined || p[indexKey] === partition);
        if (hit) p[errorKey] = code;
        else if (partition !== undefined && p[errorKey] === 0 && schema !== PRODUCE) {
          p[errorKey] = OPERATION_NOT_ATTEMPTED;
        }
      }
    }
  };
  switch (schema.name) {
    case "Produce":
      for (const t of body.responses as Struct[]) {
        for (const p of t.partitionResponses as Struct[]) {
          if (topicMatches(t.name) && (partition === undefined || p.index === partition)) {
            Object.assign(p, producePartitionError(p.index as number, code));
          }
        }
      }
      break;
    case "Metadata":
      if (partition !== undefined) {
        for (const t of body.topics as Struct[]) {
          if (!topicMatches(t.name)) continue;
          for (const p of t.partitions as Struct[]) {
            if (p.partitionIndex === partition) p.errorCode = code;
          }
        }
      } else if (topic !== undefined || !("errorCode" in body)) {
        for (const t of body.topics as Struct[]) if (topicMatches(t.name)) t.errorCode = code;
      } else {
        body.errorCode = code;
      }
      break;
    case "FindCoordinator":
      if ("coordinators" in body) {
        for (const c of body.coordinators as Struct[]) c.errorCode = code;
      } else {
        body.errorCode = code;
      }
      break;
    case "AddPartitionsToTxn":
      perPartition(
        body.resultsByTopicV3AndBelow,
        "resultsByPartition",
        "partitionIndex",
        "partitionErrorCode",
      );
      for (const txn of (body.resultsByTransaction ?? []) as Struct[]) {
        perPartition(
          txn.topicResults,
          "resultsByPartition",
          "partitionIndex",
          "partitionErrorCode",
        );
      }
      break;
    case "TxnOffsetCommit":
      perPartition(body.topics, "partitions", "partitionIndex", "errorCode");
      break;
    default:
      body.errorCode = code;
  }
}

/** The schema of an API by name, for tests that build frames. */
export function schemaOf(api: ApiName): MessageSchema {
  return SCHEMAS[api];
}

export { schemaFor };
