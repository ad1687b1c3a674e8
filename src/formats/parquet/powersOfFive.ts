// The 128 most significant bits of each power of five 5^q, q in [-342, 308]: the table of the
// Eisel-Lemire method (D. Lemire, "Number Parsing at a Gigabyte per Second", 2021) by which the
// WebAssembly row parser (rowSpanWasm.c) turns up to 19 decimal digits into the nearest double.
// Made here once, with bigint, and copied into the module's memory (rowSpanWasm.ts).

const SMALLEST_POWER = -342;
const LARGEST_POWER = 308;

/** Per q, the 128 most significant bits of 5^q as four 32-bit words (most significant first); made on first use. */
let powersOfFive: Uint32Array | undefined;

function bitLength(v: bigint): number {
  return v.toString(2).length;
}

function makePowersOfFive(): Uint32Array {
  const table = new Uint32Array((LARGEST_POWER - SMALLEST_POWER + 1) * 4);
  const two128 = 1n << 128n;
  for (let q = SMALLEST_POWER; q <= LARGEST_POWER; q++) {
    let c: bigint;
    if (q < 0) {
      // 1 / 5^-q, scaled up by a power of two to at least 128 bits and rounded up, then truncated.
      const power5 = 5n ** BigInt(-q);
      const z = bitLength(power5 - 1n);
      const b = q >= -27 ? z + 127 : 2 * z + 128;
      c = (1n << BigInt(b)) / power5 + 1n;
      while (c >= two128) c >>= 1n;
    } else {
      c = 5n ** BigInt(q);
      const length = bitLength(c);
      c = length < 128 ? c << BigInt(128 - length) : c >> BigInt(length - 128);
    }
    const at = (q - SMALLEST_POWER) * 4;
    for (let k = 0; k < 4; k++) table[at + k] = Number((c >> BigInt(96 - 32 * k)) & 0xffffffffn);
  }
  return table;
}

/** The table of powers of five, four 32-bit words per q (most significant first). */
export function powersOfFiveTable(): Uint32Array {
  powersOfFive ??= makePowersOfFive();
  return powersOfFive;
}
