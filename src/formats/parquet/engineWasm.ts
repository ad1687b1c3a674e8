// The engine's WebAssembly modules (src/formats/parquet/*.c, built by scripts/build.mjs into
// dist/): found beside the bundle that loads them, or in the repository's dist/ when the engine
// runs from src/ (tests), compiled once per thread.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const compiled = new Map<string, WebAssembly.Module | null>();

/** The module dist/<name>.wasm, or null when it is not there or does not compile (the caller's JavaScript does the work). */
export function loadEngineWasm(name: string): WebAssembly.Module | null {
  const known = compiled.get(name);
  if (known !== undefined) return known;
  let module: WebAssembly.Module | null = null;
  if (process.env.KDM_ENGINE_WASM !== '0') {
    for (const file of [join(__dirname, `${name}.wasm`), resolve(__dirname, '..', '..', '..', 'dist', `${name}.wasm`)]) {
      if (!existsSync(file)) continue;
      try {
        module = new WebAssembly.Module(readFileSync(file));
      } catch {
        module = null;
      }
      break;
    }
  }
  compiled.set(name, module);
  return module;
}

/** 16-byte alignment of an offset in a module's memory. */
export function align16(at: number): number {
  return (at + 15) & ~15;
}

/** The memory grown to at least `bytes`, as a fresh view (growing detaches the old one). */
export function grownMemory(memory: WebAssembly.Memory, bytes: number): Uint8Array {
  const missing = bytes - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / 65536));
  return new Uint8Array(memory.buffer);
}
