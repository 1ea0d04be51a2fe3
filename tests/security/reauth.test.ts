/**
 * Re-authentication (KIP-368) on the broker's REAUTH listener, whose sessions last
 * `connections.max.reauth.ms` (3 s in the test broker): a producer that keeps sending for several
 * session lifetimes re-authenticates on its open connections instead of being cut off, and an
 * OAUTHBEARER producer fetches fresh tokens before the old ones expire. kcat checks what was
 * written. Runs on Deno, Bun and Node.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaProducer, type ProducerConfig } from "../../mod.ts";
import { countingTransport } from "../_lib/counting_transport.ts";
import { readTopic, secureListeners, uniqueTopic, unsecuredToken } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const secure = secureListeners();
const SASL_HANDSHAKE = 17;
/** Bootstrap and broker connections, plus one that a late renewal may cost. */
const MAX_CONNECTS = 3;

/**
 * Sends a record every 25 ms for `durationMs` through a counting transport; checks that every
 * record arrived, and returns the transport's counters.
 */
async function sendFor(config: ProducerConfig, durationMs: number) {
  const topic = uniqueTopic("reauth");
  await createTopic(topic, 1);
  const counting = countingTransport();
  const producer = new KafkaProducer({ ...config, transport: counting.transport });
  const sends: Promise<unknown>[] = [];
  const values: string[] = [];
  try {
    const end = Date.now() + durationMs;
    for (let i = 0; Date.now() < end; i++) {
      values.push(`r${i}`);
      sends.push(producer.send({ topic, value: `r${i}` }));
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await Promise.all(sends);
  } finally {
    await producer.close();
  }
  const read = await readTopic(topic);
  assert.deepEqual(read.map((r) => r.value), values);
  return counting;
}

test(
  "SCRAM-SHA-256: a producer sending for 3 session lifetimes re-authenticates on its connections",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const counting = await sendFor({
      bootstrapServers: [secure.reauth],
      sasl: { mechanism: "SCRAM-SHA-256", username: secure.username, password: secure.password },
    }, 3 * secure.reauthMs);
    // One connection to the bootstrap address and one to the broker's node id; each authenticates
    // once on connecting, so more handshakes than connections are re-authentications. Without them
    // the broker would cut both every 3 s (6+ connections); one renewal finishing late on a loaded
    // machine (the broker cuts a session it sees expired) is tolerated.
    assert.ok(counting.connects <= MAX_CONNECTS, `${counting.connects} connections`);
    const handshakes = counting.requests(SASL_HANDSHAKE);
    assert.ok(handshakes >= counting.connects + 2, `${handshakes} SaslHandshake requests`);
  },
);

test("OAUTHBEARER: short-lived tokens are refreshed before they expire, sessions renewed", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const tokenLifetimeMs = 4000;
  let tokens = 0;
  const counting = await sendFor({
    bootstrapServers: [secure.reauth],
    sasl: {
      mechanism: "OAUTHBEARER",
      oauthBearerProvider: () => {
        tokens++;
        const expiresAtMs = Date.now() + tokenLifetimeMs;
        return Promise.resolve({ value: unsecuredToken("alice", expiresAtMs), expiresAtMs });
      },
    },
  }, 3 * secure.reauthMs);
  assert.ok(counting.connects <= MAX_CONNECTS, `${counting.connects} connections`);
  assert.ok(tokens >= 2, `the provider was called ${tokens} time(s)`);
  assert.ok(counting.requests(SASL_HANDSHAKE) >= counting.connects + 2);
});
