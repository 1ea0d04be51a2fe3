/*
 * bench/compare driver for Kafka's Java producer: the same command line, send loop, window and
 * result line as the JavaScript drivers (see _workload.ts), so that Java is timed and charged the
 * same way. ProducerPerformance is not used: its clock starts with its warm-up records still
 * queued and stops after close(), and it cannot measure CPU inside a window.
 *
 * One send() per record (as ProducerPerformance), at most --max-outstanding unacknowledged
 * (a semaphore; the producer's own buffer.memory blocks send() as well). CPU is the process's
 * (every thread: sender, GC, JIT) over the window, from OperatingSystemMXBean.
 *
 * Compiled by bench/compare/compare.ts with javac against scripts/kafka/lib.
 */

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class JavaProducer {
  private final Map<String, String> options;
  private final byte[][] payload;
  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;
  private final Semaphore outstanding;
  private final AtomicLong acked = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private volatile String firstError;
  private volatile long lastAckNanos;
  private long submitted;
  /** Latencies (ms) of the counted records of a fixed-rate run, written by the callbacks. */
  private float[] latencies = new float[0];
  private int latencyCount;

  private JavaProducer(Map<String, String> options) throws Exception {
    this.options = options;
    this.payload = readPayload(Path.of(options.get("payload")));
    this.topic = options.get("topic");
    this.outstanding = new Semaphore(Integer.parseInt(options.getOrDefault("max-outstanding", "65536")));
    this.producer = new KafkaProducer<>(config());
  }

  Properties config() {
    Properties props = new Properties();
    props.put("bootstrap.servers", options.get("bootstrap"));
    props.put("key.serializer", ByteArraySerializer.class.getName());
    props.put("value.serializer", ByteArraySerializer.class.getName());
    props.put("acks", options.getOrDefault("acks", "all"));
    props.put("compression.type", options.getOrDefault("compression", "none"));
    if (options.containsKey("idempotence")) props.put("enable.idempotence", options.get("idempotence"));
    if (options.containsKey("batch-bytes")) props.put("batch.size", options.get("batch-bytes"));
    if (options.containsKey("buffer-bytes")) props.put("buffer.memory", options.get("buffer-bytes"));
    if (options.containsKey("linger")) props.put("linger.ms", options.get("linger"));
    return props;
  }

  String settings() {
    List<String> parts = new ArrayList<>();
    for (String[] p : new String[][] {{"idempotence", "enable.idempotence"}, {"batch-bytes", "batch.size"},
        {"buffer-bytes", "buffer.memory"}, {"linger", "linger.ms"}}) {
      if (options.containsKey(p[0])) parts.add(p[1] + " " + options.get(p[0]));
    }
    return parts.isEmpty() ? "defaults" : String.join(", ", parts);
  }

  static byte[][] readPayload(Path file) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    List<byte[]> records = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] != '\n') continue;
      records.add(Arrays.copyOfRange(bytes, start, i));
      start = i + 1;
    }
    return records.toArray(new byte[0][]);
  }

  private void send(long index, Callback callback) throws InterruptedException {
    outstanding.acquire();
    producer.send(new ProducerRecord<>(topic, payload[(int) (index % payload.length)]), callback);
  }

  private void onAck(Exception error) {
    if (error != null) {
      failed.incrementAndGet();
      if (firstError == null) firstError = error.toString();
    }
    lastAckNanos = System.nanoTime();
    outstanding.release();
    acked.incrementAndGet();
  }

  private final Callback plainCallback = (metadata, error) -> onAck(error);

  /** Full speed until `untilNanos`, one send() per record. */
  private void fullSpeed(long untilNanos) throws InterruptedException {
    int chunk = Integer.parseInt(options.getOrDefault("chunk", "1000"));
    while (System.nanoTime() < untilNanos) {
      for (int i = 0; i < chunk; i++) send(submitted++, plainCallback);
    }
  }

  /**
   * At `rate` records/s until `untilNanos`, at most --max-outstanding unacknowledged (the
   * semaphore); latencies from each record's due time when `keep` (see _workload.ts).
   */
  private void fixedRate(double rate, long untilNanos, boolean keep) throws InterruptedException {
    long started = System.nanoTime();
    long base = submitted;
    long last = base + (long) ((untilNanos - started) / 1e9 * rate);
    while (submitted < last) {
      long now = System.nanoTime();
      long due = Math.min(last, base + (long) ((now - started) / 1e9 * rate));
      while (submitted < due) {
        long dueNanos = started + (long) ((submitted - base) / rate * 1e9);
        Callback callback = keep
            ? (metadata, error) -> {
              if (latencyCount < latencies.length) {
                latencies[latencyCount++] = (System.nanoTime() - dueNanos) / 1e6f;
              }
              onAck(error);
            }
            : plainCallback;
        send(submitted++, callback);
      }
      LockSupport.parkNanos(1_000_000);
    }
  }

  private void awaitAcked() {
    while (acked.get() < submitted) LockSupport.parkNanos(200_000);
  }

  private double metric(String name) {
    for (Map.Entry<MetricName, ? extends Metric> e : producer.metrics().entrySet()) {
      if (e.getKey().name().equals(name) && e.getKey().group().equals("producer-metrics")) {
        Object value = e.getValue().metricValue();
        if (value instanceof Double) return (Double) value;
      }
    }
    return Double.NaN;
  }

  static double peakRssMiB() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
    }
    return Double.NaN;
  }

  String run() throws Exception {
    double seconds = Double.parseDouble(options.getOrDefault("seconds", "5"));
    double warmupSeconds = Double.parseDouble(options.getOrDefault("warmup-seconds", "1"));
    double rate = Double.parseDouble(options.getOrDefault("rate", "0"));
    int size = payload[0].length;

    // Allocated before the first send, so the producer's thread sees it.
    if (rate > 0) latencies = new float[(int) Math.ceil(rate * (seconds + 1))];
    long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    if (rate > 0) fixedRate(rate, warmupEnd, false);
    else fullSpeed(warmupEnd);
    awaitAcked();

    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long firstCounted = submitted;
    long cpuStart = os.getProcessCpuTime();
    long started = System.nanoTime();
    long windowEnd = started + (long) (seconds * 1e9);
    if (rate > 0) fixedRate(rate, windowEnd, true);
    else fullSpeed(windowEnd);
    awaitAcked();
    long cpu = os.getProcessCpuTime() - cpuStart;
    double elapsed = (lastAckNanos - started) / 1e9;
    double peakRss = peakRssMiB();
    double batchBytes = metric("batch-size-avg") / metric("compression-rate-avg");
    long counted = submitted - firstCounted;
    producer.close();

    double cpuSeconds = cpu / 1e9;
    StringBuilder json = new StringBuilder("{\"client\":\"Java producer\"");
    json.append(",\"runtime\":\"java ").append(System.getProperty("java.version")).append('"');
    json.append(",\"settings\":\"").append(settings()).append('"');
    json.append(",\"records\":").append(counted);
    json.append(",\"seconds\":").append(elapsed);
    json.append(",\"recordsPerSecond\":").append(counted / elapsed);
    json.append(",\"mbPerSecond\":").append(counted * (double) size / elapsed / 1e6);
    json.append(",\"cpuSeconds\":").append(cpuSeconds);
    json.append(",\"cpuMicrosPerRecord\":").append(cpuSeconds / counted * 1e6);
    json.append(",\"peakRssMiB\":").append(peakRss);
    if (Double.isFinite(batchBytes)) json.append(",\"batchBytes\":").append(batchBytes);
    json.append(",\"failed\":").append(failed.get());
    if (firstError != null) {
      json.append(",\"firstError\":\"").append(firstError.replace("\\", "\\\\").replace("\"", "'")).append('"');
    }
    json.append(",\"rate\":").append(rate);
    if (rate > 0 && latencyCount > 0) {
      float[] sorted = Arrays.copyOf(latencies, latencyCount);
      Arrays.sort(sorted);
      json.append(",\"p50Ms\":").append(sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.5))]);
      json.append(",\"p99Ms\":").append(sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))]);
    }
    return json.append('}').toString();
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    System.out.println(new JavaProducer(options).run());
    System.exit(0);
  }
}
