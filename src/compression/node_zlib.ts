/**
 * The runtime's `node:zlib`, when it has one (Node, Bun, Deno, Workers with nodejs_compat),
 * reached synchronously through `process.getBuiltinModule` so that this package imports no
 * `node:` module statically and still loads where there is none.
 *
 * @module
 */

/** The parts of `node:zlib` the codecs use. */
export interface NodeZlib {
  gzipSync(input: Uint8Array, options: { level: number }): Uint8Array;
  /** Node ≥ 22.15, Bun, Deno; not Node 20. */
  zstdCompressSync?(input: Uint8Array, options: { params: Record<number, number> }): Uint8Array;
  constants: { ZSTD_c_compressionLevel?: number };
}

interface ProcessWithBuiltins {
  getBuiltinModule?(id: string): unknown;
}

/** `node:zlib`, or undefined where the runtime has none. */
export function nodeZlib(): NodeZlib | undefined {
  const process = Reflect.get(globalThis, "process") as ProcessWithBuiltins | undefined;
  const zlib = process?.getBuiltinModule?.("node:zlib") as NodeZlib | undefined;
  return typeof zlib?.gzipSync === "function" ? zlib : undefined;
}
