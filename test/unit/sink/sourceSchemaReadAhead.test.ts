// The source schema reads a few files' footers or samples at once (each a round trip or two from
// blob storage), yet merges them in the listing's order, and reports the first bad file in that order.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ByteRangeSource } from '../../../src/formats/byteRangeReader';
import { inferSourceSchema } from '../../../src/engine/sink/sourceSchema';
import { readAhead } from '../../../src/engine/sink/readAhead';
import type { SourceFile, SourceListing } from '../../../src/spark/sparkFolderReader';

/** A turn of the event loop: long enough for other reads to start if they may. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function csvListing(contents: string[], failing: Map<number, number> = new Map()): { listing: SourceListing; peak: () => number } {
  let inFlight = 0;
  let peak = 0;
  const files: SourceFile[] = contents.map((text, i) => ({
    path: `/src/part-${i}.csv`, relativePath: `part-${i}.csv`, size: Buffer.byteLength(text), format: 'csv', compression: 'none', partitionValues: {}, fingerprint: `${i}`,
  }));
  const open = (file: SourceFile): ByteRangeSource => {
    const i = files.indexOf(file);
    const bytes = Buffer.from(contents[i]);
    const slow = async <T>(value: () => T): Promise<T> => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        // A file marked failing rejects after that many turns (0: at once).
        for (let t = 0; t < (failing.get(i) ?? 3); t++) await turn();
        if (failing.has(i)) throw new Error(`cannot read ${file.relativePath}`);
        return value();
      } finally {
        inFlight--;
      }
    };
    return { name: file.path, size: () => slow(() => bytes.length), read: (offset, length) => slow(() => bytes.subarray(offset, offset + length)) };
  };
  const listing: SourceListing = { root: '/src', layout: 'plain', files, partitionColumns: [], warnings: [], open, contentHash: async () => 'x' };
  return { listing, peak: () => peak };
}

describe('source schema: reads ahead, merges in order', () => {
  test('several files are read at once (at most 8), and the schema is that of the files in listing order', async () => {
    // The first file has no value in column b, so the next file decides its type; a later file widens a.
    const contents = ['a,b\n1,\n', ...Array.from({ length: 10 }, (_, i) => `a,b\n${i},x\n`), 'a,b\n1.5,y\n'];
    const { listing, peak } = csvListing(contents);
    const schema = await inferSourceSchema(listing);
    assert.ok(peak() > 1, `one file read at a time (peak ${peak()})`);
    assert.ok(peak() <= 8, `more than 8 reads at once (peak ${peak()})`);
    assert.deepEqual([...schema.perFile.keys()], listing.files.map((f) => f.relativePath));
    assert.deepEqual(schema.columns.map((c) => `${c.name}:${c.type}`), ['a:real', 'b:string']);
  });

  test('the first bad file in listing order is reported, even when a later one fails first', async () => {
    const contents = Array.from({ length: 6 }, (_, i) => `a\n${i}\n`);
    const { listing } = csvListing(contents, new Map([[1, 6], [4, 0]]));
    await assert.rejects(inferSourceSchema(listing), /cannot read part-1\.csv/);
  });
});

describe('readAhead', () => {
  test('yields in order with at most `limit` calls under way, and lets started calls finish when the caller stops', async () => {
    let inFlight = 0;
    let peak = 0;
    let finished = 0;
    const fn = async (n: number): Promise<number> => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      for (let t = 0; t < 5 - (n % 5); t++) await turn();
      inFlight--;
      finished++;
      return n * 10;
    };
    const seen: number[] = [];
    for await (const value of readAhead([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3, fn)) seen.push(value);
    assert.deepEqual(seen, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    assert.equal(peak, 3);
    finished = 0;
    for await (const value of readAhead([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3, fn)) if (value === 10) break;
    // Stopped at the second: the calls already started (the first four) have finished, none more began.
    assert.equal(inFlight, 0);
    assert.equal(finished, 4);
  });
});
