import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;
import org.apache.kafka.server.telemetry.ClientTelemetryContext;
import org.apache.kafka.server.telemetry.ClientTelemetryExporter;
import org.apache.kafka.server.telemetry.ClientTelemetryExporterProvider;
import org.apache.kafka.server.telemetry.ClientTelemetryPayload;
import org.apache.kafka.shaded.io.opentelemetry.proto.common.v1.KeyValue;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.Metric;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.MetricsData;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.ScopeMetrics;

/**
 * A broker-side client-telemetry receiver for kafka-edge's tests (Kafka 4.2+ API, KIP-714 and
 * KIP-1217): each push a client makes is parsed with the OTLP protobuf classes Kafka ships and
 * appended to a file as one JSON line: the client id, instance id, terminating flag, content type,
 * push interval, resource attributes and every metric with its kind, value, temporality and
 * times. A payload that does not parse is written as {"error": ...}.
 *
 * Broker config: metric.reporters=TelemetryReceiver, kafka.edge.telemetry.file=PATH. scripts/test.sh
 * compiles it against scripts/kafka/lib and starts the broker with it on the classpath.
 */
public class TelemetryReceiver implements MetricsReporter, ClientTelemetryExporterProvider {
    private Path file;

    @Override
    public void configure(Map<String, ?> configs) {
        Object path = configs.get("kafka.edge.telemetry.file");
        if (path == null) throw new IllegalArgumentException("kafka.edge.telemetry.file is not set");
        file = Paths.get(path.toString());
    }

    @Override
    public void init(List<KafkaMetric> metrics) {}

    @Override
    public void metricChange(KafkaMetric metric) {}

    @Override
    public void metricRemoval(KafkaMetric metric) {}

    @Override
    public void close() {}

    @Override
    public ClientTelemetryExporter clientTelemetryExporter() {
        return this::export;
    }

    private synchronized void export(ClientTelemetryContext context, ClientTelemetryPayload payload) {
        StringBuilder json = new StringBuilder();
        try {
            MetricsData data = MetricsData.parseFrom(payload.data());
            json.append("{\"clientId\":").append(quote(context.authorizableRequestContext().clientId()))
                .append(",\"clientInstanceId\":").append(quote(payload.clientInstanceId().toString()))
                .append(",\"terminating\":").append(payload.isTerminating())
                .append(",\"contentType\":").append(quote(payload.contentType()))
                .append(",\"pushIntervalMs\":").append(context.pushIntervalMs())
                .append(",\"resource\":{");
            String separator = "";
            for (ResourceMetrics resourceMetrics : data.getResourceMetricsList()) {
                for (KeyValue attribute : resourceMetrics.getResource().getAttributesList()) {
                    json.append(separator).append(quote(attribute.getKey())).append(':')
                        .append(quote(attribute.getValue().getStringValue()));
                    separator = ",";
                }
            }
            json.append("},\"metrics\":[");
            separator = "";
            for (ResourceMetrics resourceMetrics : data.getResourceMetricsList()) {
                for (ScopeMetrics scopeMetrics : resourceMetrics.getScopeMetricsList()) {
                    for (Metric metric : scopeMetrics.getMetricsList()) {
                        json.append(separator);
                        appendMetric(json, metric);
                        separator = ",";
                    }
                }
            }
            json.append("]}");
        } catch (Exception e) {
            json.setLength(0);
            json.append("{\"error\":").append(quote(e.toString())).append('}');
        }
        json.append('\n');
        try {
            Files.write(file, json.toString().getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new RuntimeException("cannot write " + file, e);
        }
    }

    private static void appendMetric(StringBuilder json, Metric metric) {
        NumberDataPoint point;
        String kind;
        String temporality = null;
        Boolean monotonic = null;
        if (metric.hasGauge()) {
            kind = "gauge";
            point = metric.getGauge().getDataPoints(0);
        } else if (metric.hasSum()) {
            kind = "sum";
            point = metric.getSum().getDataPoints(0);
            temporality = metric.getSum().getAggregationTemporality().name();
            monotonic = metric.getSum().getIsMonotonic();
        } else {
            throw new IllegalArgumentException("unexpected metric type: " + metric);
        }
        String value = point.hasAsDouble() ? Double.toString(point.getAsDouble())
            : Long.toString(point.getAsInt());
        json.append("{\"name\":").append(quote(metric.getName()))
            .append(",\"kind\":").append(quote(kind))
            .append(",\"points\":").append(kind.equals("gauge")
                ? metric.getGauge().getDataPointsCount() : metric.getSum().getDataPointsCount())
            .append(",\"value\":").append(quote(value))
            .append(",\"startTimeUnixNano\":").append(quote(Long.toUnsignedString(point.getStartTimeUnixNano())))
            .append(",\"timeUnixNano\":").append(quote(Long.toUnsignedString(point.getTimeUnixNano())));
        if (temporality != null) {
            json.append(",\"temporality\":").append(quote(temporality))
                .append(",\"monotonic\":").append(monotonic);
        }
        json.append('}');
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') out.append('\\').append(c);
            else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
        }
        return out.append('"').toString();
    }
}
