// Reals parsed exactly as Number() parses their text (Clinger's fast path, then Eisel-Lemire),
// shared by the WebAssembly row scanners rowSpanWasm.c and rowTextWasm.c. Not a standalone header:
// each includes it after its own u8/u32/u64 typedefs and byte macros (MINUS, DOT, ...).
#ifndef KDM_EXACT_REAL_H
#define KDM_EXACT_REAL_H

// ---- reals: exactly as Number() of the text (Clinger's fast path, then Eisel-Lemire) ----

static const double EXACT_POWERS_OF_TEN[23] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                              1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
#define SMALLEST_POWER (-342)
#define LARGEST_POWER 308
// Per q, the 128 most significant bits of 5^q as four 32-bit words, most significant first: the
// table powersOfFive.ts makes, compiled in (powersOfFive.h, generated from it).
#include "powersOfFive.h"

static inline void mul64(u64 a, u64 b, u64 *high, u64 *low) {
  u64 a0 = (u32)a, a1 = a >> 32, b0 = (u32)b, b1 = b >> 32;
  u64 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  u64 middle = (p00 >> 32) + (u32)p01 + (u32)p10;
  *low = (middle << 32) | (u32)p00;
  *high = p11 + (p01 >> 32) + (p10 >> 32) + (middle >> 32);
}

/** w · 10^q as the nearest double into *out; 0 when this method cannot be sure (the row goes to JavaScript). */
static int eiselLemire(u64 w, int q, int negative, double *out) {
  if (q < SMALLEST_POWER || q > LARGEST_POWER) return 0;
  int lz = __builtin_clzll(w);
  w <<= lz;
  const u32 *power = POWERS_OF_FIVE + (q - SMALLEST_POWER) * 4;
  u64 powerHigh = ((u64)power[0] << 32) | power[1];
  u64 powerLow = ((u64)power[2] << 32) | power[3];
  u64 high, low;
  mul64(w, powerHigh, &high, &low);
  if ((high & 0x1ff) == 0x1ff) {
    u64 high2, low2;
    mul64(w, powerLow, &high2, &low2);
    u64 sum = low + high2;
    if (sum < low) high++;
    low = sum;
    // Still all ones below: too close to call here.
    if (low == ~0ULL) return 0;
    if ((high & 0x1ff) == 0x1ff && (low >> 32) == 0xffffffffu) return 0;
  }
  u32 p3 = high >> 32, p1 = low >> 32, p0 = (u32)low;
  int upperBit = p3 >> 31;
  int shift = upperBit + 9;
  u64 mantissa = high >> shift;
  int power2 = ((217706 * q) >> 16) + 63 + upperBit - lz + 1023;
  if (power2 <= 0) return 0;
  if (p1 == 0 && p0 <= 1 && q >= -4 && q <= 23 && (mantissa & 3) == 1) {
    if ((mantissa << shift) == high) mantissa &= ~1ULL;
  }
  mantissa += mantissa & 1;
  mantissa >>= 1;
  if (mantissa >= (1ULL << 53)) {
    mantissa = 1ULL << 52;
    power2 += 1;
  }
  if (power2 >= 0x7ff) return 0;
  u64 bits = ((u64)(negative ? 1 : 0) << 63) | ((u64)power2 << 52) | (mantissa & ((1ULL << 52) - 1));
  __builtin_memcpy(out, &bits, 8);
  return 1;
}

/** The value of the 8 digits at p (p[0] the most significant), or -1 when one of the 8 bytes is not a digit. */
static inline i64 eightDigits(const u8 *p) {
  u64 v;
  __builtin_memcpy(&v, p, 8);
  u64 x = v - 0x3030303030303030ULL;
  // A byte below '0' borrows (its top bit is set in x); one above '9' carries into its top bit here.
  if (((v + 0x4646464646464646ULL) | x) & 0x8080808080808080ULL) return -1;
  // Little-endian: byte k is digit k. Pairs, then fours, then the eight (each step halves the lanes).
  x = x * 10 + (x >> 8);
  x = (((x & 0x000000ff000000ffULL) * (100 + (1000000ULL << 32))) + (((x >> 16) & 0x000000ff000000ffULL) * (1 + (10000ULL << 32)))) >> 32;
  return (i64)x;
}

/** Decimal digits of v (v < 10^8), at least 1. */
static inline int digitCount(u64 v) {
  int count = 1;
  while (v >= 10) v /= 10, count++;
  return count;
}

/** Digits from b[j] into *w, leading zeros skipped: the index past them, or 0 past 19 significant digits in all. */
static inline u32 digitsInto(const u8 *b, u32 j, u32 n, u64 *w, int *significant) {
  // Eight at a time while eight digits follow (the bench's reals have 16-17): the same w and count.
  while (j + 8 <= n) {
    i64 eight = eightDigits(b + j);
    if (eight < 0) break;
    if (*w != 0) {
      if ((*significant += 8) > 19) return 0;
      *w = *w * 100000000ULL + (u64)eight;
    } else if (eight != 0) {
      if ((*significant += digitCount((u64)eight)) > 19) return 0;
      *w = (u64)eight;
    }
    j += 8;
  }
  for (; j < n; j++) {
    u32 d = (u32)b[j] - 48;
    if (d > 9) break;
    if (*w != 0 || d != 0) {
      if (++*significant > 19) return 0;
      *w = *w * 10 + d;
    }
  }
  return j;
}

/**
 * A JSON number at b[i] ending at `delimiter`: its double into *out and the index of the
 * delimiter, or 0 (not taken); also its text's significant digits *digits (leading zeros
 * skipped, at most 19) and decimal exponent *power: the text reads digits · 10^power.
 */
static inline u32 realDigitsAt(const u8 *b, u32 i, u32 n, u8 delimiter, double *out, u64 *digits, int *power) {
  u32 j = i;
  int negative = b[j] == MINUS;
  if (negative) j++;
  u64 w = 0;
  int significant = 0;
  int q = 0;
  u32 digitsStart = j;
  j = digitsInto(b, j, n, &w, &significant);
  if (!j || j == digitsStart || j >= n) return 0;
  if (b[j] == DOT) {
    u32 fractionStart = ++j;
    j = digitsInto(b, j, n, &w, &significant);
    if (!j || j == fractionStart || j >= n) return 0;
    q -= (int)(j - fractionStart);
  }
  if (b[j] == 'e' || b[j] == 'E') {
    j++;
    int negativeExponent = j < n && b[j] == MINUS;
    if (j < n && (negativeExponent || b[j] == '+')) j++;
    int exponent = 0;
    u32 exponentStart = j;
    for (; j < n && j - exponentStart < 6; j++) {
      u32 d = (u32)b[j] - 48;
      if (d > 9) break;
      exponent = exponent * 10 + (int)d;
    }
    if (j == exponentStart) return 0;
    q += negativeExponent ? -exponent : exponent;
  }
  if (j >= n || b[j] != delimiter) return 0;
  double value;
  if (w == 0) value = 0.0;
  else if (w <= (1ULL << 53) && q >= -22 && q <= 22) value = q < 0 ? (double)w / EXACT_POWERS_OF_TEN[-q] : (double)w * EXACT_POWERS_OF_TEN[q];
  else if (!eiselLemire(w, q, 0, &value)) return 0;
  *out = negative ? -value : value;
  *digits = w;
  *power = q;
  return j;
}

/** A JSON number at b[i] ending at `delimiter`: its double into *out and the index of the delimiter, or 0 (not taken). */
static inline u32 realAt(const u8 *b, u32 i, u32 n, u8 delimiter, double *out) {
  u64 digits;
  int power;
  return realDigitsAt(b, i, n, delimiter, out, &digits, &power);
}

#endif
