/**
 * JSON-like event records for the compression benchmarks: the same deterministic stream on every
 * run and runtime (a seeded generator), fields as web and app events have them, so ratios are
 * realistic rather than those of repeated bytes.
 */

const EVENTS = ["page_view", "click", "add_to_cart", "purchase", "search", "sign_in"];
const COUNTRIES = ["DE", "FR", "US", "BR", "IN", "JP", "GB", "ES"];
const AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
];

/** A generator of JSON event strings of about `size` bytes each (at least ~250). */
export function jsonRecords(size: number, seed = 42): () => string {
  let state = seed >>> 0;
  const next = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };
  let id = 1_000_000;
  return () => {
    const event: Record<string, unknown> = {
      id: id++,
      ts: new Date(1_764_000_000_000 + id * 17 + next(1000)).toISOString(),
      user: `user-${next(50_000)}`,
      session: next(2 ** 31).toString(16).padStart(8, "0") + next(2 ** 31).toString(16),
      event: EVENTS[next(EVENTS.length)],
      page: `/products/${next(5000)}/details`,
      geo: { country: COUNTRIES[next(COUNTRIES.length)], lat: next(18000) / 100 - 90 },
      ua: AGENTS[next(AGENTS.length)],
      items: [] as unknown[],
    };
    const items = event.items as unknown[];
    while (JSON.stringify(event).length < size) {
      items.push({ sku: `SKU-${next(100_000)}`, qty: 1 + next(4), price: next(20_000) / 100 });
    }
    return JSON.stringify(event);
  };
}
