// The WebAssembly row scanners are compiled with the powers of five as a C header (their Eisel-
// Lemire table), made once by scripts/write-powers-of-five.ts instead of at each job's start: the
// header must be exactly the table powersOfFive.ts makes, or reals would parse to other doubles.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { powersOfFiveHeader, powersOfFiveTable } from '../../../src/formats/parquet/powersOfFive';

const header = (): string => readFileSync(join(__dirname, '..', '..', '..', 'src', 'formats', 'parquet', 'powersOfFive.h'), 'utf8');

test('powersOfFive.h is the table powersOfFive.ts makes (regenerate it with scripts/write-powers-of-five.ts)', () => {
  assert.equal(header(), powersOfFiveHeader());
});

test('the header holds all 651 powers, and 5^0 and 5^1 as their 128 most significant bits', () => {
  const words = [...header().matchAll(/0x([0-9a-f]{8})u/g)].map((m) => parseInt(m[1], 16));
  assert.equal(words.length, 651 * 4);
  assert.deepEqual(words, [...powersOfFiveTable()]);
  // q = 0 is index 342: 1 shifted to the top bit; q = 1: 5 (101b) shifted to the top.
  assert.deepEqual(words.slice(342 * 4, 343 * 4), [0x80000000, 0, 0, 0]);
  assert.deepEqual(words.slice(343 * 4, 344 * 4), [0xa0000000, 0, 0, 0]);
});
