// The two tables of the Ryū method (U. Adams, "Ryū: fast float-to-string conversion", PLDI 2018)
// by which the WebAssembly row writer (rowTextWasm.c, shortestReal.h) prints a double as
// JavaScript's String does: 5^q and 2^k / 5^q to 125 bits. Made here once, with bigint (exact),
// and copied into the module's memory (rowTextWasm.ts), as powersOfFive.ts does for the parser.

/** Entries of each table: q in [0, 342) for the inverses (doubles of exponent ≥ 0), i in [0, 326) for the powers. */
export const INVERSE_ENTRIES = 342;
export const POWER_ENTRIES = 326;
/** Bits kept of each power and of each inverse (the precision Ryū's error bounds are proven for). */
const BITS = 125;

/** ⌈log2 5^e⌉ (1 for e = 0), as the module computes it: ((e · 1217359) >> 19) + 1. */
export function pow5Bits(e: number): number {
  return Math.floor((e * 1217359) / 2 ** 19) + 1;
}

let tables: { inverses: Uint32Array; powers: Uint32Array } | undefined;

/** A 128-bit value as four 32-bit words, least significant first (so the module reads it as low u64 then high u64). */
function putWords(table: Uint32Array, index: number, value: bigint): void {
  for (let w = 0; w < 4; w++) table[index * 4 + w] = Number((value >> BigInt(32 * w)) & 0xffffffffn);
}

function makeTables(): { inverses: Uint32Array; powers: Uint32Array } {
  const inverses = new Uint32Array(INVERSE_ENTRIES * 4);
  for (let q = 0; q < INVERSE_ENTRIES; q++) {
    // ⌊2^k / 5^q⌋ + 1 with k = BITS - 1 + ⌈log2 5^q⌉: a 125- or 126-bit value never below 2^k / 5^q.
    const k = BigInt(BITS - 1 + pow5Bits(q));
    putWords(inverses, q, (1n << k) / 5n ** BigInt(q) + 1n);
  }
  const powers = new Uint32Array(POWER_ENTRIES * 4);
  for (let i = 0; i < POWER_ENTRIES; i++) {
    // 5^i with exactly BITS bits: shifted up, or its top bits (rounded down).
    const power = 5n ** BigInt(i);
    const length = pow5Bits(i);
    putWords(powers, i, length <= BITS ? power << BigInt(BITS - length) : power >> BigInt(length - BITS));
  }
  return { inverses, powers };
}

/** Both tables (four 32-bit words per entry), made on first use. */
export function shortestRealTables(): { inverses: Uint32Array; powers: Uint32Array } {
  tables ??= makeTables();
  return tables;
}
