// A finite double printed as JavaScript's String prints it (ECMA-262 Number::toString): the fewest
// decimal digits that read back as the same double, of those the closest to it (a tie to the even
// one), then laid out as JavaScript does ("0" for ±0, plain digits for decimal exponents from -7 to
// 21 exclusive, else d.ddde±x). The digits by the Ryū method (U. Adams, "Ryū: fast float-to-string
// conversion", PLDI 2018): the value and its rounding interval's bounds scaled by a power of ten
// with 125-bit tables (made by shortestRealTables.ts, copied in by the caller), then digits
// removed while the interval still holds a shorter number. Not a standalone header: rowTextWasm.c
// includes it after its typedefs and exactReal.h (mul64).
#ifndef KDM_SHORTEST_REAL_H
#define KDM_SHORTEST_REAL_H

// Per q: ⌊2^(124 + pow5bits(q)) / 5^q⌋ + 1; per i: 5^i to 125 bits. Four u32 each, least significant first.
static const u32 *ryuInverses = 0;
static const u32 *ryuPowers = 0;

/** ⌈log2 5^e⌉ (1 for e = 0), for e in [0, 3528]. */
static inline i32 pow5bits(i32 e) { return (i32)(((u32)e * 1217359u) >> 19) + 1; }
/** ⌊log10 2^e⌋, for e in [0, 1650]. */
static inline i32 log10Pow2(i32 e) { return (i32)(((u32)e * 78913u) >> 18); }
/** ⌊log10 5^e⌋, for e in [0, 2620]. */
static inline i32 log10Pow5(i32 e) { return (i32)(((u32)e * 732923u) >> 20); }

/** ⌊m · entry / 2^shift⌋ for a 55-bit m, a 125-bit table entry and a shift past 64. */
static inline u64 mulShift(u64 m, const u32 *entry, i32 shift) {
  u64 low = ((u64)entry[1] << 32) | entry[0], high = ((u64)entry[3] << 32) | entry[2];
  u64 lowHigh, lowLow, highHigh, highLow;
  mul64(m, low, &lowHigh, &lowLow);
  mul64(m, high, &highHigh, &highLow);
  // (m · entry) >> 64, as 128 bits.
  u64 sumLow = highLow + lowHigh;
  u64 sumHigh = highHigh + (sumLow < highLow);
  i32 s = shift - 64;
  if (s <= 0) return sumLow;
  if (s >= 64) return sumHigh >> (s - 64);
  return (sumHigh << (64 - s)) | (sumLow >> s);
}

/** Whether 5^p divides v (v > 0). */
static inline int multipleOfPowerOf5(u64 v, i32 p) {
  i32 count = 0;
  while (count < p && v % 5 == 0) {
    v /= 5;
    count++;
  }
  return count >= p;
}

/** Whether 2^p divides v (v > 0). */
static inline int multipleOfPowerOf2(u64 v, i32 p) { return p < 64 && (v & ((1ULL << p) - 1)) == 0; }

/** The shortest closest digits of a positive finite double (its bits without the sign): *digits · 10^*exponent. */
static void shortestDigits(u64 bits, u64 *digits, i32 *exponent) {
  u64 fraction = bits & ((1ULL << 52) - 1);
  u32 biased = (u32)(bits >> 52) & 0x7ff;
  // The value is m2 · 2^e2 / 4 in these units: mv = 4 · m2 and the interval's bounds two units up
  // and two down (one down at a power of two, whose neighbour below is nearer).
  u64 m2 = biased == 0 ? fraction : (1ULL << 52) | fraction;
  i32 e2 = (biased == 0 ? 1 : (i32)biased) - 1023 - 52 - 2;
  int acceptBounds = (m2 & 1) == 0; // a tie reads back to the even mantissa: the bounds are in
  u64 mv = 4 * m2;
  u32 mmShift = fraction != 0 || biased <= 1;
  u64 mp = mv + 2, mm = mv - 1 - mmShift;
  u64 vr, vp, vm;
  i32 e10;
  // Whether vm and vr are exact (nothing dropped below them by the scaling).
  int vmExact = 0, vrExact = 0;
  if (e2 >= 0) {
    i32 q = log10Pow2(e2) - (e2 > 3);
    e10 = q;
    i32 shift = -e2 + q + 124 + pow5bits(q);
    const u32 *entry = ryuInverses + 4 * q;
    vr = mulShift(mv, entry, shift);
    vp = mulShift(mp, entry, shift);
    vm = mulShift(mm, entry, shift);
    // Exact when 5^q divides the bound (2^q does, as e2 > q); 5^24 exceeds every mv.
    if (q <= 23) {
      vrExact = multipleOfPowerOf5(mv, q);
      if (acceptBounds) vmExact = multipleOfPowerOf5(mm, q);
      else vp -= multipleOfPowerOf5(mp, q); // the upper bound itself is out
    }
  } else {
    i32 q = log10Pow5(-e2) - (-e2 > 1);
    e10 = q + e2;
    i32 i = -e2 - q;
    i32 shift = q - (pow5bits(i) - 125);
    const u32 *entry = ryuPowers + 4 * i;
    vr = mulShift(mv, entry, shift);
    vp = mulShift(mp, entry, shift);
    vm = mulShift(mm, entry, shift);
    // Exact when 2^q divides the bound.
    vrExact = multipleOfPowerOf2(mv, q);
    if (acceptBounds) vmExact = multipleOfPowerOf2(mm, q);
    else vp -= multipleOfPowerOf2(mp, q);
  }
  i32 removed = 0;
  if (!vmExact && !vrExact) {
    // The common case (nothing exact): no trailing zeros to track, two digits at a time first.
    u32 roundUp = 0;
    u64 vpDiv100 = vp / 100, vmDiv100 = vm / 100;
    if (vpDiv100 > vmDiv100) {
      u64 vrDiv100 = vr / 100;
      roundUp = vr - 100 * vrDiv100 >= 50;
      vr = vrDiv100;
      vp = vpDiv100;
      vm = vmDiv100;
      removed = 2;
    }
    for (;;) {
      u64 vpDiv10 = vp / 10, vmDiv10 = vm / 10;
      if (vpDiv10 <= vmDiv10) break;
      u64 vrDiv10 = vr / 10;
      roundUp = vr - 10 * vrDiv10 >= 5;
      vr = vrDiv10;
      vp = vpDiv10;
      vm = vmDiv10;
      removed++;
    }
    *digits = vr + (vr == vm || roundUp);
    *exponent = e10 + removed;
    return;
  }
  // Drop digits while a shorter number is still inside the interval, keeping the last one dropped
  // (and whether all dropped below it were zeros) to round vr to the nearest.
  u32 lastRemoved = 0;
  while (vp / 10 > vm / 10) {
    vmExact &= vm % 10 == 0;
    vrExact &= lastRemoved == 0;
    lastRemoved = (u32)(vr % 10);
    vr /= 10;
    vp /= 10;
    vm /= 10;
    removed++;
  }
  if (acceptBounds && vmExact) {
    // The lower bound is in and ends in zeros: those go too.
    while (vm % 10 == 0) {
      vrExact &= lastRemoved == 0;
      lastRemoved = (u32)(vr % 10);
      vr /= 10;
      vp /= 10;
      vm /= 10;
      removed++;
    }
  }
  // Exactly half way: to the even digit.
  if (vrExact && lastRemoved == 5 && vr % 2 == 0) lastRemoved = 4;
  int roundUp = lastRemoved >= 5 || (vr == vm && !(acceptBounds && vmExact));
  *digits = vr + roundUp;
  *exponent = e10 + removed;
}

/**
 * The number digits · 10^exponent (digits > 0, as shortestDigits gives them), negated when
 * `negative`, laid out as JavaScript's String lays it out, written at o: its length (at most 25 bytes).
 */
static u32 printDigits(int negative, u64 digits, i32 exponent, u8 *o) {
  u32 p = 0;
  if (negative) o[p++] = '-';
  u8 text[20];
  i32 k = 0;
  for (u64 d = digits; d != 0; d /= 10) text[19 - k++] = (u8)('0' + d % 10);
  const u8 *t = text + 20 - k;
  // ECMA-262: the value is 0.t · 10^n with k digits t.
  i32 n = exponent + k;
  if (k <= n && n <= 21) {
    for (i32 a = 0; a < k; a++) o[p++] = t[a];
    for (i32 a = k; a < n; a++) o[p++] = '0';
  } else if (0 < n && n <= 21) {
    for (i32 a = 0; a < n; a++) o[p++] = t[a];
    o[p++] = DOT;
    for (i32 a = n; a < k; a++) o[p++] = t[a];
  } else if (-6 < n && n <= 0) {
    o[p++] = '0';
    o[p++] = DOT;
    for (i32 a = n; a < 0; a++) o[p++] = '0';
    for (i32 a = 0; a < k; a++) o[p++] = t[a];
  } else {
    o[p++] = t[0];
    if (k > 1) {
      o[p++] = DOT;
      for (i32 a = 1; a < k; a++) o[p++] = t[a];
    }
    o[p++] = 'e';
    i32 e = n - 1;
    o[p++] = e < 0 ? MINUS : '+';
    if (e < 0) e = -e;
    if (e >= 100) o[p++] = (u8)('0' + e / 100);
    if (e >= 10) o[p++] = (u8)('0' + e / 10 % 10);
    o[p++] = (u8)('0' + e % 10);
  }
  return p;
}

/**
 * The shortest closest digits and exponent of a finite double's magnitude (its IEEE bits), as
 * shortestDigits gives them, or 0 for +0 and -0 (both of which String prints as "0").
 */
static int nonZeroDigits(u64 bits, u64 *digits, i32 *exponent) {
  if ((bits << 1) == 0) return 0;
  shortestDigits(bits & ~(1ULL << 63), digits, exponent);
  return 1;
}

/** JavaScript's String(value) of a finite double, written at o: its length (at most 25 bytes). */
static u32 printReal(double value, u8 *o) {
  u64 bits;
  __builtin_memcpy(&bits, &value, 8);
  u64 digits;
  i32 exponent;
  if (!nonZeroDigits(bits, &digits, &exponent)) {
    o[0] = '0';
    return 1;
  }
  return printDigits((int)(bits >> 63), digits, exponent, o);
}

#endif
