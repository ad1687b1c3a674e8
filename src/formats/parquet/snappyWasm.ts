// Snappy through the WebAssembly build of the compressor (snappyWasm.c): the same bytes as
// snappyCompress.ts's JavaScript, about three times as fast. Undefined without the module.
import { align16, grownMemory, loadEngineWasm } from './engineWasm';

interface SnappyExports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  snappyCompress(input: number, length: number, output: number): number;
}

/** Bytes past the largest possible output that snappyWasm.c may write (its 16-byte literal copies). */
const OUTPUT_MARGIN = 16;

let snappy: { exports: SnappyExports; inputAt: number; bytes: Uint8Array; written: number } | null | undefined;

function instance(): typeof snappy {
  if (snappy !== undefined) return snappy;
  const module = loadEngineWasm('snappyWasm');
  snappy = null;
  if (!module) return snappy;
  try {
    const exports = new WebAssembly.Instance(module, {}).exports as unknown as SnappyExports;
    snappy = { exports, inputAt: align16(Number(exports.__heap_base.value)), bytes: new Uint8Array(exports.memory.buffer), written: 0 };
  } catch {
    snappy = null;
  }
  return snappy;
}

/** Whether the WebAssembly compressor is available on this thread (tests assert it is built). */
export function snappyWasmAvailable(): boolean {
  return instance() !== null;
}

/**
 * Snappy of `input` (or of its parts one after the other, copied in as they are: no join first) in
 * an ArrayBuffer of its own (transferable), or undefined when the module is not there.
 */
export function snappyCompressWasm(input: Uint8Array | readonly Uint8Array[]): Uint8Array<ArrayBuffer> | undefined {
  const s = instance();
  if (!s) return undefined;
  const at = compressInModule(s, input);
  return s.bytes.slice(at, at + s.written);
}

/**
 * Snappy of `input` written over the start of input's own ArrayBuffer, when the input spans all of
 * it (a page the caller holds alone and no longer needs) and the result fits: no new memory is taken
 * (a fresh ArrayBuffer a page cost the compression worker about a tenth of its time in page faults).
 * Otherwise in an ArrayBuffer of its own, as snappyCompressWasm. Undefined when the module is not there.
 */
export function snappyCompressWasmOver(input: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> | undefined {
  const s = instance();
  if (!s) return undefined;
  const at = compressInModule(s, input);
  if (input.byteOffset !== 0 || input.byteLength !== input.buffer.byteLength || s.written > input.byteLength) return s.bytes.slice(at, at + s.written);
  const out = new Uint8Array(input.buffer, 0, s.written);
  out.set(s.bytes.subarray(at, at + s.written));
  return out;
}

/** Compresses `input` (or its parts, one after the other) inside the module's memory: the output's offset there; its length in s.written. */
function compressInModule(s: NonNullable<typeof snappy>, input: Uint8Array | readonly Uint8Array[]): number {
  const parts = input instanceof Uint8Array ? [input] : input;
  let length = 0;
  for (const part of parts) length += part.length;
  const outputAt = align16(s.inputAt + length);
  // OUTPUT_MARGIN: the module's short literal copies may write a few bytes past its output.
  const end = outputAt + 32 + length + Math.ceil(length / 6) + OUTPUT_MARGIN;
  if (end > s.bytes.length) s.bytes = grownMemory(s.exports.memory, end);
  let at = s.inputAt;
  for (const part of parts) {
    s.bytes.set(part, at);
    at += part.length;
  }
  s.written = s.exports.snappyCompress(s.inputAt, length, outputAt);
  return outputAt;
}
