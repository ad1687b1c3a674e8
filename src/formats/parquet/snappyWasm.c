// The Snappy compressor of snappyCompress.ts, step for step (the same hash, lookups, skipping and
// copy encoding, so the same bytes; only the table is kept differently), compiled to WebAssembly
// (scripts/build.mjs): measured about three times as fast as the JavaScript on Parquet pages, and
// 0.71x that time since its table is 32 KB. snappyWasm.ts calls it; without the module the
// JavaScript compresses, to the same bytes.
#include <stdint.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

#define BLOCK_SIZE 65536
#define HASH_BITS 14
#define INPUT_MARGIN 15

// Positions relative to the block's start, so 2 bytes an entry: the table is 32 KB and stays in the
// first-level cache beside the block (as 4-byte entries it took 64 KB: 0.72x the CPU time this way,
// the same bytes, over the 913 pages of the 10 M-row bench job).
static uint16_t table[1 << HASH_BITS];

static inline u8 *at(u32 offset) { return (u8 *)(uintptr_t)offset; }

static inline u32 load32(const u8 *p) {
  u32 v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

static inline u64 load64(const u8 *p) {
  u64 v;
  __builtin_memcpy(&v, p, 8);
  return v;
}

static inline void copy16(u8 *to, const u8 *from) {
  u64 a = load64(from), b = load64(from + 8);
  __builtin_memcpy(to, &a, 8);
  __builtin_memcpy(to + 8, &b, 8);
}

static inline u32 hash(u32 v) { return (v * 0x1e35a7bdu) >> (32 - HASH_BITS); }

static u32 emitLiteral(const u8 *in, u32 from, u32 length, u8 *out, u32 op) {
  if (length == 0) return op;
  u32 n = length - 1;
  if (n < 60) out[op++] = (u8)(n << 2);
  else if (n < 0x100) {
    out[op++] = 60 << 2;
    out[op++] = (u8)n;
  } else if (n < 0x10000) {
    out[op++] = 61 << 2;
    out[op++] = (u8)n;
    out[op++] = (u8)(n >> 8);
  } else {
    out[op++] = 62 << 2;
    out[op++] = (u8)n;
    out[op++] = (u8)(n >> 8);
    out[op++] = (u8)(n >> 16);
  }
  // Up to 64 bytes in 16-byte steps of two 8-byte words (V8 runs memory.copy as a call out of the
  // module): this may write up to 15 bytes past the literal, which later output overwrites (the
  // output region has that margin: snappyWasm.ts), and read as many past it (within memory).
  if (length <= 64) {
    for (u32 k = 0; k < length; k += 16) copy16(out + op + k, in + from + k);
  } else {
    __builtin_memcpy(out + op, in + from, length);
  }
  return op + length;
}

static u32 emitCopyUpTo64(u32 offset, u32 length, u8 *out, u32 op) {
  if (length >= 4 && length < 12 && offset < 2048) {
    out[op++] = (u8)(1 | ((length - 4) << 2) | ((offset >> 8) << 5));
    out[op++] = (u8)offset;
  } else {
    out[op++] = (u8)(2 | ((length - 1) << 2));
    out[op++] = (u8)offset;
    out[op++] = (u8)(offset >> 8);
  }
  return op;
}

static u32 emitCopy(u32 offset, u32 length, u8 *out, u32 op) {
  u32 remaining = length;
  while (remaining >= 68) {
    op = emitCopyUpTo64(offset, 64, out, op);
    remaining -= 64;
  }
  if (remaining > 64) {
    op = emitCopyUpTo64(offset, 60, out, op);
    remaining -= 60;
  }
  return emitCopyUpTo64(offset, remaining, out, op);
}

// The table is cleared to 0 per block: an empty entry then names the block's first position, whose
// own entry is stored first. A lookup that finds 0 for bytes other than those of the first position
// compares them with the first position's bytes, which hash elsewhere, so it finds no match, as an
// empty entry of snappyCompress.ts does: the same bytes.
static u32 compressBlock(const u8 *in, u32 start, u32 end, u8 *out, u32 op) {
  if (end - start < INPUT_MARGIN) return emitLiteral(in, start, end - start, out, op);
  __builtin_memset(table, 0, sizeof table);
  u32 ipLimit = end - INPUT_MARGIN;
  u32 nextEmit = start;
  u32 ip = start + 1;
  table[hash(load32(in + start))] = 0;
  for (;;) {
    u32 skip = 32;
    u32 candidate;
    // The first 16 positions after a copy are looked up one by one (the stride of the loop below
    // is 1 for its first 32), so their hashes come from 8-byte loads shifted a byte at a time.
    if (ip + 16 <= ipLimit) {
      u64 data = load64(in + ip);
      for (u32 j = 0; j < 4; j++) {
        for (u32 k = 0; k < 4; k++) {
          u32 h = hash((u32)data);
          candidate = start + table[h];
          table[h] = (uint16_t)(ip + 4 * j + k - start);
          if (load32(in + candidate) == (u32)data) {
            ip += 4 * j + k;
            goto found;
          }
          data >>= 8;
        }
        data = load64(in + ip + 4 * j + 4);
      }
      ip += 16;
      skip += 16;
    }
    // Look for a 4-byte match; the stride grows over incompressible data so it is skipped quickly.
    for (;;) {
      if (ip > ipLimit) goto done;
      u32 bytes = load32(in + ip);
      u32 h = hash(bytes);
      candidate = start + table[h];
      table[h] = (uint16_t)(ip - start);
      if (load32(in + candidate) == bytes) break;
      ip += skip++ >> 5;
    }
  found:
    op = emitLiteral(in, nextEmit, ip - nextEmit, out, op);
    // Copies for as long as the next position matches again right away.
    for (;;) {
      u32 matched = 4;
      u32 differs = 0;
      // Eight bytes at a time, then four, then byte by byte: the same length as bytes alone.
      while (ip + matched + 8 <= end) {
        u64 wide = load64(in + candidate + matched) ^ load64(in + ip + matched);
        if (wide != 0) {
          matched += (u32)__builtin_ctzll(wide) >> 3;
          goto matchedAll;
        }
        matched += 8;
      }
      while (ip + matched + 4 <= end) {
        differs = load32(in + candidate + matched) ^ load32(in + ip + matched);
        if (differs != 0) break;
        matched += 4;
      }
      if (differs != 0) matched += (u32)__builtin_ctz(differs) >> 3;
      else
        while (ip + matched < end && in[candidate + matched] == in[ip + matched]) matched++;
    matchedAll:
      op = emitCopy(ip - candidate, matched, out, op);
      ip += matched;
      nextEmit = ip;
      if (ip >= ipLimit) goto done;
      table[hash(load32(in + ip - 1))] = (uint16_t)(ip - 1 - start);
      u32 bytes = load32(in + ip);
      u32 h = hash(bytes);
      candidate = start + table[h];
      table[h] = (uint16_t)(ip - start);
      if (load32(in + candidate) != bytes) break;
    }
    ip++;
  }
done:
  if (nextEmit < end) op = emitLiteral(in, nextEmit, end - nextEmit, out, op);
  return op;
}

/** Compresses in[0, length) into out (at least 32 + length + length / 6 bytes, and 16 more to write past); returns the bytes written. */
__attribute__((export_name("snappyCompress"))) u32 snappyCompress(u32 input, u32 length, u32 output) {
  const u8 *in = at(input);
  u8 *out = at(output);
  u32 op = 0;
  u32 n = length;
  while (n >= 0x80) {
    out[op++] = (u8)((n & 0x7f) | 0x80);
    n >>= 7;
  }
  out[op++] = (u8)n;
  for (u32 start = 0; start < length; start += BLOCK_SIZE) {
    u32 end = length - start < BLOCK_SIZE ? length : start + BLOCK_SIZE;
    op = compressBlock(in, start, end, out, op);
  }
  return op;
}
