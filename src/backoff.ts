/**
 * The one backoff of the package: exponential with jitter, as the Java client's
 * `ExponentialBackoff` (factor 2, jitter 0.2) for reconnections, retries and background requests.
 *
 * @module
 */

/**
 * Milliseconds to wait before attempt `attempt` (1 for the first retry): `initialMs` doubled per
 * attempt, at most `maxMs`, times a random factor in [0.8, 1.2).
 */
export function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  const base = Math.min(initialMs * 2 ** Math.max(0, attempt - 1), maxMs);
  return base * (0.8 + Math.random() * 0.4);
}
