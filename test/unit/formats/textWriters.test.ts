import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { ColumnSchema, RowBatch } from '../../../src/engine/rows';
import { createRecordFileWriter } from '../../../src/formats/createRecordFileWriter';
import { UnsupportedCompressionError, fileExtension } from '../../../src/formats/recordFileWriter';
import { EVERY_KUSTO_TYPE } from '../everyKustoType';

const columns: ColumnSchema[] = EVERY_KUSTO_TYPE;

const rows: RowBatch = [
  [true, 1, 9223372036854775807n, 0.5, '1.50', 'a,b "c"\nd', '2020-03-04T14:05:01.3109965Z', '-2.00:00:02.0020002', '123e27de-1e4e-49d9-b579-fe0b331d3642', '{"a":[1,"x"]}'],
  [null, null, null, null, null, null, null, null, null, null],
  [false, -2147483648, -9223372036854775807n, NaN, '-0.000000000000000001', '', '0001-01-01T00:00:00.0000000Z', '00:00:00', '', '{\n  "k": "line\\nbreak"\n}'],
  [false, 0, 9007199254740993n, -Infinity, '0', 'ünï 😀', '9999-12-31T23:59:59.9999999Z', '10675199.02:48:05.4775807', 'x', '"text"'],
];

function memoryDestination(highWaterMark = 16 * 1024): { stream: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, callback) {
      chunks.push(chunk);
      setImmediate(callback);
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
}

const expectedCsv =
  'b,i,l,r,d,s,t,ts,g,dyn\n' +
  'true,1,9223372036854775807,0.5,1.50,"a,b ""c""\nd",2020-03-04T14:05:01.3109965Z,-2.00:00:02.0020002,123e27de-1e4e-49d9-b579-fe0b331d3642,"{""a"":[1,""x""]}"\n' +
  ',,,,,,,,,\n' +
  'false,-2147483648,-9223372036854775807,NaN,-0.000000000000000001,"",0001-01-01T00:00:00.0000000Z,00:00:00,"","{\n  ""k"": ""line\\nbreak""\n}"\n' +
  'false,0,9007199254740993,-Infinity,0,ünï 😀,9999-12-31T23:59:59.9999999Z,10675199.02:48:05.4775807,x,"""text"""\n';

const expectedJson =
  '{"b":true,"i":1,"l":9223372036854775807,"r":0.5,"d":"1.50","s":"a,b \\"c\\"\\nd","t":"2020-03-04T14:05:01.3109965Z","ts":"-2.00:00:02.0020002","g":"123e27de-1e4e-49d9-b579-fe0b331d3642","dyn":{"a":[1,"x"]}}\n' +
  '{"b":null,"i":null,"l":null,"r":null,"d":null,"s":null,"t":null,"ts":null,"g":null,"dyn":null}\n' +
  '{"b":false,"i":-2147483648,"l":-9223372036854775807,"r":"NaN","d":"-0.000000000000000001","s":"","t":"0001-01-01T00:00:00.0000000Z","ts":"00:00:00","g":"","dyn":{   "k": "line\\nbreak" }}\n' +
  '{"b":false,"i":0,"l":9007199254740993,"r":"-Infinity","d":"0","s":"ünï 😀","t":"9999-12-31T23:59:59.9999999Z","ts":"10675199.02:48:05.4775807","g":"x","dyn":"text"}\n';

describe('CSV writer', () => {
  test('writes RFC 4180 cells with LF line ends, exact Kusto text and quoted empty strings', async () => {
    const out = memoryDestination();
    const writer = createRecordFileWriter(out.stream, { format: 'csv', columns, compression: 'none' });
    await writer.write(rows.slice(0, 2));
    await writer.write(rows.slice(2));
    const summary = await writer.close();
    assert.equal(out.bytes().toString('utf8'), expectedCsv);
    assert.deepEqual(summary, { rows: 4, bytes: Buffer.byteLength(expectedCsv) });
  });

  test('an empty result still has its header row', async () => {
    const out = memoryDestination();
    const writer = createRecordFileWriter(out.stream, { format: 'csv', columns: columns.slice(0, 2) });
    assert.deepEqual(await writer.close(), { rows: 0, bytes: 4 });
    assert.equal(out.bytes().toString(), 'b,i\n');
  });

  test('gzip compresses the same bytes and counts the compressed size', async () => {
    const out = memoryDestination();
    const writer = createRecordFileWriter(out.stream, { format: 'csv', columns, compression: 'gzip' });
    await writer.write(rows);
    const summary = await writer.close();
    assert.equal(out.bytes()[0], 0x1f);
    assert.equal(out.bytes()[1], 0x8b);
    assert.equal(gunzipSync(out.bytes()).toString('utf8'), expectedCsv);
    assert.equal(summary.bytes, out.bytes().length);
  });
});

describe('JSON lines writer', () => {
  test('keeps long exact beyond 2^53, decimals as strings, dynamic embedded on one line', async () => {
    const out = memoryDestination();
    const writer = createRecordFileWriter(out.stream, { format: 'json', columns });
    await writer.write(rows);
    const summary = await writer.close();
    assert.equal(out.bytes().toString('utf8'), expectedJson);
    assert.equal(summary.rows, 4);
    // Every line is valid JSON on its own.
    assert.equal(expectedJson.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown).length, 4);
  });

  test('gzip output decompresses to the same lines', async () => {
    const out = memoryDestination();
    const writer = createRecordFileWriter(out.stream, { format: 'json', columns, compression: 'gzip' });
    await writer.write(rows);
    await writer.close();
    assert.equal(gunzipSync(out.bytes()).toString('utf8'), expectedJson);
  });
});

describe('writer plumbing', () => {
  test('write() waits for the destination to drain (bounded memory)', async () => {
    const out = memoryDestination(1024);
    const writer = createRecordFileWriter(out.stream, { format: 'csv', columns: [{ name: 's', type: 'string' }] });
    for (let i = 0; i < 20; i++) {
      await writer.write(Array.from({ length: 200 }, (_, k) => [`row ${i}-${k} with some padding text`]));
      assert.equal(out.stream.writableNeedDrain, false);
    }
    const summary = await writer.close();
    assert.equal(summary.rows, 4000);
    assert.equal(out.bytes().toString().split('\n').length, 4002);
  });

  test('a destination error fails the writer instead of being swallowed', async () => {
    for (const format of ['csv', 'json', 'parquet'] as const) {
      const failing = new Writable({
        write(_chunk, _enc, callback) {
          callback(new Error('disk full'));
        },
      });
      const writer = createRecordFileWriter(failing, { format, columns: [{ name: 's', type: 'string' }], compression: 'gzip' });
      await assert.rejects(
        (async () => {
          await writer.write([['x'.repeat(100_000)]]);
          await writer.close();
        })(),
        /disk full/,
        format,
      );
    }
  });

  test('refuses compressions a format cannot have, and names files as Spark does', () => {
    assert.throws(() => createRecordFileWriter(memoryDestination().stream, { format: 'csv', columns, compression: 'snappy' }), UnsupportedCompressionError);
    assert.throws(
      () => createRecordFileWriter(memoryDestination().stream, { format: 'parquet', columns, compression: 'zstd' as 'gzip' }),
      /parquet output does not support compression "zstd" \(supported: none, snappy, gzip\)/,
    );
    assert.deepEqual(
      [fileExtension('parquet', 'snappy'), fileExtension('parquet', 'gzip'), fileExtension('parquet', 'none'), fileExtension('csv', 'gzip'), fileExtension('json', 'none')],
      ['.snappy.parquet', '.gz.parquet', '.parquet', '.csv.gz', '.json'],
    );
  });
});

describe('encoded text handed on while the previous output is written (writeQueued)', () => {
  /** A destination whose writes end only when the test says so; it records each _write / _writev call. */
  function heldDestination(): { stream: Writable; calls: number[][]; finishNext: () => void; bytes: () => Buffer } {
    const held: (() => void)[] = [];
    const calls: number[][] = [];
    const chunks: Buffer[] = [];
    const stream = new Writable({
      highWaterMark: 1 << 20,
      write(chunk: Buffer, _enc, callback) {
        calls.push([chunk.length]);
        chunks.push(chunk);
        held.push(() => callback());
      },
      writev(parts, callback) {
        calls.push(parts.map((p) => (p.chunk as Buffer).length));
        for (const p of parts) chunks.push(p.chunk as Buffer);
        held.push(() => callback());
      },
    });
    return { stream, calls, finishNext: () => held.shift()?.(), bytes: () => Buffer.concat(chunks) };
  }
  const settled = async (p: Promise<void>): Promise<boolean> => {
    let done = false;
    void p.then(() => (done = true));
    for (let k = 0; k < 5; k++) await new Promise((resolve) => setImmediate(resolve));
    return done;
  };

  for (const format of ['csv', 'json'] as const) {
    test(`${format}: a 2 MB output returns while it is written; the next waits only for the one before it, and each is written on its own`, async () => {
      const { stream, calls, finishNext, bytes } = heldDestination();
      const writer = createRecordFileWriter(stream, { format, columns: [{ name: 'n', type: 'long' }], compression: 'none' });
      assert.ok(writer.writeText, 'the writer takes encoded text');
      const outputs = [0x61, 0x62, 0x63, 0x64].map((c) => Buffer.alloc(2 << 20, c));
      const written: number[] = [];
      // The first: being written, the caller goes on (before, it waited for the write, past the 1 MB queue).
      if (format === 'csv') {
        // The header goes first, on its own; the first output waits for it (it is small).
        const first = writer.writeText(outputs[0], 1, () => written.push(0));
        finishNext();
        assert.equal(await settled(first), true, 'the first output returns once the header is written');
        assert.deepEqual(calls, [[2], [2 << 20]], 'the header on its own, then the first output');
        calls.shift();
      } else assert.equal(await settled(writer.writeText(outputs[0], 1, () => written.push(0))), true, 'the first output returns at once');
      // The second: queued behind the first; returns once the first is written.
      const second = writer.writeText(outputs[1], 1, () => written.push(1));
      assert.equal(await settled(second), false, 'the second waits while the first is written');
      finishNext();
      assert.equal(await settled(second), true, 'the second returns once the first is written');
      assert.deepEqual(written, [0]);
      // The third waits for the second, which is being written now.
      const third = writer.writeText(outputs[2], 1, () => written.push(2));
      assert.equal(await settled(third), false);
      finishNext();
      assert.equal(await settled(third), true);
      const fourth = writer.writeText(outputs[3], 1, () => written.push(3));
      finishNext();
      assert.equal(await settled(fourth), true);
      const closing = writer.close();
      finishNext();
      for (let k = 0; k < 3; k++) {
        await new Promise((resolve) => setImmediate(resolve));
        finishNext();
      }
      const summary = await closing;
      assert.deepEqual(written, [0, 1, 2, 3]);
      assert.deepEqual(calls, [[2 << 20], [2 << 20], [2 << 20], [2 << 20]], 'one write per output, never two joined');
      assert.ok(bytes().equals(Buffer.concat([...(format === 'csv' ? [Buffer.from('n\n')] : []), ...outputs])));
      assert.deepEqual(summary, { rows: 4, bytes: 4 * (2 << 20) + (format === 'csv' ? 2 : 0) });
    });
  }
});

describe('a cancel while encoded text is queued (writeQueued then abort)', () => {
  for (const format of ['csv', 'json'] as const) {
    test(`${format}: abort during a write with another queued settles the waiting caller and releases the file`, async () => {
      const { createWriteStream, mkdtempSync, rmSync, statSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { tmpdir } = await import('node:os');
      const dir = mkdtempSync(join(tmpdir(), 'kdm-queued-abort-'));
      try {
        const file = createWriteStream(join(dir, `part.${format}`));
        const writer = createRecordFileWriter(file, { format, columns: [{ name: 'n', type: 'long' }], compression: 'none' });
        assert.ok(writer.writeText, 'the writer takes encoded text');
        const outputs = [0x61, 0x62, 0x63].map((c) => Buffer.alloc(16 << 20, c));
        const written: number[] = [];
        // The first output is being written; the second is queued behind it and its caller waits.
        await writer.writeText(outputs[0], 1, () => written.push(0));
        const second = writer.writeText(outputs[1], 1, () => written.push(1));
        const outcome = second.then(
          () => 'resolved',
          (err: Error) => `rejected: ${err.message}`,
        );
        // The job's cancel arrives now: the writer is torn down while the disk write is in progress.
        const aborting = writer.abort();
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still waiting after 10 s'), 10_000)));
        const settledAs = await Promise.race([outcome, deadline]);
        assert.notEqual(settledAs, 'still waiting after 10 s', 'the caller queued behind the write is not left waiting');
        await Promise.race([aborting, deadline.then((m) => assert.fail(`abort ${m}`))]);
        assert.equal(file.closed, true, 'the file is closed once abort returns');
        // Nothing more goes out after the abort.
        await assert.rejects(writer.writeText(outputs[2], 1), /aborted/);
        assert.ok(statSync(join(dir, `part.${format}`)).size <= 2 * (16 << 20) + 2, 'no more than the outputs handed on reached the file');
        assert.ok(!written.includes(2));
        clearTimeout(timer);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
