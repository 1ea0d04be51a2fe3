/**
 * What `#wasm-zstd` resolves to in Worker and browser bundles (package.json `imports`, conditions
 * `workerd`, `worker`, `browser`): no WebAssembly. Production Workers cannot compile WebAssembly
 * at run time, and workerd has zstd in `node:zlib`, so `@hpcc-js/wasm-zstd` would only weigh
 * down the bundle.
 *
 * @module
 */

/** Stands in for `@hpcc-js/wasm-zstd`'s `Zstd`: loading it always fails, saying why. */
export const Zstd = {
  load(): Promise<never> {
    return Promise.reject(
      new Error("zstd through WebAssembly is left out of Worker and browser bundles"),
    );
  },
};
