// Reference values for keyed partitioning, computed by Kafka's own Java client code, so the
// TypeScript murmur2 / keyedPartition (src/producer/partitioner.ts) can be compared exactly.
//
// Usage (Java 17+ single-file source launcher, from the repository root):
//   java -cp 'scripts/kafka/lib/*' tests/golden/Murmur2Reference.java tests/golden/murmur2_keys.json
//
// The keys file is a JSON array; each element is a key, either a string (its UTF-8 bytes) or an
// object {"hex": "<lowercase hex>"} for bytes UTF-8 cannot produce (0xff, 0xc0, ...).
//
// Prints one JSON object to stdout, nothing else:
//   {"kafkaVersion": "4.4.0", "partitionCounts": [1, 3, 6, 7, 100],
//    "results": [{"keyHex": "...", "murmur2": <signed int>, "partitions": [...]}, ...]}
// with one result per key, in the order of the file; "partitions" has one entry per partition
// count. The hash is org.apache.kafka.common.utils.Utils.murmur2(byte[]) and each partition is
// org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey(byte[], int),
// the method the Java producer itself calls for a keyed record (both present in Kafka 4.0-4.4).

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Properties;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;

public class Murmur2Reference {
    private static final int[] PARTITION_COUNTS = {1, 3, 6, 7, 100};

    private static byte[] keyBytes(JsonNode key, int index) {
        if (key.isTextual()) return key.textValue().getBytes(StandardCharsets.UTF_8);
        if (key.isObject() && key.has("hex") && key.get("hex").isTextual()) {
            return HexFormat.of().parseHex(key.get("hex").textValue());
        }
        throw new IllegalArgumentException("key " + index + ": expected a string or {\"hex\": ...}");
    }

    private static String kafkaVersion() throws Exception {
        try (InputStream in = Utils.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            if (in == null) return "unknown";
            Properties props = new Properties();
            props.load(in);
            return props.getProperty("version", "unknown");
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: java -cp 'scripts/kafka/lib/*' Murmur2Reference.java <keys.json>");
            System.exit(2);
        }
        ObjectMapper mapper = new ObjectMapper();
        JsonNode keys = mapper.readTree(new File(args[0]));
        if (!keys.isArray()) throw new IllegalArgumentException("the keys file must hold a JSON array");

        ObjectNode out = mapper.createObjectNode();
        out.put("kafkaVersion", kafkaVersion());
        ArrayNode counts = out.putArray("partitionCounts");
        for (int n : PARTITION_COUNTS) counts.add(n);
        ArrayNode results = out.putArray("results");
        for (int i = 0; i < keys.size(); i++) {
            byte[] bytes = keyBytes(keys.get(i), i);
            ObjectNode result = results.addObject();
            result.put("keyHex", HexFormat.of().formatHex(bytes));
            result.put("murmur2", Utils.murmur2(bytes));
            ArrayNode partitions = result.putArray("partitions");
            for (int n : PARTITION_COUNTS) partitions.add(BuiltInPartitioner.partitionForKey(bytes, n));
        }
        System.out.println(mapper.writeValueAsString(out));
    }
}
