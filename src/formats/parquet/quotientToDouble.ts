// The double nearest to an integer of up to ~23 digits divided by a power of ten up to 10^22, with
// a handful of double operations: how reals printed with 16-17 significant digits (most doubles,
// shortest round-trip form) are read without Eisel-Lemire's 128-bit products. The integer is held
// exactly as two doubles; the quotient's first rounding is corrected by the exact remainder (Dekker's
// error-free product), and a result too close to a halfway point to be certain is NaN, so the caller
// takes a slower exact path. Never a wrong double: test/unit/formats/quotientToDouble.test.ts
// compares it with Number() on over a million texts, halfway cases included.

/** 2^27 + 1: splits a double into two 26-bit halves whose products are exact (Dekker). */
const SPLITTER = 134217729;
/** How close to a halfway point (in units of the last place) is too close to call. */
const TOO_CLOSE = 2 ** -40;

const asDouble = new Float64Array(1);
const asWords = new Uint32Array(asDouble.buffer);
const ulpDouble = new Float64Array(1);
const ulpWords = new Uint32Array(ulpDouble.buffer);

/**
 * The double nearest to (w · 10^extraDigits + tail) / 10^fractionDigits, or NaN when it cannot be
 * sure. w < 2^53, extraDigits ≤ 7, tail < 10^extraDigits, fractionDigits ≤ 22, all non-negative
 * integers (the caller applies the sign).
 */
export function quotientToDouble(w: number, scale: number, tail: number, divisor: number): number {
  // n = w · scale + tail exactly, as high + low (|low| at most half a unit of high's last place):
  // the exact product, then tail added and the sum renormalised (Fast2Sum, twice). Every part is an
  // integer below 2^25 but high, so these sums are exact.
  const productHigh = w * scale;
  const productLow = exactProductError(w, scale, productHigh);
  const sum = productHigh + tail;
  const sumLow = productLow + (tail - (sum - productHigh));
  const high = sum + sumLow;
  const low = sumLow - (high - sum);
  // The first guess, and the exact remainder n - guess · divisor (exact for a correctly rounded
  // quotient: Sterbenz for high minus the product's rounded part, then its error).
  const guess = high / divisor;
  const guessTimesDivisor = guess * divisor;
  const remainder = high - guessTimesDivisor - exactProductError(guess, divisor, guessTimesDivisor) + low;
  // The remainder in units of the guess's last place: the answer is the guess plus the nearest whole
  // number of them, unless that is close to a half (or crosses to a smaller power of two below).
  asDouble[0] = guess;
  const exponentBits = asWords[1] & 0x7ff00000;
  if (exponentBits <= 0x03400000) return NaN; // too small for the unit below to be a normal double
  ulpWords[0] = 0;
  ulpWords[1] = exponentBits - 0x03400000; // 2^(exponent - 52)
  const ulp = ulpDouble[0];
  const units = remainder / (ulp * divisor);
  const steps = Math.round(units);
  const fromHalf = Math.abs(units - steps) - 0.5;
  if (fromHalf > -TOO_CLOSE || steps > 1 || steps < -1) return NaN;
  if (units < 0 && (asWords[1] & 0xfffff) === 0 && asWords[0] === 0) return NaN;
  return guess + steps * ulp;
}

/** a · b − product exactly, where product is the rounded a · b (Dekker's split, no fused multiply-add in JS). */
function exactProductError(a: number, b: number, product: number): number {
  const aSplit = SPLITTER * a;
  const aHigh = aSplit - (aSplit - a);
  const aLow = a - aHigh;
  const bSplit = SPLITTER * b;
  const bHigh = bSplit - (bSplit - b);
  const bLow = b - bHigh;
  return aHigh * bHigh - product + aHigh * bLow + aLow * bHigh + aLow * bLow;
}
