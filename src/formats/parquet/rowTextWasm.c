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
 * b[from, to) copied to o + p. Runs of up to 16 bytes (most values and key prefixes) as two 8-byte
 * words, which may read and write up to 16 bytes past them (rowTextWasm.ts leaves that room after
 * the input and the output): memory.copy costs more than that for a few bytes.
 */
static inline u32 copyBytes(u8 *o, u32 p, const u8 *b, u32 from, u32 to) {
  u32 n = to - from;
  if (n <= 16) {
    u64 w0, w1;
    __builtin_memcpy(&w0, b + from, 8);
    __builtin_memcpy(&w1, b + from + 8, 8);
    __builtin_memcpy(o + p, &w0, 8);
    __builtin_memcpy(o + p + 8, &w1, 8);
  } else __builtin_memcpy(o + p, b + from, n);
  return p + n;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/**
 * Whether none of the 8 bytes in w is a quote, a backslash, a comma, below 0x20 or from 0x80 on:
 * (x - 1) & ~x has a byte's top bit set where x has a zero byte (and maybe above one), so a word
 * that has any of those bytes is never taken for plain (it goes byte by byte).
 */
static inline int plainWord(u64 w) {
  u64 q = w ^ (ONES * QUOTE), s = w ^ (ONES * BACKSLASH), c = w ^ (ONES * COMMA);
  u64 flagged = ((q - ONES) & ~q) | ((s - ONES) & ~s) | ((c - ONES) & ~c) | ((w - ONES * 0x20) & ~w) | w;
  return (flagged & HIGHS) == 0;
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

/** A real's literal b[i..delimiter): copied when its text is what JavaScript prints, else printed from the digits computed to tell. Index of the delimiter, or 0. */
static u32 realValue(const u8 *b, u32 i, u32 n, u8 delimiter, u8 *o, u32 *p) {
  u32 j = i;
  int canonical = 1;
  if (j < n && b[j] == MINUS) j++;
  u32 intStart = j;
  while (j < n && b[j] >= '0' && b[j] <= '9') j++;
  u32 intDigits = j - intStart;
  if (intDigits == 0 || (intDigits > 1 && b[intStart] == '0')) canonical = 0;
  int zeroInt = intDigits == 1 && b[intStart] == '0';
  u32 significant = zeroInt ? 0 : intDigits;
  if (j < n && b[j] == DOT) {
    j++;
    u32 fracStart = j;
    while (j < n && b[j] >= '0' && b[j] <= '9') j++;
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
        // Eight bytes at a time while none of them is one the loop below acts on.
        while (m + 8 <= n) {
          u64 w;
          __builtin_memcpy(&w, b + m, 8);
          if (!plainWord(w)) break;
          m += 8;
        }
        for (; m < n; m++) {
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
        while (m < n && b[m] >= '0' && b[m] <= '9') m++;
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
