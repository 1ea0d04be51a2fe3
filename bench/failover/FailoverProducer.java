import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The Java producer's side of bench/failover.ts: sends PER_SECOND records (value = sequence
 * number, record i to partition i % PARTITIONS) to TOPIC with the client's defaults (acks all,
 * idempotence, linger 5 ms), until its stdin closes, and prints "ack PARTITION EPOCH_MS" (or
 * "error PARTITION MESSAGE") for each record as its callback runs.
 *
 * Usage: java FailoverProducer BOOTSTRAP TOPIC PER_SECOND PARTITIONS
 */
public class FailoverProducer {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    props.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    String topic = args[1];
    int perSecond = Integer.parseInt(args[2]);
    int partitions = Integer.parseInt(args[3]);
    AtomicBoolean running = new AtomicBoolean(true);
    Thread stdin = new Thread(() -> {
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(System.in))) {
        while (reader.readLine() != null) {
          // any line: keep going; end of input: stop
        }
      } catch (Exception e) {
        // stop
      }
      running.set(false);
    });
    stdin.setDaemon(true);
    stdin.start();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      long start = System.currentTimeMillis();
      long sent = 0;
      while (running.get()) {
        long due = (System.currentTimeMillis() - start) * perSecond / 1000;
        for (; sent < due; sent++) {
          int partition = (int) (sent % partitions);
          producer.send(new ProducerRecord<>(topic, partition, null, Long.toString(sent)),
              (metadata, error) -> {
                if (error == null) {
                  System.out.println("ack " + metadata.partition() + " " + System.currentTimeMillis());
                } else {
                  System.out.println("error " + partition + " " + error);
                }
              });
        }
        Thread.sleep(10);
      }
      producer.flush();
    }
    System.out.println("done");
  }
}
