// Rows of the common shape written straight from their v2 bytes into CSV or JSON lines bytes,
// compiled to WebAssembly (scripts/build.mjs): the byte loop of rowSpanText.ts without
// JavaScript's per-value costs. It takes only rows whose every value it writes exactly as the text
// path does (the same bytes); at the first value it does not take it stops before that row and
// rowSpanText.ts carries on (the row in JavaScript, or the exact text parser). A real laid out as
// JavaScript lays it out is copied when it has up to 15 digits, or when its digits are the
// shortest ones of the double it reads as; any other is parsed here (exactly, as Number() does) and
// printed here as JavaScript's String prints the double (shortestReal.h). No libc, no imports.
#include <stdint.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef int32_t i32;
typedef uint64_t u64;
typedef int64_t i64;

// Column kinds (rowSpanText.ts sends the same numbers).
enum { K_BOOL = 0, K_INT = 1, K_LONG = 2, K_REAL = 3, K_TEXT = 4, K_STRING = 5, K_DYNAMIC = 6 };

#define QUOTE 0x22
#define BACKSLASH 0x5c
#define COMMA 0x2c
#define OPEN_BRACKET 0x5b
#define CLOSE_BRACKET 0x5d
#define MINUS 0x2d
#define DOT 0x2e

static inline u8 *at(u32 offset) { return (u8 *)(uintptr_t)offset; }

#include "exactReal.h"
#include "shortestReal.h"

// ---- datetime: microseconds since the epoch, as setDatetimeMicrosFromBytes ----


/** Whether b[from, to) is well-formed UTF-8 (what decodes without a replacement character). */
static int validUtf8(const u8 *b, u32 from, u32 to) {
  u32 i = from;
  while (i < to) {
    u8 c = b[i];
    if (c < 0x80) { i++; continue; }
    u32 need;
    u8 lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else return 0;
    if (i + need >= to) return 0;
    if (b[i + 1] < lo || b[i + 1] > hi) return 0;
    for (u32 k = 2; k <= need; k++)
      if (b[i + k] < 0x80 || b[i + k] > 0xbf) return 0;
    i += need + 1;
  }
  return 1;
}

/**
 * b[from, to) copied to o + p. Runs of up to 32 bytes (most values and key prefixes) as two or four
 * 8-byte words, which may read and write up to 16 bytes past them (rowTextWasm.ts leaves that room
 * after the input and the output): memory.copy costs more than that for a few bytes.
 */
static inline u32 copyBytes(u8 *o, u32 p, const u8 *b, u32 from, u32 to) {
  u32 n = to - from;
  if (n <= 16) {
    u64 w0, w1;
    __builtin_memcpy(&w0, b + from, 8);
    __builtin_memcpy(&w1, b + from + 8, 8);
    __builtin_memcpy(o + p, &w0, 8);
    __builtin_memcpy(o + p + 8, &w1, 8);
  } else if (n <= 32) {
    // A real's 17-19 digits, a datetime's 22 bytes: memory.copy is a call out of the module.
    u64 w0, w1, w2, w3;
    __builtin_memcpy(&w0, b + from, 8);
    __builtin_memcpy(&w1, b + from + 8, 8);
    __builtin_memcpy(&w2, b + from + 16, 8);
    __builtin_memcpy(&w3, b + from + 24, 8);
    __builtin_memcpy(o + p, &w0, 8);
    __builtin_memcpy(o + p + 8, &w1, 8);
    __builtin_memcpy(o + p + 16, &w2, 8);
    __builtin_memcpy(o + p + 24, &w3, 8);
  } else __builtin_memcpy(o + p, b + from, n);
  return p + n;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/**
 * The top bit of each of the 8 bytes in w that is a quote, a backslash, a comma, below 0x20 or from
 * 0x80 on: (x - 1) & ~x has a byte's top bit set where x has a zero byte (and maybe above one, past
 * the borrow), so a word without those bytes gives 0 and the lowest bit set is always such a byte.
 */
static inline u64 flaggedBytes(u64 w) {
  u64 q = w ^ (ONES * QUOTE), s = w ^ (ONES * BACKSLASH), c = w ^ (ONES * COMMA);
  return (((q - ONES) & ~q) | ((s - ONES) & ~s) | ((c - ONES) & ~c) | ((w - ONES * 0x20) & ~w) | w) & HIGHS;
}

/**
 * The first byte of w that is not a decimal digit (its index, 8 when all are digits): w - '0' per
 * byte borrows (sets the top bit) below '0', w + 0x46 carries into the top bit above '9', and the
 * first such byte gets no borrow or carry from the digits before it (later bytes may, which does
 * not matter).
 */
static inline u32 digitRun(u64 w) {
  u64 flagged = ((w - ONES * '0') | (w + ONES * 0x46)) & HIGHS;
  return flagged ? (u32)__builtin_ctzll(flagged) >> 3 : 8;
}

/** Index of the first byte at or after m in b[m, n) that is not a digit (n when none). */
static inline u32 skipDigits(const u8 *b, u32 m, u32 n) {
  while (m + 8 <= n) {
    u64 w;
    __builtin_memcpy(&w, b + m, 8);
    u32 run = digitRun(w);
    m += run;
    if (run < 8) return m;
  }
  while (m < n && b[m] >= '0' && b[m] <= '9') m++;
  return m;
}

static u32 endOfCall, lastRowStartOfCall, outOfCall, lastRowOutOfCall;
__attribute__((export_name("rowsEnd"))) u32 rowsEnd(void) { return endOfCall; }
__attribute__((export_name("lastRowStart"))) u32 lastRowStart(void) { return lastRowStartOfCall; }
__attribute__((export_name("outputEnd"))) u32 outputEnd(void) { return outOfCall; }
__attribute__((export_name("lastRowOutput"))) u32 lastRowOutput(void) { return lastRowOutOfCall; }
__attribute__((export_name("setShortestRealTables"))) void setShortestRealTables(u32 inverses, u32 powers) {
  ryuInverses = (const u32 *)at(inverses);
  ryuPowers = (const u32 *)at(powers);
}

/** The finite doubles at `values` printed as String prints them, each followed by a newline (for the tests that hold printReal to String): the bytes written at `out`. */
__attribute__((export_name("printReals"))) u32 printReals(u32 values, u32 count, u32 out) {
  const double *v = (const double *)at(values);
  u8 *o = at(out);
  u32 p = 0;
  for (u32 k = 0; k < count; k++) {
    p += printReal(v[k], o + p);
    o[p++] = '\n';
  }
  return p;
}

/** w · 10^q (w > 0) as the nearest double, as Number() reads it (Clinger's exact case, else Eisel-Lemire): 0 when it cannot be sure. */
static inline int decimalValue(u64 w, int q, double *out) {
  if (w <= (1ULL << 53) && q >= -22 && q <= 22) {
    *out = q < 0 ? (double)w / EXACT_POWERS_OF_TEN[-q] : (double)w * EXACT_POWERS_OF_TEN[q];
    return 1;
  }
  return eiselLemire(w, q, 0, out);
}

/** 5^k for k in [0, 27] (each below 2^64). */
static const u64 POWERS_OF_FIVE_64[28] = {
  1ULL, 5ULL, 25ULL, 125ULL, 625ULL, 3125ULL, 15625ULL, 78125ULL, 390625ULL, 1953125ULL, 9765625ULL,
  48828125ULL, 244140625ULL, 1220703125ULL, 6103515625ULL, 30517578125ULL, 152587890625ULL,
  762939453125ULL, 3814697265625ULL, 19073486328125ULL, 95367431640625ULL, 476837158203125ULL,
  2384185791015625ULL, 11920928955078125ULL, 59604644775390625ULL, 298023223876953125ULL,
  1490116119384765625ULL, 7450580596923828125ULL};

/** (high, low) << s as 128 bits, for s in [0, 63]. */
static inline void shiftLeft128(u64 high, u64 low, u32 s, u64 *outHigh, u64 *outLow) {
  *outHigh = s == 0 ? high : (high << s) | (low >> (64 - s));
  *outLow = low << s;
}

/** Sign of (ah, al) - (bh, bl). */
static inline int compare128(u64 ah, u64 al, u64 bh, u64 bl) {
  if (ah != bh) return ah < bh ? -1 : 1;
  return al < bl ? -1 : al > bl;
}

/** Texts of 16-17 digits settled (either way) by textIsShortest (diagnostics: the tests check that it does the work). */
static u32 shortestCheckedOfCall = 0;
__attribute__((export_name("shortestChecked"))) u32 shortestChecked(void) { return shortestCheckedOfCall; }

/**
 * Whether the text D · 10^p (16-17 digits, the last not 0, p <= 0) of the positive normal double
 * with these bits is what String prints for it, without Ryū: 1 yes, 0 no, -1 cannot tell here
 * (the caller then computes the digits). String prints the fewest digits that read back as the
 * double, of those the closest to it. No number of fewer digits reads back when neither neighbour
 * of the text on the coarser grid (D rounded down and up to a multiple of 10) does: the numbers
 * that read back as the double are an interval holding the text, and any shorter number in it
 * would put one of those neighbours in it too. Of the numbers of D's length, D is the closest when
 * the double lies strictly within half a last digit of it: the double m · 2^e times 10^k (k = -p)
 * is m · 5^k / 2^t (t = -e - k), compared exactly with (2D ± 1) · 2^(t - 1).
 */
static int textIsShortest(u64 bits, u64 D, int p) {
  u32 biased = (u32)(bits >> 52) & 0x7ff;
  if (biased == 0 || p > 0 || p < -27) return -1;
  double value;
  __builtin_memcpy(&value, &bits, 8);
  u64 coarse = D / 10;
  double below, above;
  if (!decimalValue(coarse, p + 1, &below) || !decimalValue(coarse + 1, p + 1, &above)) return -1;
  if (below == value || above == value) {
    shortestCheckedOfCall++;
    return 0;
  }
  u64 m = (1ULL << 52) | (bits & ((1ULL << 52) - 1));
  i32 k = -p;
  i32 t = -((i32)biased - 1075) - k;
  if (t < 1 || t > 64) return -1;
  u64 xHigh, xLow;
  mul64(m, POWERS_OF_FIVE_64[k], &xHigh, &xLow);
  // (2D - 1) · 2^(t-1) < m · 5^k < (2D + 1) · 2^(t-1); D < 2^57, so 2D + 1 < 2^58 and t - 1 <= 63.
  u64 lowHigh, lowLow, highHigh, highLow;
  if (t - 1 > 63) return -1;
  shiftLeft128(0, 2 * D - 1, (u32)(t - 1), &lowHigh, &lowLow);
  shiftLeft128(0, 2 * D + 1, (u32)(t - 1), &highHigh, &highLow);
  // The shifts keep every bit: 2D + 1 < 2^58 and t - 1 <= 63 give at most 121 bits.
  int belowHalf = compare128(lowHigh, lowLow, xHigh, xLow);
  int aboveHalf = compare128(xHigh, xLow, highHigh, highLow);
  if (belowHalf == 0 || aboveHalf == 0) return -1; // a tie: Ryū decides
  shortestCheckedOfCall++;
  return belowHalf < 0 && aboveHalf < 0;
}

/** A real's literal b[i..delimiter): copied when its text is what JavaScript prints, else printed from the digits computed to tell. Index of the delimiter, or 0. */
static u32 realValue(const u8 *b, u32 i, u32 n, u8 delimiter, u8 *o, u32 *p) {
  u32 j = i;
  int canonical = 1;
  if (j < n && b[j] == MINUS) j++;
  u32 intStart = j;
  j = skipDigits(b, j, n);
  u32 intDigits = j - intStart;
  if (intDigits == 0 || (intDigits > 1 && b[intStart] == '0')) canonical = 0;
  int zeroInt = intDigits == 1 && b[intStart] == '0';
  u32 significant = zeroInt ? 0 : intDigits;
  if (j < n && b[j] == DOT) {
    j++;
    u32 fracStart = j;
    j = skipDigits(b, j, n);
    u32 fracDigits = j - fracStart;
    if (fracDigits == 0 || b[j - 1] == '0') canonical = 0;
    if (significant == 0) {
      u32 zeros = 0;
      while (zeros < fracDigits && b[fracStart + zeros] == '0') zeros++;
      if (zeros >= 6) canonical = 0;
      significant = fracDigits - zeros;
    } else significant += fracDigits;
  } else if (zeroInt && intStart > i) canonical = 0; // "-0"
  if (j >= n) return 0;
  if (b[j] != delimiter) canonical = 0;
  if (canonical && significant <= 15) {
    // Up to 15 digits read back from their double unchanged, and no shorter number does.
    *p = copyBytes(o, *p, b, i, j);
    return j;
  }
  double value;
  u64 textDigits;
  int textPower;
  u32 end = realDigitsAt(b, i, n, delimiter, &value, &textDigits, &textPower);
  if (!end) return 0;
  u64 bits;
  __builtin_memcpy(&bits, &value, 8);
  if (canonical && significant <= 17 && textDigits % 10 != 0 && (bits << 1) != 0) {
    // 16-17 digits (the bench's reals): settled without Ryū where it can be.
    int shortest = textIsShortest(bits & ~(1ULL << 63), textDigits, textPower);
    if (shortest == 1) {
      *p = copyBytes(o, *p, b, i, j);
      return j;
    }
  }
  u64 digits;
  i32 exponent;
  if (!nonZeroDigits(bits, &digits, &exponent)) {
    o[(*p)++] = '0';
    return end;
  }
  if (canonical) {
    // Laid out as String lays it out (16-19 digits here): when the text's own digits are the
    // shortest closest ones, String's text is the text itself. Only an integer's digits can end in zeros.
    if (b[j - 1] == '0')
      while (textDigits % 10 == 0) textDigits /= 10, textPower++;
    if (textDigits == digits && textPower == exponent) {
      *p = copyBytes(o, *p, b, i, j);
      return j;
    }
  }
  *p += printDigits((int)(bits >> 63), digits, exponent, o + *p);
  return end;
}

/** A JSON number (or true/false) at b[i] up to `delimiter`, as the text parser keeps a dynamic literal: index of the delimiter, or 0. */
static u32 jsonLiteral(const u8 *b, u32 i, u32 n, u8 delimiter) {
  u32 j = i;
  if (j + 4 < n && b[j] == 't' && b[j + 1] == 'r' && b[j + 2] == 'u' && b[j + 3] == 'e') j += 4;
  else if (j + 5 < n && b[j] == 'f' && b[j + 1] == 'a' && b[j + 2] == 'l' && b[j + 3] == 's' && b[j + 4] == 'e') j += 5;
  else {
    if (j < n && b[j] == MINUS) j++;
    u32 s = j;
    while (j < n && b[j] >= '0' && b[j] <= '9') j++;
    if (j == s || (j - s > 1 && b[s] == '0')) return 0;
    if (j < n && b[j] == DOT) {
      s = ++j;
      while (j < n && b[j] >= '0' && b[j] <= '9') j++;
      if (j == s) return 0;
    }
    if (j < n && (b[j] == 'e' || b[j] == 'E')) {
      j++;
      if (j < n && (b[j] == '+' || b[j] == MINUS)) j++;
      s = j;
      while (j < n && b[j] >= '0' && b[j] <= '9') j++;
      if (j == s) return 0;
    }
  }
  return j < n && b[j] == delimiter ? j : 0;
}

/**
 * Writes rows of the common shape from b[start] (a row's `[`) until one is not taken, the bytes
 * end, or the output (at `out`, `capacity` bytes) could not hold the next row. Returns the rows
 * written; rowsEnd() is just past the last one's `]`, lastRowStart() its `[`, outputEnd() the
 * bytes written. JSON lines: `prefixes` holds `{"name":` / `,"name":` per column, `prefixEnds`
 * where each ends (u32).
 */
__attribute__((export_name("encodeRows"))) u32 encodeRows(u32 input, u32 start, u32 n, u32 out, u32 capacity, u32 kinds, u32 width, u32 json, u32 prefixes, u32 prefixEnds) {
  const u8 *b = at(input);
  u8 *o = at(out);
  const u8 *kind = at(kinds);
  const u8 *prefix = at(prefixes);
  const u32 *prefixEnd = (const u32 *)at(prefixEnds);
  u32 rows = 0;
  u32 i = start;
  u32 p = 0;
  endOfCall = start;
  lastRowStartOfCall = start;
  outOfCall = 0;
  lastRowOutOfCall = 0;
  if (width == 0) return 0;
  while (i < n && b[i] == OPEN_BRACKET) {
    u32 rowStart = i;
    u32 rowOut = p;
    i++;
    u32 col = 0;
    for (; col < width; col++) {
      int last = col == width - 1;
      u8 delimiter = last ? CLOSE_BRACKET : COMMA;
      if (i >= n) break;
      // Room for the prefix and the longest value written here other than a string's bytes.
      if (json) {
        u32 from = col == 0 ? 0 : prefixEnd[col - 1];
        u32 length = prefixEnd[col] - from;
        if (p + length + 40 > capacity) break;
        p = copyBytes(o, p, prefix, from, prefixEnd[col]);
      } else {
        if (p + 40 > capacity) break;
        if (col > 0) o[p++] = COMMA;
      }
      u8 c = b[i];
      u8 k = kind[col];
      u32 j = 0;
      if (c == QUOTE) {
        if (k != K_TEXT && k != K_STRING && k != K_DYNAMIC) break;
        u32 close = 0;
        int special = 0, control = 0, high = 0;
        u32 m = i + 1;
        // Eight bytes at a time, straight to the first one the loop below acts on: most strings
        // have none but their closing quote.
        while (m + 8 <= n) {
          u64 w;
          __builtin_memcpy(&w, b + m, 8);
          u64 flagged = flaggedBytes(w);
          if (!flagged) {
            m += 8;
            continue;
          }
          u32 at = (u32)__builtin_ctzll(flagged) >> 3;
          m += at;
          // The byte from the word already read (not read again from memory).
          if ((u8)(w >> (8 * at)) == QUOTE) {
            close = m;
            break;
          }
          break;
        }
        for (; !close && m < n; m++) {
          u8 d = b[m];
          if (d == QUOTE) { close = m; break; }
          if (d == BACKSLASH) break;
          if (d == COMMA) special = 1;
          else if (d < 0x20) {
            control = 1;
            if (d == '\n' || d == '\r') special = 1;
          } else if (d >= 0x80) high = 1;
        }
        if (!close) break;
        if (high && !validUtf8(b, i + 1, close)) break;
        u32 length = close - i - 1;
        if (p + length + 8 > capacity) break;
        if (k == K_DYNAMIC) {
          if (control) break;
          if (json) p = copyBytes(o, p, b, i, close + 1);
          else {
            o[p++] = QUOTE; o[p++] = QUOTE; o[p++] = QUOTE;
            p = copyBytes(o, p, b, i + 1, close);
            o[p++] = QUOTE; o[p++] = QUOTE; o[p++] = QUOTE;
          }
        } else if (json) {
          if (control) break;
          p = copyBytes(o, p, b, i, close + 1);
        } else if (length == 0 || special) p = copyBytes(o, p, b, i, close + 1);
        else p = copyBytes(o, p, b, i + 1, close);
        j = close + 1;
      } else if (c == 'n') {
        if (!(i + 4 < n && b[i + 1] == 'u' && b[i + 2] == 'l' && b[i + 3] == 'l')) break;
        if (k == K_STRING) { o[p++] = QUOTE; o[p++] = QUOTE; }
        else if (json) { o[p++] = 'n'; o[p++] = 'u'; o[p++] = 'l'; o[p++] = 'l'; }
        j = i + 4;
      } else if (k == K_INT || k == K_LONG) {
        u32 m = i;
        if (c == MINUS) m++;
        u32 digitsStart = m;
        m = skipDigits(b, m, n);
        u32 digits = m - digitsStart;
        if (digits == 0 || m >= n || (b[digitsStart] == '0' && (digits > 1 || c == MINUS))) break;
        if (digits > (k == K_INT ? 15u : 30u)) break;
        p = copyBytes(o, p, b, i, m);
        j = m;
      } else if (k == K_REAL) {
        j = realValue(b, i, n, delimiter, o, &p);
        if (!j) break;
      } else if (k == K_BOOL) {
        if (i + 4 < n && c == 't' && b[i + 1] == 'r' && b[i + 2] == 'u' && b[i + 3] == 'e') {
          o[p++] = 't'; o[p++] = 'r'; o[p++] = 'u'; o[p++] = 'e';
          j = i + 4;
        } else if (i + 5 < n && c == 'f' && b[i + 1] == 'a' && b[i + 2] == 'l' && b[i + 3] == 's' && b[i + 4] == 'e') {
          o[p++] = 'f'; o[p++] = 'a'; o[p++] = 'l'; o[p++] = 's'; o[p++] = 'e';
          j = i + 5;
        } else break;
      } else if (k == K_DYNAMIC) {
        j = jsonLiteral(b, i, n, delimiter);
        if (!j) break;
        p = copyBytes(o, p, b, i, j);
      } else break;
      if (j >= n || b[j] != delimiter) break;
      i = j + 1;
    }
    if (col < width || p + 2 > capacity) {
      // Not taken (or no room): nothing of the row stays behind.
      p = rowOut;
      break;
    }
    if (json) o[p++] = '}';
    o[p++] = '\n';
    rows++;
    lastRowStartOfCall = rowStart;
    lastRowOutOfCall = rowOut;
    endOfCall = i;
    outOfCall = p;
    if (!(i + 1 < n && b[i] == COMMA && b[i + 1] == OPEN_BRACKET)) break;
    i++;
  }
  return rows;
}
