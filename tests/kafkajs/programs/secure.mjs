// TLS and SASL as docs/Configuration.md shows them: SASL PLAIN over TLS with the CA given as an
// array of PEM strings, and mutual TLS with a client certificate and key.
import { Kafka, logLevel } from "kafkajs";
import { readFileSync } from "node:fs";
import process from "node:process";

const topic = (name) => `${process.env.TOPIC_PREFIX}-${name}`;
const print = (label, value) => console.log(JSON.stringify({ label, value }));
const tls = (file) => readFileSync(`${process.env.KAFKA_TLS_DIR}/${file}`, "utf-8");

const saslSsl = new Kafka({
  clientId: "kafkajs-compat-sasl",
  brokers: [process.env.KAFKA_SASL_SSL_BOOTSTRAP],
  ssl: { ca: [tls("ca.pem")] },
  sasl: {
    mechanism: "plain",
    username: process.env.KAFKA_SASL_USERNAME,
    password: process.env.KAFKA_SASL_PASSWORD,
  },
  logLevel: logLevel.NOTHING,
});
const producer = saslSsl.producer({ allowAutoTopicCreation: false });
await producer.connect();
const [viaSasl] = await producer.send({
  topic: topic("secure"),
  messages: [{ key: "sasl", value: "over SASL_SSL", partition: 0 }],
});
print("sasl_ssl", { partition: viaSasl.partition, baseOffset: viaSasl.baseOffset });
await producer.disconnect();

const mutualTls = new Kafka({
  brokers: [process.env.KAFKA_SSL_BOOTSTRAP],
  ssl: { ca: tls("ca.pem"), cert: tls("client.pem"), key: tls("client.key") },
  logLevel: logLevel.NOTHING,
});
const tlsProducer = mutualTls.producer({ allowAutoTopicCreation: false });
await tlsProducer.connect();
const [viaTls] = await tlsProducer.send({
  topic: topic("secure"),
  messages: [{ key: "mtls", value: "over mutual TLS", partition: 1 }],
});
print("mutual tls", { partition: viaTls.partition, baseOffset: viaTls.baseOffset });
await tlsProducer.disconnect();

const wrongPassword = new Kafka({
  brokers: [process.env.KAFKA_SASL_SSL_BOOTSTRAP],
  ssl: { ca: [tls("ca.pem")] },
  sasl: { mechanism: "plain", username: process.env.KAFKA_SASL_USERNAME, password: "wrong" },
  retry: { retries: 1, initialRetryTime: 100 },
  logLevel: logLevel.NOTHING,
});
const refused = wrongPassword.producer();
try {
  await refused.connect();
  await refused.send({ topic: topic("secure"), messages: [{ value: "refused" }] });
  print("wrong password", "accepted");
} catch (error) {
  print("wrong password", { name: error.name });
} finally {
  await refused.disconnect();
}
