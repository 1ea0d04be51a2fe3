/** CRC32C throughput: `deno bench bench/crc32c_bench.ts` (MB/s = size / time per iteration). */
import { crc32c } from "../src/protocol/crc32c.ts";

const data = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 2654435761) >>> 24);

for (const size of [1024, 16 * 1024, 1 << 20]) {
  const slice = data.subarray(0, size);
  Deno.bench(`crc32c ${size / 1024} KiB`, { group: "crc32c" }, () => {
    crc32c(slice);
  });
}
