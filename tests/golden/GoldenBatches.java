// Reference encoder for Kafka RecordBatch v2 (magic 2), built with Kafka's own
// MemoryRecordsBuilder, so the TypeScript encoder can be compared byte-for-byte.
//
// Usage (Java 17+ single-file source launcher):
//   java -cp 'scripts/kafka/lib/*' tests/golden/GoldenBatches.java tests/golden/cases.json
//
// Prints one JSON object to stdout: {"<case name>": "<lowercase hex of the batch>", ...}
// in the order of the cases. Nothing else is written to stdout.
//
// The record classes (MemoryRecords, MemoryRecordsBuilder, RecordBatch) live in
// org.apache.kafka.common.record up to Kafka 4.2 and in
// org.apache.kafka.common.record.internal from 4.3 on, so they are looked up by
// name below; every other Kafka type used here has the same package in all 4.x.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;

public class GoldenBatches {
    private static final String[] RECORD_PACKAGES = {
        "org.apache.kafka.common.record.internal", // Kafka 4.3+
        "org.apache.kafka.common.record",          // Kafka 4.0 - 4.2
    };

    private static Class<?> recordClass(String simpleName) throws ClassNotFoundException {
        for (String pkg : RECORD_PACKAGES) {
            try {
                return Class.forName(pkg + "." + simpleName);
            } catch (ClassNotFoundException e) {
                // try the next package
            }
        }
        throw new ClassNotFoundException(simpleName + " not found in " + String.join(", ", RECORD_PACKAGES));
    }

    private static byte[] utf8OrNull(JsonNode node, String what) {
        if (node == null) throw new IllegalArgumentException("missing field: " + what);
        if (node.isNull()) return null;
        if (!node.isTextual()) throw new IllegalArgumentException(what + " must be a string or null");
        return node.textValue().getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode required(JsonNode obj, String field, String where) {
        JsonNode n = obj.get(field);
        if (n == null) throw new IllegalArgumentException(where + ": missing field '" + field + "'");
        return n;
    }

    private static long longField(JsonNode obj, String field, String where) {
        JsonNode n = required(obj, field, where);
        if (!n.isIntegralNumber() || !n.canConvertToLong())
            throw new IllegalArgumentException(where + ": '" + field + "' must be an integer");
        return n.longValue();
    }

    private static int intField(JsonNode obj, String field, String where) {
        long v = longField(obj, field, where);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)
            throw new IllegalArgumentException(where + ": '" + field + "' out of int32 range");
        return (int) v;
    }

    private static short shortField(JsonNode obj, String field, String where) {
        long v = longField(obj, field, where);
        if (v < Short.MIN_VALUE || v > Short.MAX_VALUE)
            throw new IllegalArgumentException(where + ": '" + field + "' out of int16 range");
        return (short) v;
    }

    private static String hex(ByteBuffer buf) {
        ByteBuffer b = buf.duplicate();
        StringBuilder sb = new StringBuilder(b.remaining() * 2);
        while (b.hasRemaining()) {
            int v = b.get() & 0xff;
            sb.append(Character.forDigit(v >>> 4, 16)).append(Character.forDigit(v & 0xf, 16));
        }
        return sb.toString();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: java -cp 'scripts/kafka/lib/*' tests/golden/GoldenBatches.java tests/golden/cases.json");
            System.exit(2);
        }

        Class<?> memoryRecords = recordClass("MemoryRecords");
        Class<?> builderClass = recordClass("MemoryRecordsBuilder");
        Class<?> recordBatch = recordClass("RecordBatch");
        byte magicV2 = recordBatch.getField("MAGIC_VALUE_V2").getByte(null);
        long noTimestamp = recordBatch.getField("NO_TIMESTAMP").getLong(null);

        // builder(ByteBuffer, byte magic, Compression, TimestampType, long baseOffset,
        //         long logAppendTime, long producerId, short producerEpoch, int baseSequence,
        //         boolean isTransactional, int partitionLeaderEpoch)
        Method builderFactory = memoryRecords.getMethod("builder",
            ByteBuffer.class, byte.class, Compression.class, TimestampType.class, long.class,
            long.class, long.class, short.class, int.class, boolean.class, int.class);
        Method appendWithOffset = builderClass.getMethod("appendWithOffset",
            long.class, long.class, byte[].class, byte[].class, Header[].class);
        Method build = builderClass.getMethod("build");
        Method buffer = memoryRecords.getMethod("buffer");

        ObjectMapper mapper = new ObjectMapper();
        JsonNode cases = mapper.readTree(new File(args[0]));
        if (!cases.isArray()) throw new IllegalArgumentException("cases file must hold a JSON array");

        ObjectNode out = mapper.createObjectNode();
        Set<String> names = new HashSet<>();
        for (JsonNode c : cases) {
            String name = required(c, "name", "case").asText();
            if (!names.add(name)) throw new IllegalArgumentException("duplicate case name: " + name);

            long baseOffset = longField(c, "baseOffset", name);
            int partitionLeaderEpoch = intField(c, "partitionLeaderEpoch", name);
            long producerId = longField(c, "producerId", name);
            short producerEpoch = shortField(c, "producerEpoch", name);
            int baseSequence = intField(c, "baseSequence", name);
            JsonNode txn = required(c, "transactional", name);
            if (!txn.isBoolean()) throw new IllegalArgumentException(name + ": 'transactional' must be a boolean");
            JsonNode records = required(c, "records", name);
            if (!records.isArray() || records.size() == 0)
                throw new IllegalArgumentException(name + ": 'records' must be a non-empty array");

            Object builder;
            try {
                builder = builderFactory.invoke(null, ByteBuffer.allocate(1024), magicV2, Compression.NONE,
                    TimestampType.CREATE_TIME, baseOffset, noTimestamp, producerId, producerEpoch,
                    baseSequence, txn.booleanValue(), partitionLeaderEpoch);
                for (int i = 0; i < records.size(); i++) {
                    JsonNode r = records.get(i);
                    String where = name + " record " + i;
                    long timestamp = longField(r, "timestamp", where);
                    byte[] key = utf8OrNull(r.get("key"), where + " key");
                    byte[] value = utf8OrNull(r.get("value"), where + " value");
                    JsonNode hs = required(r, "headers", where);
                    if (!hs.isArray()) throw new IllegalArgumentException(where + ": 'headers' must be an array");
                    Header[] headers = new Header[hs.size()];
                    for (int h = 0; h < hs.size(); h++) {
                        JsonNode pair = hs.get(h);
                        if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isTextual())
                            throw new IllegalArgumentException(where + " header " + h + ": expected [name, value-or-null]");
                        headers[h] = new RecordHeader(pair.get(0).textValue(),
                            utf8OrNull(pair.get(1), where + " header " + h + " value"));
                    }
                    appendWithOffset.invoke(builder, baseOffset + i, timestamp, key, value, headers);
                }
                Object built = build.invoke(builder);
                out.put(name, hex((ByteBuffer) buffer.invoke(built)));
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new RuntimeException("case '" + name + "': " + cause, cause);
            }
        }

        System.out.println(mapper.writeValueAsString(out));
    }
}
