// Reads record batches with Kafka's own Java client code. First prints the compression level
// bounds of Kafka's CompressionType: {"levels":{"gzip":[min,max,default],...}}. Then, for each
// line of stdin (the lowercase
// hex of one record batch, as our producer closed it), checks the CRC (ensureValid), names the
// compression type and decompresses the records with Kafka's codecs (lz4-java, snappy-java,
// zstd-jni, java.util.zip), printing one JSON object per batch:
//   {"compression":"lz4","records":[{"offset":0,"timestamp":1,"key":"<hex>"|null,
//     "value":"<hex>"|null,"headers":[["<hex>","<hex>"|null],...]},...]}
//
// Usage (Java 17+ single-file source launcher, Kafka 4.3+ jars):
//   java -cp 'scripts/kafka/lib/*' tests/golden/ReadBatches.java < batches.hex

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;

public class ReadBatches {
    private static final HexFormat HEX = HexFormat.of();

    private static String hexOrNull(ByteBuffer buffer) {
        if (buffer == null) return null;
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return HEX.formatHex(bytes);
    }

    public static void main(String[] args) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode levels = mapper.createObjectNode();
        for (CompressionType type : new CompressionType[] {CompressionType.GZIP, CompressionType.LZ4, CompressionType.ZSTD}) {
            levels.putArray(type.name).add(type.minLevel()).add(type.maxLevel()).add(type.defaultLevel());
        }
        System.out.println(mapper.writeValueAsString(mapper.createObjectNode().set("levels", levels)));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            MemoryRecords records = MemoryRecords.readableRecords(ByteBuffer.wrap(HEX.parseHex(line.trim())));
            for (MutableRecordBatch batch : records.batches()) {
                batch.ensureValid();
                ObjectNode out = mapper.createObjectNode();
                out.put("compression", batch.compressionType().name);
                ArrayNode list = out.putArray("records");
                for (Record record : batch) {
                    ObjectNode r = list.addObject();
                    r.put("offset", record.offset());
                    r.put("timestamp", record.timestamp());
                    r.put("key", hexOrNull(record.key()));
                    r.put("value", hexOrNull(record.value()));
                    ArrayNode headers = r.putArray("headers");
                    for (Header header : record.headers()) {
                        ArrayNode h = headers.addArray();
                        h.add(HEX.formatHex(header.key().getBytes(StandardCharsets.UTF_8)));
                        h.add(header.value() == null ? null : HEX.formatHex(header.value()));
                    }
                }
                System.out.println(mapper.writeValueAsString(out));
            }
        }
    }
}
