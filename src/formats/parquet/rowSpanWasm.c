// The common shape of v2 rows parsed straight into Parquet column values, compiled to
// WebAssembly (scripts/build.mjs; clang --target=wasm32). It is the byte loop of
// rowSpanColumns.ts's fast path, without JavaScript's per-value costs: measured 4-5x faster for
// the same loop. It takes only what it converts exactly as the JavaScript does (every value is
// the same bits); at the first value it does not take, it stops before that row, and the
// JavaScript parses the row (rowSpanWasm.ts). No libc: the memory regions are the caller's.
#include <stdint.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef int32_t i32;
typedef uint64_t u64;
typedef int64_t i64;

// Column kinds (rowSpanWasm.ts sends the same numbers).
enum { K_BOOL = 0, K_INT = 1, K_LONG = 2, K_REAL = 3, K_DATETIME = 4, K_DECIMAL = 5, K_STRING = 6, K_TEXT = 7, K_DYNAMIC = 8 };

// One column's output of a call, laid out by the caller. Counters are this call's only.
typedef struct {
  u32 defs;      // u8 per row: 1 present, 0 null
  u32 values;    // fixed width: the non-null values, packed; varying: PLAIN bytes (length, then the bytes)
  u32 ends;      // varying: i32 per row, bytes of `values` in use after the row
  u32 capacity;  // varying: bytes `values` holds
  u32 nonNull;   // out
  u32 used;      // out (varying)
  u32 lastLength;  // datetime and decimal: the length of the last string (the next is checked at it first)
  u32 reserved;
} Column;

#define QUOTE 0x22
#define BACKSLASH 0x5c
#define COMMA 0x2c
#define OPEN_BRACKET 0x5b
#define CLOSE_BRACKET 0x5d
#define OPEN_BRACE 0x7b
#define CLOSE_BRACE 0x7d
#define MINUS 0x2d
#define DOT 0x2e
/** Widest table parsed here (rowSpanWasm.ts leaves wider ones to the JavaScript). */
#define MAX_WIDTH 256

/** The caller's regions are offsets into the module's linear memory. */
static inline u8 *at(u32 offset) { return (u8 *)(uintptr_t)offset; }

static inline int isNull(const u8 *b, u32 i, u32 n) {
  return i + 3 < n && b[i] == 'n' && b[i + 1] == 'u' && b[i + 2] == 'l' && b[i + 3] == 'l';
}

#include "exactReal.h"

// ---- datetime: microseconds since the epoch, as setDatetimeMicrosFromBytes ----

static i64 daysFromCivil(i64 year, i64 month, i64 day) {
  i64 y = month <= 2 ? year - 1 : year;
  i64 era = (y >= 0 ? y : y - 399) / 400;
  i64 yoe = y - era * 400;
  i64 doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  i64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static inline int twoDigits(const u8 *b, u32 i) {
  u32 tens = (u32)b[i] - 48, ones = (u32)b[i + 1] - 48;
  return tens > 9 || ones > 9 ? -1 : (int)(tens * 10 + ones);
}

static i64 cachedYear = -1, cachedMonth = -1, cachedMonthStart = 0;

static int datetimeMicros(const u8 *b, u32 s, u32 end, i64 *out) {
  u32 n = end - s;
  if (n < 20 || b[end - 1] != 'Z' || b[s + 4] != '-' || b[s + 7] != '-') return 0;
  u8 sep = b[s + 10];
  if ((sep != 'T' && sep != ' ') || b[s + 13] != ':' || b[s + 16] != ':') return 0;
  int century = twoDigits(b, s), yearOfCentury = twoDigits(b, s + 2), month = twoDigits(b, s + 5), day = twoDigits(b, s + 8);
  int hour = twoDigits(b, s + 11), minute = twoDigits(b, s + 14), second = twoDigits(b, s + 17);
  if (century < 0 || yearOfCentury < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return 0;
  i64 micros = 0;
  if (n > 20) {
    u32 fractionDigits = n - 21;
    if (b[s + 19] != DOT || fractionDigits < 1 || fractionDigits > 9) return 0;
    i64 fraction = 0;
    for (u32 k = 0; k < fractionDigits; k++) {
      u32 d = (u32)b[s + 20 + k] - 48;
      if (d > 9) return 0;
      fraction = fraction * 10 + d;
    }
    static const i64 POWERS[10] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};
    micros = fractionDigits >= 6 ? fraction / POWERS[fractionDigits - 6] : fraction * POWERS[6 - fractionDigits];
  }
  i64 year = century * 100 + yearOfCentury;
  if (year != cachedYear || month != cachedMonth) {
    cachedMonthStart = daysFromCivil(year, month, 1);
    cachedYear = year;
    cachedMonth = month;
  }
  i64 seconds = (cachedMonthStart + day - 1) * 86400 + hour * 3600 + minute * 60 + second;
  *out = seconds * 1000000 + micros;
  return 1;
}

// ---- decimal: a whole number of at most 15 digits as DECIMAL(38,18), 16 bytes big-endian ----

static int smallIntegerDecimal(const u8 *b, u32 start, u32 end, u8 *out) {
  if (end <= start) return 0;
  int negative = b[start] == MINUS;
  u32 first = negative ? start + 1 : start;
  if (end == first || end - first > 15) return 0;
  u64 value = 0;
  for (u32 i = first; i < end; i++) {
    u32 d = (u32)b[i] - 48;
    if (d > 9) return 0;
    value = value * 10 + d;
  }
  // value · 10^18 (< 2^110) as high:low.
  u64 high, low;
  mul64(value, 1000000000000000000ULL, &high, &low);
  if (negative) {
    low = ~low + 1;
    high = ~high + (low == 0 ? 1 : 0);
  }
  for (int k = 0; k < 8; k++) out[k] = (u8)(high >> (56 - 8 * k));
  for (int k = 0; k < 8; k++) out[8 + k] = (u8)(low >> (56 - 8 * k));
  return 1;
}

// ---- strings ----

/** The closing quote of the string at b[i] (a quote), or 0 when it holds a backslash or the bytes end first. */
static inline u32 closingQuote(const u8 *b, u32 i, u32 n) {
  u32 j = i + 1;
  // Eight bytes at a time: the first byte that is a quote or a backslash (the lowest flag of the
  // zero-byte test is exact; flags above it may be false, and are not looked at).
  for (; j + 8 <= n; j += 8) {
    u64 v;
    __builtin_memcpy(&v, b + j, 8);
    u64 q = v ^ 0x2222222222222222ULL, s = v ^ 0x5c5c5c5c5c5c5c5cULL;
    u64 found = ((q - 0x0101010101010101ULL) & ~q) | ((s - 0x0101010101010101ULL) & ~s);
    found &= 0x8080808080808080ULL;
    if (found) {
      u32 at = j + ((u32)__builtin_ctzll(found) >> 3);
      return b[at] == QUOTE ? at : 0;
    }
  }
  for (; j < n; j++) {
    u8 c = b[j];
    if (c == QUOTE) return j;
    if (c == BACKSLASH) return 0;
  }
  return 0;
}

/** Index just past the array or object at b[i], or 0 when the bytes end first (endOfNestedBytes in rowSpanColumns.ts). */
static u32 endOfNested(const u8 *b, u32 i, u32 n) {
  int depth = 0;
  for (u32 j = i; j < n; j++) {
    u8 c = b[j];
    if (c == QUOTE) {
      for (j++; j < n && b[j] != QUOTE; j++)
        if (b[j] == BACKSLASH) j++;
      if (j >= n) return 0;
    } else if (c == OPEN_BRACKET || c == OPEN_BRACE) depth++;
    else if (c == CLOSE_BRACKET || c == CLOSE_BRACE) {
      if (--depth == 0) return j + 1;
    }
  }
  return 0;
}

/**
 * dst[0, length) = src[0, length). Short values (most strings) by 8-byte words: memcpy of a
 * length not known here is WebAssembly's memory.copy, which V8 runs as a call out of the
 * module, a fixed cost per value larger than the copy. The words may read and write up to 7
 * bytes past the end: the source is the input (its last value is followed by at least `]]`
 * and the caller's margin) and the destination the column's region, whose capacity check
 * (putBytes) keeps room for that.
 */
static inline void copyBytes(u8 *dst, const u8 *src, u32 length) {
  if (length > 32) {
    __builtin_memcpy(dst, src, length);
    return;
  }
  for (u32 k = 0; k < length; k += 8) {
    u64 word;
    __builtin_memcpy(&word, src + k, 8);
    __builtin_memcpy(dst + k, &word, 8);
  }
}

static inline int putBytes(Column *col, u32 row, const u8 *b, u32 from, u32 length) {
  // 8 bytes to spare: copyBytes may write a word past the value's end.
  if (col->used + 4 + length + 8 > col->capacity) return 0;
  u8 *out = at(col->values) + col->used;
  out[0] = (u8)length;
  out[1] = (u8)(length >> 8);
  out[2] = (u8)(length >> 16);
  out[3] = (u8)(length >> 24);
  copyBytes(out + 4, b + from, length);
  col->used += 4 + length;
  col->nonNull++;
  at(col->defs)[row] = 1;
  ((i32 *)at(col->ends))[row] = (i32)col->used;
  return 1;
}

// ---- rows ----

static u32 endOfCall = 0;
static u32 lastRowStartOfCall = 0;

__attribute__((export_name("rowsEnd"))) u32 rowsEnd(void) { return endOfCall; }
__attribute__((export_name("lastRowStart"))) u32 lastRowStart(void) { return lastRowStartOfCall; }

/** A datetime or decimal text b[from, to) as the column's next value (not counted yet); 0 when not taken. Inlined into both callers: measured 1-2% of the parse. */
static inline __attribute__((always_inline)) int convert(u8 kind, Column *col, const u8 *b, u32 from, u32 to) {
  if (kind == K_DECIMAL) return smallIntegerDecimal(b, from, to, at(col->values) + 16 * col->nonNull);
  i64 micros;
  if (!datetimeMicros(b, from, to, &micros)) return 0;
  __builtin_memcpy(at(col->values) + 8 * col->nonNull, &micros, 8);
  return 1;
}

/** One value of column `c` at b[i]; the index past it, or 0 (not taken; the row is then the caller's). */
static u32 valueAt(u8 kind, Column *col, u32 row, const u8 *b, u32 i, u32 n, int last) {
  u8 c = b[i];
  if (c == 'n') {
    if (!isNull(b, i, n)) return 0;
    if (kind == K_STRING) {
      if (!putBytes(col, row, b, i, 0)) return 0;
    } else {
      at(col->defs)[row] = 0;
      if (kind >= K_STRING) ((i32 *)at(col->ends))[row] = (i32)col->used;
    }
    return i + 4;
  }
  switch (kind) {
    case K_INT:
    case K_LONG: {
      u32 j = i;
      int negative = c == MINUS;
      if (negative) j++;
      u64 value = 0;
      u32 digitsStart = j;
      for (; j < n; j++) {
        u32 d = (u32)b[j] - 48;
        if (d > 9) break;
        if (j - digitsStart >= 19) return 0;
        value = value * 10 + d;
      }
      u32 digits = j - digitsStart;
      if (digits == 0 || j >= n) return 0;
      if (digits > 15) {
        // The JavaScript takes 16 or more digits as a bigint (wrapping beyond 64 bits): only longs,
        // only exact ones here, and only before a delimiter.
        if (kind != K_LONG || (b[j] != COMMA && b[j] != CLOSE_BRACKET)) return 0;
        if (negative ? value > (1ULL << 63) : value >= (1ULL << 63)) return 0;
      }
      // Negated as unsigned: -2^63 has no positive twin.
      i64 v = (i64)(negative ? 0 - value : value);
      // An int outside 32 bits is the JavaScript's: it wraps the double of the text (the same
      // value up to 15 digits), and a partition folder is named by that double (partitionedSpans.ts).
      if (kind == K_INT && (v < -2147483648LL || v > 2147483647LL)) return 0;
      if (kind == K_INT) ((i32 *)at(col->values))[col->nonNull] = (i32)v;
      else __builtin_memcpy(at(col->values) + 8 * col->nonNull, &v, 8);
      col->nonNull++;
      at(col->defs)[row] = 1;
      return j;
    }
    case K_REAL: {
      double value;
      u32 j = realAt(b, i, n, last ? CLOSE_BRACKET : COMMA, &value);
      if (!j) return 0;
      __builtin_memcpy(at(col->values) + 8 * col->nonNull, &value, 8);
      col->nonNull++;
      at(col->defs)[row] = 1;
      return j;
    }
    case K_BOOL: {
      u8 v;
      u32 j;
      if (c == 't' && i + 3 < n && b[i + 1] == 'r' && b[i + 2] == 'u' && b[i + 3] == 'e') v = 1, j = i + 4;
      else if (c == 'f' && i + 4 < n && b[i + 1] == 'a' && b[i + 2] == 'l' && b[i + 3] == 's' && b[i + 4] == 'e') v = 0, j = i + 5;
      else return 0;
      at(col->values)[col->nonNull++] = v;
      at(col->defs)[row] = 1;
      return j;
    }
    case K_DATETIME:
    case K_DECIMAL: {
      if (c != QUOTE) return 0;
      // First at the length the column's last one had (they mostly share one). Safe because the
      // converters refuse quotes and backslashes: if they take the text, that quote is its end.
      u32 close = i + 1 + col->lastLength;
      int ok = close < n && b[close] == QUOTE && convert(kind, col, b, i + 1, close);
      if (!ok) {
        close = closingQuote(b, i, n);
        if (!close || !convert(kind, col, b, i + 1, close)) return 0;
      }
      col->lastLength = close - i - 1;
      col->nonNull++;
      at(col->defs)[row] = 1;
      return close + 1;
    }
    case K_STRING:
    case K_TEXT: {
      if (c != QUOTE) return 0;
      u32 close = closingQuote(b, i, n);
      if (!close || !putBytes(col, row, b, i + 1, close - i - 1)) return 0;
      return close + 1;
    }
    case K_DYNAMIC: {
      if (c == QUOTE) {
        u32 close = closingQuote(b, i, n);
        if (!close || !putBytes(col, row, b, i, close + 1 - i)) return 0;
        return close + 1;
      }
      if (c == OPEN_BRACE || c == OPEN_BRACKET) {
        u32 end = endOfNested(b, i, n);
        if (!end || !putBytes(col, row, b, i, end - i)) return 0;
        return end;
      }
      return 0;
    }
  }
  return 0;
}

/**
 * Parses rows of the common shape from b[start] (a row's `[`) until one is not, the bytes end, or
 * `maxRows`. Returns the rows parsed; rowsEnd() is just past the last one's `]`, lastRowStart()
 * its `[`. A row not taken leaves nothing behind in any column.
 */
__attribute__((export_name("parseRows"))) u32 parseRows(u32 input, u32 start, u32 n, u32 maxRows, u32 columns, u32 kinds, u32 width) {
  const u8 *b = at(input);
  Column *cols = (Column *)at(columns);
  const u8 *kind = at(kinds);
  u32 rows = 0;
  u32 i = start;
  endOfCall = start;
  lastRowStartOfCall = start;
  if (width > MAX_WIDTH) return 0;
  // A row not taken is undone from what it wrote, not from counters saved before every row:
  // each column it reached holds one value at most (defs says whether it counts), and a varying
  // column's bytes in use go back to the previous row's end (or to where this call started).
  u32 usedAtStart[MAX_WIDTH];
  for (u32 k = 0; k < width; k++) usedAtStart[k] = cols[k].used;
  while (rows < maxRows && i < n && b[i] == OPEN_BRACKET) {
    u32 rowStart = i;
    i++;
    u32 col = 0;
    u32 written = 0;
    for (; col < width; col++) {
      u32 j = i < n ? valueAt(kind[col], &cols[col], rows, b, i, n, col == width - 1) : 0;
      if (!j) break;
      written = col + 1;
      if (j >= n || b[j] != (col == width - 1 ? CLOSE_BRACKET : COMMA)) break;
      i = j + 1;
    }
    if (col < width) {
      // Not taken: nothing of the row stays behind.
      for (u32 k = 0; k < written; k++) {
        Column *c = &cols[k];
        if (at(c->defs)[rows]) c->nonNull--;
        if (kind[k] >= K_STRING) c->used = rows > 0 ? (u32)((i32 *)at(c->ends))[rows - 1] : usedAtStart[k];
      }
      break;
    }
    rows++;
    lastRowStartOfCall = rowStart;
    endOfCall = i;
    if (!(i + 1 < n && b[i] == COMMA && b[i + 1] == OPEN_BRACKET)) break;
    i++;
  }
  return rows;
}

