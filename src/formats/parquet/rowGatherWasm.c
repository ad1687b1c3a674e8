// Parquet with partitionBy: a span's parsed column values put into partition order, compiled to
// WebAssembly (scripts/build.mjs; clang --target=wasm32). rowGather.ts copies one column's
// buffer (definition levels, packed values; for byte arrays also each row's end) into this
// module's memory, and one call writes the rows in the order of `picks` (the rows of the first
// partition, then the second, ...), so each partition's rows are one contiguous run that its file
// appends in bulk. The same bytes as ColumnBuffer.appendPicked copies value by value in
// JavaScript, which took about 0.2 s of the reading thread per 1 M rows of the bench's table.
// No libc: the memory regions are the caller's.
#include <stdint.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef int32_t i32;
typedef uint64_t u64;

static inline u8 *at(u32 offset) { return (u8 *)(uintptr_t)offset; }

/**
 * Present-value counts before each row of `defs` (n + 1 entries: out[n] is the total), the index
 * of each present row's value among the packed values.
 */
static void countPresent(const u8 *defs, u32 n, i32 *out) {
  i32 count = 0;
  for (u32 r = 0; r < n; r++) {
    out[r] = count;
    count += defs[r];
  }
  out[n] = count;
}

/**
 * A fixed-width column (width 1, 4, 8 or 16 bytes a value): outDefs[k] = defs[picks[k]] and the
 * present ones' values packed in that order. With nulls (`scratch`: rows + 1 words for the
 * source's value indexes), outPresent gets the present counts before each output row (n + 1).
 */
__attribute__((export_name("gatherFixed"))) void gatherFixed(u32 defsAt, u32 valuesAt, u32 rows, u32 width, u32 picksAt, u32 n,
                                                             u32 outDefsAt, u32 outValuesAt, u32 scratchAt, u32 outPresentAt) {
  const u8 *defs = at(defsAt);
  const u8 *values = at(valuesAt);
  const i32 *picks = (const i32 *)at(picksAt);
  u8 *outDefs = at(outDefsAt);
  u8 *out = at(outValuesAt);
  if (!scratchAt) {
    // Every value present: row r's value is the r-th.
    __builtin_memset(outDefs, 1, n);
    switch (width) {
      case 1:
        for (u32 k = 0; k < n; k++) out[k] = values[picks[k]];
        break;
      case 4:
        for (u32 k = 0; k < n; k++) __builtin_memcpy(out + 4 * k, values + 4 * (u32)picks[k], 4);
        break;
      case 8:
        for (u32 k = 0; k < n; k++) __builtin_memcpy(out + 8 * k, values + 8 * (u32)picks[k], 8);
        break;
      default:
        for (u32 k = 0; k < n; k++) __builtin_memcpy(out + 16 * k, values + 16 * (u32)picks[k], 16);
        break;
    }
    return;
  }
  i32 *valueIndex = (i32 *)at(scratchAt);
  i32 *present = (i32 *)at(outPresentAt);
  countPresent(defs, rows, valueIndex);
  u32 nonNull = 0;
  for (u32 k = 0; k < n; k++) {
    u32 r = (u32)picks[k];
    u8 d = defs[r];
    outDefs[k] = d;
    present[k] = (i32)nonNull;
    if (d) {
      const u8 *from = values + width * (u32)valueIndex[r];
      u8 *to = out + width * nonNull;
      switch (width) {
        case 1: *to = *from; break;
        case 4: __builtin_memcpy(to, from, 4); break;
        case 8: __builtin_memcpy(to, from, 8); break;
        default: __builtin_memcpy(to, from, 16); break;
      }
      nonNull++;
    }
  }
  present[n] = (i32)nonNull;
}

/**
 * A byte-array column (PLAIN: a 4-byte length then the bytes, per present row; `ends`: the
 * bytes in use after each row): the rows in the order of picks, outEnds[k] the bytes of outData
 * in use after output row k. outPresent (if not 0) gets the present counts before each output row
 * (n + 1). outData has 8 bytes to spare past the total (short values are copied by 8-byte words).
 */
__attribute__((export_name("gatherVarying"))) void gatherVarying(u32 defsAt, u32 dataAt, u32 endsAt, u32 picksAt, u32 n,
                                                                 u32 outDefsAt, u32 outDataAt, u32 outEndsAt, u32 outPresentAt) {
  const u8 *defs = at(defsAt);
  const u8 *data = at(dataAt);
  const i32 *ends = (const i32 *)at(endsAt);
  const i32 *picks = (const i32 *)at(picksAt);
  u8 *outDefs = at(outDefsAt);
  u8 *out = at(outDataAt);
  i32 *outEnds = (i32 *)at(outEndsAt);
  i32 *present = outPresentAt ? (i32 *)at(outPresentAt) : 0;
  u32 used = 0;
  u32 nonNull = 0;
  for (u32 k = 0; k < n; k++) {
    u32 r = (u32)picks[k];
    u32 start = r > 0 ? (u32)ends[r - 1] : 0;
    u32 length = (u32)ends[r] - start;
    const u8 *from = data + start;
    u8 *to = out + used;
    if (length <= 32) {
      // By words: the source has 8 bytes to spare past its end too (rowGather.ts).
      for (u32 b = 0; b < length; b += 8) {
        u64 word;
        __builtin_memcpy(&word, from + b, 8);
        __builtin_memcpy(to + b, &word, 8);
      }
    } else {
      __builtin_memcpy(to, from, length);
    }
    used += length;
    outEnds[k] = (i32)used;
    u8 d = defs[r];
    outDefs[k] = d;
    if (present) present[k] = (i32)nonNull;
    nonNull += d;
  }
  if (present) present[n] = (i32)nonNull;
}

/**
 * Int partition values from 0 to this (exclusive) are routed here; a null takes the entry after them.
 * rowGather.ts's SMALL_INTS sizes the tables passed in: keep the two equal (rowGather.test.ts checks).
 */
#define SMALL_INTS 4096

/**
 * Routing by one int partition column (definition levels `defs`, present values packed at
 * `values`; `allPresent`: no nulls): each row's partition slot, slots numbered in the order their
 * value first appears (a null is a value of its own). Writes, per slot, the first row that has
 * it (firstRows) and, grouped by slot in row order, the rows' indexes (picks), slot s's from
 * starts[s] (slots + 1 entries). `slotOf` is rows words of scratch, `table` SMALL_INTS + 1. Returns
 * the slots, or -1 when a value is outside [0, SMALL_INTS) (the caller routes those rows itself).
 */
__attribute__((export_name("routeSmallInts"))) i32 routeSmallInts(u32 defsAt, u32 valuesAt, u32 rows, u32 allPresent, u32 tableAt,
                                                                  u32 slotOfAt, u32 firstRowsAt, u32 startsAt, u32 picksAt) {
  const u8 *defs = at(defsAt);
  const i32 *values = (const i32 *)at(valuesAt);
  i32 *table = (i32 *)at(tableAt);
  i32 *slotOf = (i32 *)at(slotOfAt);
  i32 *firstRows = (i32 *)at(firstRowsAt);
  i32 *starts = (i32 *)at(startsAt);
  i32 *picks = (i32 *)at(picksAt);
  __builtin_memset(table, 0, 4 * (SMALL_INTS + 1));
  u32 slots = 0;
  u32 n = 0;
  for (u32 r = 0; r < rows; r++) {
    u32 key = SMALL_INTS;
    if (allPresent || defs[r]) {
      i32 v = values[n++];
      if (v < 0 || v >= SMALL_INTS) return -1;
      key = (u32)v;
    }
    i32 slot = table[key];
    if (slot == 0) {
      firstRows[slots] = (i32)r;
      slot = (i32)++slots;
      table[key] = slot;
    }
    slotOf[r] = slot - 1;
  }
  // A stable counting sort of the rows by slot (the counts first, in starts[1..]).
  for (u32 s = 0; s <= slots; s++) starts[s] = 0;
  for (u32 r = 0; r < rows; r++) starts[slotOf[r] + 1]++;
  for (u32 s = 0; s < slots; s++) starts[s + 1] += starts[s];
  // `table` is free again: the next free place of each slot.
  for (u32 s = 0; s < slots; s++) table[s] = starts[s];
  for (u32 r = 0; r < rows; r++) picks[table[slotOf[r]]++] = (i32)r;
  return (i32)slots;
}
