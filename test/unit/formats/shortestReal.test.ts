// The WebAssembly row writer prints reals itself (shortestReal.h): its text must be JavaScript's
// String of the double for every finite double, since the CSV and JSON lines bytes are the text
// path's. The module gets no imports, so nothing here can come from String itself. Millions of
// doubles from a fixed seed: random bit patterns, random decimals of 15-17 digits, powers of ten
// and of two with their neighbours, the boundaries of the layout and of the format, subnormals,
// integers, and the bench's id / 7.0.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { wasmRealPrinter } from '../../../src/formats/rowTextWasm';

/** Marsaglia's xorshift32: a fixed sequence of 32-bit words. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const bits = new BigUint64Array(1);
const asDouble = new Float64Array(bits.buffer);

function fromBits(value: bigint): number {
  bits[0] = value;
  return asDouble[0];
}

function toBits(value: number): bigint {
  asDouble[0] = value;
  return bits[0];
}

/** The double next to `value` away from zero (+1) or toward it (-1), for positive finite values. */
function neighbour(value: number, step: 1 | -1): number {
  return fromBits(toBits(value) + BigInt(step));
}

/** Every value, its neighbours and its negation. */
function withNeighbours(values: number[]): number[] {
  const all: number[] = [];
  for (const v of values) {
    if (!(v > 0) || !Number.isFinite(v)) continue;
    for (const w of [v, neighbour(v, -1), neighbour(v, 1)]) if (Number.isFinite(w) && w > 0) all.push(w, -w);
  }
  return all;
}

/** The module's text against String for each value: the values printed otherwise (at most 20 listed) and their count. */
function mismatches(values: Float64Array | number[]): { count: number; first: string[] } {
  const print = wasmRealPrinter();
  assert.ok(print, 'dist/rowTextWasm.wasm is built (npm run build)');
  const first: string[] = [];
  let count = 0;
  const all = values instanceof Float64Array ? values : Float64Array.from(values);
  const batch = 1 << 16;
  for (let from = 0; from < all.length; from += batch) {
    const part = all.subarray(from, Math.min(all.length, from + batch));
    const texts: string[] = print(part);
    assert.equal(texts.length, part.length);
    for (let k = 0; k < part.length; k++) {
      const expected = String(part[k]);
      if (texts[k] === expected) continue;
      count++;
      if (first.length < 20) first.push(`${expected} (bits 0x${toBits(part[k]).toString(16)}) printed ${JSON.stringify(texts[k])}`);
    }
  }
  return { count, first };
}

function assertAllAsString(values: Float64Array | number[]): void {
  const { count, first } = mismatches(values);
  assert.deepEqual(first, [], `${count} of ${values.length} values printed otherwise than String`);
}

describe('the WebAssembly writer prints each real as String does', () => {
  test('1,000,000 random bit patterns (every finite one, both signs)', () => {
    const next = xorshift(0x28c5);
    const values = new Float64Array(1_000_000);
    const words = new Uint32Array(values.buffer);
    for (let k = 0; k < words.length; k++) words[k] = next();
    // NaN and infinities never reach the printer (the parser refuses them): the finite value 1 in their place.
    for (let k = 0; k < values.length; k++) if (!Number.isFinite(values[k])) values[k] = 1;
    assertAllAsString(values);
  });

  test('1,000,000 random decimals of 15, 16 and 17 significant digits over the whole exponent range', () => {
    const next = xorshift(0x1d5);
    const values = new Float64Array(1_000_000);
    for (let k = 0; k < values.length; k++) {
      const digits = 15 + (k % 3);
      let text = String(1 + (next() % 9));
      while (text.length < digits) text += String(next() % 10);
      const exponent = (next() % 630) - 325;
      const value = Number(`${text[0]}.${text.slice(1)}e${exponent}`);
      values[k] = Number.isFinite(value) ? (next() & 1 ? -value : value) : 1;
    }
    assertAllAsString(values);
  });

  test('the bench\'s price column, id / 7.0 for ids 1 to 1,000,000 and 500,000 ids up to 10,000,000', () => {
    const values = new Float64Array(1_500_000);
    for (let id = 1; id <= 1_000_000; id++) values[id - 1] = id / 7.0;
    const next = xorshift(0x7);
    for (let k = 1_000_000; k < values.length; k++) values[k] = (1 + (next() % 10_000_000)) / 7.0;
    assertAllAsString(values);
  });

  test('powers of ten and of two, with their neighbours', () => {
    const values: number[] = [];
    for (let e = -323; e <= 308; e++) values.push(Number(`1e${e}`));
    for (let e = -1074; e <= 1023; e++) values.push(2 ** e);
    assertAllAsString(withNeighbours(values));
  });

  test('the boundaries of the layout and of the format', () => {
    const values = [
      5e-324, 1e-323, 2.2250738585072014e-308, 2.225073858507201e-308, Number.MAX_VALUE, Number.MIN_VALUE, Number.EPSILON,
      2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 54, Number.MAX_SAFE_INTEGER,
      // Where String moves to and from the exponent form.
      1e21, 999999999999999900000, 1e-7, 1e-6, 0.000001234, Number('0.0000012345678901234567'), Number('1.2345678901234567e-7'), 123456789012345680000,
      // Ties and near-ties of the shortest digits.
      0.1, 0.2, 0.3, 1 / 3, 2 / 3, 4.35, 0.1 + 0.2, 1.005, 9.5, 0.5, 1.5, 2.5, 5e-310, 1.7976931348623157e308 / 3,
    ];
    const all = withNeighbours(values);
    all.push(0, -0);
    assertAllAsString(all);
  });

  test('200,000 subnormals (random fractions, both signs) and the smallest ones', () => {
    const next = xorshift(0x5b);
    const values: number[] = [];
    for (let k = 0; k < 200_000; k++) {
      const fraction = ((BigInt(next()) << 32n) | BigInt(next())) & ((1n << 52n) - 1n);
      const value = fromBits(fraction === 0n ? 1n : fraction);
      values.push(k % 2 ? -value : value);
    }
    for (let k = 1n; k <= 1000n; k++) values.push(fromBits(k));
    assertAllAsString(values);
  });

  test('integers: small ones, ones around 2^53, and mantissas that are multiples of large powers of five', () => {
    const next = xorshift(0x99);
    const values: number[] = [];
    for (let k = 0; k <= 100_000; k++) values.push(k, -k);
    for (let k = 0; k < 200_000; k++) values.push((next() * 2 ** 21 + next()) % 2 ** 53, 2 ** 53 + 2 * (next() % 1_000_000));
    // m · 5^q · 2^e: the rounding interval's bound or middle is then exactly a decimal of few digits.
    for (let q = 1; q <= 23; q++) {
      const power = 5n ** BigInt(q);
      for (let t = 1n; t * power < 1n << 53n && t < 50n; t++) {
        for (let e = -60; e <= 80; e += 7) values.push(Number(t * power) * 2 ** e);
      }
    }
    assertAllAsString(values);
  });
});
