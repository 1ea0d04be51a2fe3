/**
 * OpenTelemetry's MetricsData (opentelemetry/proto/metrics/v1/metrics.proto) in protobuf, encoded
 * by hand for PushTelemetry (KIP-714): one resource with its attributes, one scope, and per
 * metric one data point, a gauge or a sum, its value a double. That is all a client's push
 * needs, and a few dozen lines instead of a protobuf library.
 *
 * @module
 */

/** How a sum's points relate to each other (OTLP's AggregationTemporality). */
export type Temporality = "delta" | "cumulative";

/** One metric with a single data point. */
export interface OtlpMetric {
  name: string;
  /** A gauge (a value now), or a monotonic sum (a count). */
  kind: "gauge" | "sum";
  value: number;
  /** When the value was read, ns since the epoch. */
  timeUnixNano: bigint;
  /** Sums: since when they count, ns since the epoch. */
  startTimeUnixNano?: bigint;
  /** Sums: deltas since the last push, or cumulative since the start. */
  temporality?: Temporality;
}

/** A MetricsData message: the metrics of one resource (the client instance). */
export interface OtlpMetricsData {
  /** The resource's string attributes, e.g. transactional_id. */
  resourceAttributes: readonly (readonly [string, string])[];
  metrics: readonly OtlpMetric[];
}

// Field numbers of the .proto files, and protobuf wire types.
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const TEMPORALITY = { delta: 1, cumulative: 2 } as const;

const encoder = new TextEncoder();

/** Builds one protobuf message; nested messages are built first and added as bytes. */
class ProtoWriter {
  readonly #parts: Uint8Array[] = [];
  #length = 0;

  #push(bytes: Uint8Array): void {
    this.#parts.push(bytes);
    this.#length += bytes.length;
  }

  #varint(value: number): void {
    const bytes: number[] = [];
    while (value > 0x7f) {
      bytes.push((value & 0x7f) | 0x80);
      value = Math.floor(value / 128);
    }
    bytes.push(value);
    this.#push(Uint8Array.from(bytes));
  }

  #tag(field: number, wireType: number): void {
    this.#varint(field * 8 + wireType);
  }

  uint(field: number, value: number): this {
    this.#tag(field, VARINT);
    this.#varint(value);
    return this;
  }

  fixed64(field: number, value: bigint): this {
    this.#tag(field, FIXED64);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
    this.#push(bytes);
    return this;
  }

  double(field: number, value: number): this {
    this.#tag(field, FIXED64);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    this.#push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, LENGTH_DELIMITED);
    this.#varint(value.length);
    this.#push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, encoder.encode(value));
  }

  message(field: number, message: ProtoWriter): this {
    return this.bytes(field, message.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let pos = 0;
    for (const part of this.#parts) {
      out.set(part, pos);
      pos += part.length;
    }
    return out;
  }
}

/** KeyValue { key = 1; value = 2: AnyValue { string_value = 1 } }. */
function keyValue(key: string, value: string): ProtoWriter {
  return new ProtoWriter().string(1, key).message(2, new ProtoWriter().string(1, value));
}

/** Metric { name = 1; gauge = 5 | sum = 7 }, with one NumberDataPoint. */
function metric(m: OtlpMetric): ProtoWriter {
  // NumberDataPoint { start_time_unix_nano = 2; time_unix_nano = 3; as_double = 4 }
  const point = new ProtoWriter();
  if (m.startTimeUnixNano !== undefined) point.fixed64(2, m.startTimeUnixNano);
  point.fixed64(3, m.timeUnixNano).double(4, m.value);
  const out = new ProtoWriter().string(1, m.name);
  if (m.kind === "gauge") {
    return out.message(5, new ProtoWriter().message(1, point)); // Gauge { data_points = 1 }
  }
  // Sum { data_points = 1; aggregation_temporality = 2; is_monotonic = 3 }
  const sum = new ProtoWriter().message(1, point)
    .uint(2, TEMPORALITY[m.temporality ?? "cumulative"]).uint(3, 1);
  return out.message(7, sum);
}

/**
 * MetricsData { resource_metrics = 1: ResourceMetrics { resource = 1: Resource { attributes = 1 };
 * scope_metrics = 2: ScopeMetrics { metrics = 2 } } }.
 */
export function encodeMetricsData(data: OtlpMetricsData): Uint8Array {
  const resource = new ProtoWriter();
  for (const [key, value] of data.resourceAttributes) resource.message(1, keyValue(key, value));
  const scope = new ProtoWriter();
  for (const m of data.metrics) scope.message(2, metric(m));
  const resourceMetrics = new ProtoWriter().message(1, resource).message(2, scope);
  return new ProtoWriter().message(1, resourceMetrics).finish();
}
