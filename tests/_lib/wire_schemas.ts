/**
 * The request and response layouts of the APIs the fault proxy (kafka_proxy.ts) reads and
 * rewrites, field by field and version by version, as Kafka's message definitions give them
 * (clients/src/main/resources/common/message/*.json in apache/kafka). wire_codec.ts decodes and
 * encodes any of them generically; a field absent from an object is written with its default.
 *
 * Versions stop where the client speaks: the proxy caps what ApiVersions advertises at these
 * maxima, so every client behind it (kafka-edge, Kafka's Java producer) stays on versions it can
 * read. Names are Kafka's, with a lower-case first letter.
 */

/** A fixed-size or length-prefixed value. `records` is a nullable byte string of record batches. */
export type ScalarType =
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "bool"
  | "string"
  | "bytes"
  | "records"
  | "uuid";

/** A field's type: a scalar, a nested structure, or an array of either. */
export type FieldType = ScalarType | { struct: readonly FieldSpec[] } | {
  array: ScalarType | { struct: readonly FieldSpec[] };
};

/** One field of a structure. Version ranges are inclusive; `max` absent means "and later". */
export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  readonly versions: VersionRange;
  /** Versions in which the value may be null (strings, bytes, arrays). */
  readonly nullable?: VersionRange;
  /** The value written when the object lacks the field (numbers; default 0). */
  readonly default?: number | bigint | boolean;
  /** A tagged field (flexible versions only) with this tag. */
  readonly tag?: number;
}

/** Inclusive version bounds. */
export interface VersionRange {
  readonly min: number;
  readonly max?: number;
}

/** One API's layouts. */
export interface MessageSchema {
  readonly name: ApiName;
  readonly key: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly firstFlexibleVersion: number;
  readonly request: readonly FieldSpec[];
  readonly response: readonly FieldSpec[];
}

/** The APIs the proxy understands. */
export type ApiName =
  | "Produce"
  | "Metadata"
  | "ApiVersions"
  | "InitProducerId"
  | "FindCoordinator"
  | "AddPartitionsToTxn"
  | "AddOffsetsToTxn"
  | "TxnOffsetCommit"
  | "EndTxn"
  | "SaslAuthenticate";

/** "3+" or "1-3" (Kafka's notation) as a range. */
function v(text: string): VersionRange {
  const plus = /^(\d+)\+$/.exec(text);
  if (plus) return { min: Number(plus[1]) };
  const span = /^(\d+)-(\d+)$/.exec(text);
  if (span) return { min: Number(span[1]), max: Number(span[2]) };
  throw new Error(`bad version range ${text}`);
}

type Options = Partial<Pick<FieldSpec, "default" | "tag">> & { nullable?: string };

function field(name: string, type: FieldType, versions = "0+", options: Options = {}): FieldSpec {
  const { nullable, ...rest } = options;
  return {
    name,
    type,
    versions: v(versions),
    ...(nullable ? { nullable: v(nullable) } : {}),
    ...rest,
  };
}

const struct = (...fields: FieldSpec[]) => ({ struct: fields });
const arrayOf = (item: ScalarType | { struct: readonly FieldSpec[] }) => ({ array: item });

/** Whether `version` falls in `range`. */
export function inRange(version: number, range: VersionRange | undefined): boolean {
  return range !== undefined && version >= range.min &&
    (range.max === undefined || version <= range.max);
}

const Produce: MessageSchema = {
  name: "Produce",
  key: 0,
  minVersion: 0,
  // v12 has v11's layout (KIP-890 part 2 changes only the broker's rules); v13 names topics by id.
  maxVersion: 13,
  firstFlexibleVersion: 9,
  request: [
    field("transactionalId", "string", "3+", { nullable: "3+" }),
    field("acks", "int16"),
    field("timeoutMs", "int32"),
    field(
      "topicData",
      arrayOf(struct(
        field("name", "string", "0-12"),
        field("topicId", "uuid", "13+"),
        field(
          "partitionData",
          arrayOf(struct(
            field("index", "int32"),
            field("records", "records", "0+", { nullable: "0+" }),
          )),
        ),
      )),
    ),
  ],
  response: [
    field(
      "responses",
      arrayOf(struct(
        field("name", "string", "0-12"),
        field("topicId", "uuid", "13+"),
        field(
          "partitionResponses",
          arrayOf(struct(
            field("index", "int32"),
            field("errorCode", "int16"),
            field("baseOffset", "int64", "0+", { default: -1n }),
            field("logAppendTimeMs", "int64", "2+", { default: -1n }),
            field("logStartOffset", "int64", "5+", { default: -1n }),
            field(
              "recordErrors",
              arrayOf(struct(
                field("batchIndex", "int32", "8+"),
                field("batchIndexErrorMessage", "string", "8+", { nullable: "8+" }),
              )),
              "8+",
            ),
            field("errorMessage", "string", "8+", { nullable: "8+" }),
            field(
              "currentLeader",
              struct(
                field("leaderId", "int32", "10+", { default: -1 }),
                field("leaderEpoch", "int32", "10+", { default: -1 }),
              ),
              "10+",
              { tag: 0 },
            ),
          )),
        ),
      )),
    ),
    field("throttleTimeMs", "int32", "1+"),
    field(
      "nodeEndpoints",
      arrayOf(struct(
        field("nodeId", "int32", "10+"),
        field("host", "string", "10+"),
        field("port", "int32", "10+"),
        field("rack", "string", "10+", { nullable: "10+" }),
      )),
      "10+",
      { tag: 0 },
    ),
  ],
};

const Metadata: MessageSchema = {
  name: "Metadata",
  key: 3,
  minVersion: 0,
  maxVersion: 13,
  firstFlexibleVersion: 9,
  request: [
    field(
      "topics",
      arrayOf(struct(
        field("topicId", "uuid", "10+"),
        field("name", "string", "0+", { nullable: "10+" }),
      )),
      "0+",
      { nullable: "1+" },
    ),
    field("allowAutoTopicCreation", "bool", "4+", { default: true }),
    field("includeClusterAuthorizedOperations", "bool", "8-10"),
    field("includeTopicAuthorizedOperations", "bool", "8+"),
  ],
  response: [
    field("throttleTimeMs", "int32", "3+"),
    field(
      "brokers",
      arrayOf(struct(
        field("nodeId", "int32"),
        field("host", "string"),
        field("port", "int32"),
        field("rack", "string", "1+", { nullable: "1+" }),
      )),
    ),
    field("clusterId", "string", "2+", { nullable: "2+" }),
    field("controllerId", "int32", "1+", { default: -1 }),
    field(
      "topics",
      arrayOf(struct(
        field("errorCode", "int16"),
        field("name", "string", "0+", { nullable: "12+" }),
        field("topicId", "uuid", "10+"),
        field("isInternal", "bool", "1+"),
        field(
          "partitions",
          arrayOf(struct(
            field("errorCode", "int16"),
            field("partitionIndex", "int32"),
            field("leaderId", "int32"),
            field("leaderEpoch", "int32", "7+", { default: -1 }),
            field("replicaNodes", arrayOf("int32")),
            field("isrNodes", arrayOf("int32")),
            field("offlineReplicas", arrayOf("int32"), "5+"),
          )),
        ),
        field("topicAuthorizedOperations", "int32", "8+", { default: -2147483648 }),
      )),
    ),
    field("clusterAuthorizedOperations", "int32", "8-10", { default: -2147483648 }),
    // KIP-1102: a top-level error (REBOOTSTRAP_REQUIRED) for the whole response.
    field("errorCode", "int16", "13+"),
  ],
};

const ApiVersions: MessageSchema = {
  name: "ApiVersions",
  key: 18,
  minVersion: 0,
  maxVersion: 4,
  firstFlexibleVersion: 3,
  request: [
    field("clientSoftwareName", "string", "3+"),
    field("clientSoftwareVersion", "string", "3+"),
  ],
  response: [
    field("errorCode", "int16"),
    field(
      "apiKeys",
      arrayOf(struct(
        field("apiKey", "int16"),
        field("minVersion", "int16"),
        field("maxVersion", "int16"),
      )),
    ),
    field("throttleTimeMs", "int32", "1+"),
    field(
      "supportedFeatures",
      arrayOf(struct(
        field("name", "string", "3+"),
        field("minVersion", "int16", "3+"),
        field("maxVersion", "int16", "3+"),
      )),
      "3+",
      { tag: 0 },
    ),
    field("finalizedFeaturesEpoch", "int64", "3+", { tag: 1, default: -1n }),
    field(
      "finalizedFeatures",
      arrayOf(struct(
        field("name", "string", "3+"),
        field("maxVersionLevel", "int16", "3+"),
        field("minVersionLevel", "int16", "3+"),
      )),
      "3+",
      { tag: 2 },
    ),
    field("zkMigrationReady", "bool", "3+", { tag: 3 }),
  ],
};

const InitProducerId: MessageSchema = {
  name: "InitProducerId",
  key: 22,
  minVersion: 0,
  // v6 (KIP-939, two-phase commit) adds fields no producer here uses.
  maxVersion: 5,
  firstFlexibleVersion: 2,
  request: [
    field("transactionalId", "string", "0+", { nullable: "0+" }),
    field("transactionTimeoutMs", "int32"),
    field("producerId", "int64", "3+", { default: -1n }),
    field("producerEpoch", "int16", "3+", { default: -1 }),
  ],
  response: [
    field("throttleTimeMs", "int32"),
    field("errorCode", "int16"),
    field("producerId", "int64", "0+", { default: -1n }),
    field("producerEpoch", "int16", "0+", { default: -1 }),
  ],
};

const FindCoordinator: MessageSchema = {
  name: "FindCoordinator",
  key: 10,
  minVersion: 0,
  maxVersion: 6,
  firstFlexibleVersion: 3,
  request: [
    field("key", "string", "0-3"),
    field("keyType", "int8", "1+"),
    field("coordinatorKeys", arrayOf("string"), "4+"),
  ],
  response: [
    field("throttleTimeMs", "int32", "1+"),
    field("errorCode", "int16", "0-3"),
    field("errorMessage", "string", "1-3", { nullable: "1-3" }),
    field("nodeId", "int32", "0-3", { default: -1 }),
    field("host", "string", "0-3"),
    field("port", "int32", "0-3", { default: -1 }),
    field(
      "coordinators",
      arrayOf(struct(
        field("key", "string", "4+"),
        field("nodeId", "int32", "4+", { default: -1 }),
        field("host", "string", "4+"),
        field("port", "int32", "4+", { default: -1 }),
        field("errorCode", "int16", "4+"),
        field("errorMessage", "string", "4+", { nullable: "4+" }),
      )),
      "4+",
    ),
  ],
};

const addPartitionsTopic = struct(
  field("name", "string"),
  field("partitions", arrayOf("int32")),
);
const addPartitionsTopicResult = struct(
  field("name", "string"),
  field(
    "resultsByPartition",
    arrayOf(struct(
      field("partitionIndex", "int32"),
      field("partitionErrorCode", "int16"),
    )),
  ),
);

const AddPartitionsToTxn: MessageSchema = {
  name: "AddPartitionsToTxn",
  key: 24,
  minVersion: 0,
  // v4+ batch transactions for brokers verifying on behalf of a partition leader.
  maxVersion: 5,
  firstFlexibleVersion: 3,
  request: [
    field(
      "transactions",
      arrayOf(struct(
        field("transactionalId", "string", "4+"),
        field("producerId", "int64", "4+"),
        field("producerEpoch", "int16", "4+"),
        field("verifyOnly", "bool", "4+"),
        field("topics", arrayOf(addPartitionsTopic), "4+"),
      )),
      "4+",
    ),
    field("v3AndBelowTransactionalId", "string", "0-3"),
    field("v3AndBelowProducerId", "int64", "0-3"),
    field("v3AndBelowProducerEpoch", "int16", "0-3"),
    field("v3AndBelowTopics", arrayOf(addPartitionsTopic), "0-3"),
  ],
  response: [
    field("throttleTimeMs", "int32"),
    field("errorCode", "int16", "4+"),
    field(
      "resultsByTransaction",
      arrayOf(struct(
        field("transactionalId", "string", "4+"),
        field("topicResults", arrayOf(addPartitionsTopicResult), "4+"),
      )),
      "4+",
    ),
    field("resultsByTopicV3AndBelow", arrayOf(addPartitionsTopicResult), "0-3"),
  ],
};

const AddOffsetsToTxn: MessageSchema = {
  name: "AddOffsetsToTxn",
  key: 25,
  minVersion: 0,
  maxVersion: 4,
  firstFlexibleVersion: 3,
  request: [
    field("transactionalId", "string"),
    field("producerId", "int64"),
    field("producerEpoch", "int16"),
    field("groupId", "string"),
  ],
  response: [
    field("throttleTimeMs", "int32"),
    field("errorCode", "int16"),
  ],
};

const TxnOffsetCommit: MessageSchema = {
  name: "TxnOffsetCommit",
  key: 28,
  minVersion: 0,
  // v5 has v4's layout; v6 names topics by id.
  maxVersion: 5,
  firstFlexibleVersion: 3,
  request: [
    field("transactionalId", "string"),
    field("groupId", "string"),
    field("producerId", "int64"),
    field("producerEpoch", "int16"),
    field("generationId", "int32", "3+", { default: -1 }),
    field("memberId", "string", "3+"),
    field("groupInstanceId", "string", "3+", { nullable: "3+" }),
    field(
      "topics",
      arrayOf(struct(
        field("name", "string"),
        field(
          "partitions",
          arrayOf(struct(
            field("partitionIndex", "int32"),
            field("committedOffset", "int64"),
            field("committedLeaderEpoch", "int32", "2+", { default: -1 }),
            field("committedMetadata", "string", "0+", { nullable: "0+" }),
          )),
        ),
      )),
    ),
  ],
  response: [
    field("throttleTimeMs", "int32"),
    field(
      "topics",
      arrayOf(struct(
        field("name", "string"),
        field(
          "partitions",
          arrayOf(struct(
            field("partitionIndex", "int32"),
            field("errorCode", "int16"),
          )),
        ),
      )),
    ),
  ],
};

const EndTxn: MessageSchema = {
  name: "EndTxn",
  key: 26,
  minVersion: 0,
  maxVersion: 5,
  firstFlexibleVersion: 3,
  request: [
    field("transactionalId", "string"),
    field("producerId", "int64"),
    field("producerEpoch", "int16"),
    field("committed", "bool"),
  ],
  response: [
    field("throttleTimeMs", "int32"),
    field("errorCode", "int16"),
    field("producerId", "int64", "5+", { default: -1n }),
    field("producerEpoch", "int16", "5+", { default: -1 }),
  ],
};

const SaslAuthenticate: MessageSchema = {
  name: "SaslAuthenticate",
  key: 36,
  minVersion: 0,
  maxVersion: 2,
  firstFlexibleVersion: 2,
  request: [field("authBytes", "bytes")],
  response: [
    field("errorCode", "int16"),
    field("errorMessage", "string", "0+", { nullable: "0+" }),
    field("authBytes", "bytes"),
    field("sessionLifetimeMs", "int64", "1+"),
  ],
};

/** Every API the proxy reads, by name. */
export const SCHEMAS: Readonly<Record<ApiName, MessageSchema>> = {
  Produce,
  Metadata,
  ApiVersions,
  InitProducerId,
  FindCoordinator,
  AddPartitionsToTxn,
  AddOffsetsToTxn,
  TxnOffsetCommit,
  EndTxn,
  SaslAuthenticate,
};

/** The same, by API key. */
export const SCHEMAS_BY_KEY: ReadonlyMap<number, MessageSchema> = new Map(
  Object.values(SCHEMAS).map((schema) => [schema.key, schema]),
);
