/**
 * How long one test may take, by kind (docs/testing.md). Every test passes one of these as its
 * `timeout` option, so a hang fails that test, named, on every runtime (Deno's runner has no
 * default timeout); scripts/check_tests.ts fails the check on a test without one. Generous:
 * the machines running the suite are shared and slow at times, and a timeout is for hangs, not
 * for speed.
 */

/** tests/unit/: no broker, no Java; a few seconds at most. */
export const UNIT_TIMEOUT_MS = 30_000;

/** tests/golden/: Kafka's own Java code compiles and runs a single source file first. */
export const GOLDEN_TIMEOUT_MS = 180_000;

/** Tests against the single test broker (the default of Bun's and Node's runs in test.sh). */
export const BROKER_TIMEOUT_MS = 120_000;

/**
 * tests/cluster/, tests/workers/, tests/package/: brokers, workerd or npm of their own (the
 * cluster's failover test alone paces 500k records over about 50 s while brokers restart).
 */
export const HARNESS_TIMEOUT_MS = 600_000;
