// Parquet pages are compressed on a worker thread; the bytes must be exactly those the Snappy
// compressor gives on the calling thread, in order, also when the pages are moved to the worker.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { compressPages, compressionWorkerStarted } from '../../../src/formats/parquet/pageCompressor';
import { snappyCompress } from '../../../src/formats/parquet/snappyCompress';

function pages(): Buffer[] {
  let seed = 7;
  const noise = Buffer.alloc(300_000);
  for (let i = 0; i < noise.length; i++) noise[i] = ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) >>> 16) & 0xff;
  return [
    Buffer.from('abcdabcdabcdabcdabcdabcd'.repeat(50_000)), // large: its own ArrayBuffer, moved to the worker
    noise,
    Buffer.from('x'), // a small slice of Node's shared pool: copied, not moved
    Buffer.alloc(0),
  ];
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('compressPages', () => {
  test('snappy on the worker gives the same bytes as on this thread, page by page, twice in a row', async () => {
    const expected = pages().map((p) => sha(snappyCompress(p)));
    // The first request copies its pages; later ones move whole-buffer pages to the worker.
    for (let round = 0; round < 2; round++) {
      const compressed = await compressPages('snappy', pages());
      assert.deepEqual(compressed.map(sha), expected);
    }
    assert.equal(compressionWorkerStarted(), true);
  });

  test('when the caller helps (the last row group), its share and the worker\'s come back in page order', async () => {
    const expected = pages().map((p) => sha(snappyCompress(p)));
    const compressed = await compressPages('snappy', pages(), true);
    assert.deepEqual(compressed.map(sha), expected);
    const one = await compressPages('snappy', [Buffer.from('only one page '.repeat(1000))], true);
    assert.equal(sha(one[0]), sha(snappyCompress(Buffer.from('only one page '.repeat(1000)))));
  });

  test('requests in flight together come back to their own callers', async () => {
    const inputs = [Buffer.from('a'.repeat(100_000)), Buffer.from('b'.repeat(50_000)), Buffer.from('abc'.repeat(70_000))];
    const results = await Promise.all(inputs.map((input) => compressPages('snappy', [Buffer.from(input)])));
    assert.deepEqual(results.map((r) => sha(r[0])), inputs.map((i) => sha(snappyCompress(i))));
  });

  test('gzip pages gunzip to the input; none returns the pages untouched', async () => {
    const { gunzipSync } = await import('node:zlib');
    const input = Buffer.from('kusto '.repeat(10_000));
    const [gz] = await compressPages('gzip', [input]);
    assert.equal(gunzipSync(gz).toString(), 'kusto '.repeat(10_000));
    const [same] = await compressPages('none', [input]);
    assert.equal(same, input);
  });
});

describe('compressPages with pages in parts (levels, then a view of the values)', () => {
  /** The pages above, each cut in two: a short head and a view of the rest in one shared storage buffer. */
  function inParts(): { parts: Array<readonly Uint8Array[]>; storage: ArrayBuffer } {
    const whole = pages();
    const storage = new ArrayBuffer(whole.reduce((n, p) => n + p.length, 0));
    const parts: Array<readonly Uint8Array[]> = [];
    let at = 0;
    for (const page of whole) {
      const head = Buffer.from(page.subarray(0, Math.min(5, page.length)));
      const rest = new Uint8Array(storage, at, page.length - head.length);
      rest.set(page.subarray(head.length));
      at += rest.length;
      parts.push([head, rest]);
    }
    return { parts, storage };
  }

  test('give the bytes of the joined pages, on the worker (the storage moved to it), with the caller helping, and uncompressed', async () => {
    const expected = pages().map((p) => sha(snappyCompress(p)));
    await compressPages('snappy', pages()); // the worker has answered once: buffers are moved from now on
    const moved = inParts();
    assert.deepEqual((await compressPages('snappy', moved.parts, false, [moved.storage])).map(sha), expected);
    assert.equal(moved.storage.byteLength, 0, 'the storage went to the worker, not copied');
    const helped = inParts();
    assert.deepEqual((await compressPages('snappy', helped.parts, true, [helped.storage])).map(sha), expected);
    assert.deepEqual((await compressPages('none', inParts().parts)).map(sha), pages().map(sha));
  });
});
