// Row spans: the primary table's rows cut at `],[` by a plain search, parsed and encoded as Parquet
// row groups on worker threads. Proves that every row arrives exactly once and in order whatever
// the text holds: cuts that fall inside strings, escapes, multi-byte characters cut by chunks,
// rows longer than a span, progressive fragments, an error object among the rows, no worker.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ColumnSchema } from '../../../src/engine/rows';
import { type EncodedRowGroup, RowGroupEncoder } from '../../../src/formats/parquet/rowGroupEncoder';
import { RowSpanEncoderPool } from '../../../src/formats/parquet/rowSpanEncoding';
import { KustoError } from '../../../src/kusto/kustoError';
import { completeUtf8Length } from '../../../src/kusto/responseReader';
import type { QueryEvent } from '../../../src/kusto/queryEvents';
import { streamQuery } from '../../../src/kusto/streamingQueryReader';
import { chunkedAnswer } from '../../helpers/chunkedAnswer';
import { type FakeKustoServer, progressiveResponse, startFakeKusto } from './fakeKustoServer';

const LONG_STRING = ['n', 'long'] as [string, string];
const TEXT = ['s', 'string'] as [string, string];

describe('RowSpanColumnParser (a span of row bytes into column buffers)', () => {
  const columns = [{ name: 'n', type: 'long' }, { name: 's', type: 'string' }] as ColumnSchema[];
  const parse = (text: string) => {
    const encoder = new RowGroupEncoder(columns, 'none', 1 << 20);
    const result = encoder.appendSpan(Buffer.from(text, 'utf8'));
    return { ...result, values: result.rows > 0 ? decodeGroup(encoder.finish(false)) : [] };
  };

  test('a span cut right consumes every byte: complete rows, each followed by its comma', () => {
    assert.deepEqual(parse('[1,"a"],[2,"b"],[3,"c"],'), { rows: 3, end: 24, stop: 'complete', values: [[1, 'a'], [2, 'b'], [3, 'c']] });
  });

  test('the end of the Rows array stops the span at its closing bracket', () => {
    const text = '[1,"a"],[2,"b"]]},{"FrameType":"DataSetCompletion"}]';
    assert.deepEqual(parse(text), { rows: 2, end: text.indexOf(']]') + 1, stop: 'arrayEnd', values: [[1, 'a'], [2, 'b']] });
  });

  test('bytes that end inside a row (a cut inside a string) stop at the start of that row, which needs what follows', () => {
    // The text search found `],[` inside "x],[y": the span ends inside that string.
    assert.deepEqual(parse('[0,"ok"],[1,"x],'), { rows: 1, end: 9, stop: 'incomplete', values: [[0, 'ok']] });
  });

  test('bytes that end right after a row, before its comma, give that row back too', () => {
    assert.deepEqual(parse('[0,"a"],[1,"b"]'), { rows: 1, end: 8, stop: 'incomplete', values: [[0, 'a']] });
  });

  test('multi-byte characters are copied as the UTF-8 they are, and offsets are in bytes', () => {
    const text = '[1,"日本"],[2,"😀"],';
    assert.deepEqual(parse(text), { rows: 2, end: Buffer.byteLength(text), stop: 'complete', values: [[1, '日本'], [2, '😀']] });
  });

  test('an error object among the rows, and malformed text, are left to the caller at their row', () => {
    assert.deepEqual(parse('[1,"a"],{"OneApiErrors":[{"error":{"code":"X"}}]}'), { rows: 1, end: 8, stop: 'stopped', values: [[1, 'a']] });
    assert.deepEqual(parse('[1,"a"],[2,"b"x],'), { rows: 1, end: 8, stop: 'stopped', values: [[1, 'a']] });
  });

  test('a row with a value the column refuses is left to the caller, none of its values kept', () => {
    const encoder = new RowGroupEncoder([{ name: 'n', type: 'long' }, { name: 'd', type: 'decimal' }], 'none', 1 << 20);
    const result = encoder.appendSpan(Buffer.from('[1,"2"],[3,"79228162514264337593543950335"],[4,"5"],'));
    assert.deepEqual(result, { rows: 1, end: 8, stop: 'stopped' });
    assert.deepEqual(encoder.finish(false).columns.map((c) => c.numValues), [1, 1]);
  });
});

test('completeUtf8Length keeps back the bytes of a character cut at the end', () => {
  const bytes = Buffer.from('aé😀', 'utf8'); // 1 + 2 + 4 bytes
  assert.equal(completeUtf8Length(bytes), 7);
  assert.equal(completeUtf8Length(bytes.subarray(0, 2)), 1);
  assert.equal(completeUtf8Length(bytes.subarray(0, 3)), 3);
  assert.equal(completeUtf8Length(bytes.subarray(0, 5)), 3);
  assert.equal(completeUtf8Length(bytes.subarray(0, 6)), 3);
});

/** Values of an uncompressed row group of (long, string) columns without nulls, as written by rowGroupEncoder. */
function decodeGroup(group: EncodedRowGroup): unknown[][] {
  const columns = group.columns.map((chunk, c) =>
    chunk.pages.flatMap((page) => {
      // A group handed over by the reader keeps each page's levels apart from its values.
      const body = Buffer.concat([page.levels ?? new Uint8Array(0), page.body]);
      let at = 4 + body.readUInt32LE(0); // definition levels: length-prefixed, all present here
      const values: unknown[] = [];
      for (let i = 0; i < page.numValues; i++) {
        if (c === 0) {
          values.push(Number(body.readBigInt64LE(at)));
          at += 8;
        } else {
          const length = body.readUInt32LE(at);
          values.push(body.toString('utf8', at + 4, at + 4 + length));
          at += 4 + length;
        }
      }
      return values;
    }),
  );
  return columns[0].map((n, r) => [n, columns[1][r]]);
}

let server: FakeKustoServer;
before(async () => {
  server = await startFakeKusto();
});
after(async () => {
  await server?.stop();
});

interface Collected {
  rows: unknown[][];
  encodedGroups: number;
  rowEvents: number;
  /** 'rowsParsed' events: one per time the reading thread parsed rows from the chunks gathered. */
  parseEvents: number;
}

/**
 * Reads `body` sent in chunks of `chunkSize`. `batch` 0 (the default here): the reading thread
 * parses each chunk as it comes, so the cuts fall where the chunks end; 'default': the engine's
 * own batching (options.parseBatchBytes not set).
 */
async function readWithSpans(body: string, chunkSize: number, spanBytes: number, workers = 2, batch: number | 'default' = 0): Promise<Collected> {
  const parseBatchBytes = batch === 'default' ? undefined : batch;
  server.script([chunkedAnswer(body, chunkSize)]);
  const out: Collected = { rows: [], encodedGroups: 0, rowEvents: 0, parseEvents: 0 };
  const events: AsyncIterable<QueryEvent> = streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T', parquetSpans: { codec: 'none', pageBytes: 1 << 20, spanBytes, workers, parseBatchBytes } });
  for await (const event of events) {
    if (event.kind === 'rowsParsed') out.parseEvents++;
    if (event.kind === 'encodedRows') {
      out.encodedGroups++;
      const rows = decodeGroup(event.group);
      assert.equal(rows.length, event.rows);
      out.rows.push(...rows);
    } else if (event.kind === 'rows') {
      out.rowEvents++;
      out.rows.push(...event.rows.map((row) => [Number(row[0]), row[1]]));
    }
  }
  return out;
}

/** Row n's string: mostly plain, with cuts waiting inside strings, escapes and multi-byte characters. */
function textOf(n: number): string {
  switch (n % 7) {
    case 0:
      return `x],[${n},y`; // a `],[` that is not between rows
    case 1:
      return `quote \\"],[\\" ${n}`; // escaped quotes around a `],[`
    case 2:
      return `héllo wörld 日本語 😀 ${n}`;
    case 3:
      return n % 70 === 3 ? 'long '.repeat(200) + n : `plain-${n}`; // now and then longer than a span
    default:
      return `item-${n}`;
  }
}

function rowsJson(from: number, to: number): string[] {
  const rows: string[] = [];
  for (let n = from; n < to; n++) rows.push(`[${n},"${textOf(n)}"]`);
  return rows;
}

function expected(from: number, to: number): unknown[][] {
  const rows: unknown[][] = [];
  for (let n = from; n < to; n++) rows.push([n, textOf(n).replace(/\\"/g, '"')]);
  return rows;
}

describe('streamQuery with Parquet row spans', () => {
  for (const [workers, where] of [[2, 'through worker spans'], [0, 'parsed from chunk bytes on the reading thread']] as const) {
    test(`every row arrives once and in order, ${where}, whatever the text and chunks hold`, async () => {
      const body = progressiveResponse([LONG_STRING, TEXT], [rowsJson(0, 900), rowsJson(900, 1500), rowsJson(1500, 1510)]).join('');
      const got = await readWithSpans(body, 97, 600, workers);
      assert.deepEqual(got.rows, expected(0, 1510));
      assert.ok(got.encodedGroups > 20, `most rows go through spans (${got.encodedGroups} row groups)`);
    });

    test(`a whole (non-progressive) table of plain rows goes through spans alone, ${where}`, async () => {
      const rows: string[] = [];
      for (let n = 0; n < 3000; n++) rows.push(`[${n},"item-${n}"]`);
      const body =
        '[{"FrameType":"DataSetHeader","IsProgressive":false,"Version":"v2.0"},\n' +
        `{"FrameType":"DataTable","TableId":1,"TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":[{"ColumnName":"n","ColumnType":"long"},{"ColumnName":"s","ColumnType":"string"}],"Rows":[${rows.join(',')}]},\n` +
        '{"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}]';
      const got = await readWithSpans(body, 4096, 2048, workers);
      assert.deepEqual(
        got.rows,
        Array.from({ length: 3000 }, (_, n) => [n, `item-${n}`]),
      );
      assert.equal(got.rowEvents, 0, 'no row is parsed by the text parser');
      assert.ok(got.encodedGroups >= 10, `row groups: ${got.encodedGroups}`);
    });
  }

  test('a table with a column the WebAssembly parser does not take (timespan) is parsed row by row, as without the module', async () => {
    const rows: string[] = [];
    for (let n = 0; n < 3000; n++) rows.push(`[${n},"00:00:${String(n % 60).padStart(2, '0')}"]`);
    const body =
      '[{"FrameType":"DataSetHeader","IsProgressive":false,"Version":"v2.0"},\n' +
      `{"FrameType":"DataTable","TableId":1,"TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":[{"ColumnName":"n","ColumnType":"long"},{"ColumnName":"t","ColumnType":"timespan"}],"Rows":[${rows.join(',')}]},\n` +
      '{"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}]';
    const got = await readWithSpans(body, 4096, 2048, 0);
    assert.equal(got.encodedGroups, 0, 'no span');
    assert.ok(got.rowEvents > 0);
    assert.deepEqual(got.rows.slice(0, 2), [[0, '00:00:00'], [1, '00:00:01']]);
    assert.deepEqual(got.rows[2999], [2999, '00:00:59']);
    assert.equal(got.rows.length, 3000);
  });

  test('on the reading thread, chunks of any size lose and repeat no row, whatever ends where', async () => {
    // Rows now and then of several KB, fragments whose ends fall anywhere in a chunk, and chunk
    // sizes that put row ends at every kind of place.
    const rowOf = (n: number): string => (n % 37 === 5 ? `[${n},"${'wide \\" '.repeat(900)}${n}"]` : `[${n},"${textOf(n)}"]`);
    const textAt = (n: number): string => (n % 37 === 5 ? `${'wide " '.repeat(900)}${n}` : textOf(n).replace(/\\"/g, '"'));
    const fragments = [[0, 700], [700, 1300], [1300, 2000]].map(([from, to]) => Array.from({ length: to - from }, (_, k) => rowOf(from + k)));
    const body = progressiveResponse([LONG_STRING, TEXT], fragments).join('');
    for (const chunkSize of [4097, 6000, 9973, 65536]) {
      // Parsed chunk by chunk, and in batches of gathered chunks cut wherever the batch ends.
      for (const batch of [0, 50_000, 'default'] as const) {
        const got = await readWithSpans(body, chunkSize, 1 << 20, 0, batch);
        assert.deepEqual(got.rows, Array.from({ length: 2000 }, (_, n) => [n, textAt(n)]), `chunks of ${chunkSize}, batches of ${batch}`);
        assert.equal(got.rowEvents, 0, `chunks of ${chunkSize}, batches of ${batch}: every row parsed from bytes`);
      }
    }
  });

  test('on the reading thread, socket-sized chunks are parsed a batch of about a megabyte at a time, not one by one', async () => {
    const rows: string[] = [];
    for (let n = 0; n < 120_000; n++) rows.push(`[${n},"item-${n}"]`);
    const body = progressiveResponse([LONG_STRING, TEXT], [rows]).join('');
    const chunks = Math.ceil(Buffer.byteLength(body) / 65536);
    const got = await readWithSpans(body, 65536, 16 << 20, 0, 'default');
    assert.deepEqual(got.rows.length, 120_000);
    assert.deepEqual(got.rows[119_999], [119_999, 'item-119999']);
    // About 2.4 MB in 37 chunks: parsed in a few batches (bytes that wait 50 ms go early, so a
    // loaded machine may add some), far fewer than one parse per chunk.
    assert.ok(chunks >= 30, `${chunks} chunks`);
    assert.ok(got.parseEvents <= chunks / 4, `${got.parseEvents} parses of ${chunks} chunks`);
  });

  test('on the reading thread, a row left to the text parser whose start a chunk ended in comes back whole, between the rows around it', async () => {
    // A bool in the long column: the byte parser leaves that row to the text parser (read as 1 here).
    const rowOf = (n: number): string => (n % 41 === 7 ? `[true,"${textOf(n)}"]` : `[${n},"${textOf(n)}"]`);
    const body = progressiveResponse([LONG_STRING, TEXT], [Array.from({ length: 1500 }, (_, n) => rowOf(n))]).join('');
    const want = Array.from({ length: 1500 }, (_, n) => [n % 41 === 7 ? 1 : n, textOf(n).replace(/\\"/g, '"')]);
    for (let chunkSize = 4097; chunkSize < 4300; chunkSize += 29) {
      const got = await readWithSpans(body, chunkSize, 1 << 20, 0);
      assert.deepEqual(got.rows, want, `chunks of ${chunkSize}`);
      assert.ok(got.rowEvents >= 36, `chunks of ${chunkSize}: the odd rows come from the text parser (${got.rowEvents} row events)`);
    }
  });

  test('on the reading thread, an error object among big chunks fails the read after exactly the rows before it', async () => {
    const rows = [...rowsJson(0, 400), '{"OneApiErrors":[{"error":{"code":"LimitsExceeded","message":"Query execution has exceeded the allowed limits","@permanent":true}}]}'];
    const body = progressiveResponse([LONG_STRING, TEXT], [rows]).join('');
    for (const chunkSize of [4500, 7001]) {
      server.script([chunkedAnswer(body, chunkSize)]);
      let seen = 0;
      await assert.rejects(
        (async () => {
          for await (const event of streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T', parquetSpans: { codec: 'none', pageBytes: 1 << 20 } })) {
            if (event.kind === 'encodedRows') seen += event.rows;
            if (event.kind === 'rows') seen += event.rows.length;
          }
        })(),
        (err: unknown) => err instanceof KustoError && /exceeded the allowed limits/.test(err.message),
      );
      assert.equal(seen, 400, `chunks of ${chunkSize}`);
    }
  });

  test('on the reading thread, a row longer than LONG_ROW_BYTES goes to the text parser, and rows after it back to bytes', async () => {
    const huge = 'h'.repeat(300_000);
    const rows = [...rowsJson(0, 200), `[200,"${huge}"]`, ...rowsJson(201, 400)];
    const body = progressiveResponse([LONG_STRING, TEXT], [rows]).join('');
    const got = await readWithSpans(body, 4096, 1 << 20, 0);
    assert.deepEqual(got.rows, [...expected(0, 200), [200, huge], ...expected(201, 400)]);
    assert.ok(got.rowEvents >= 1, 'the long row comes from the text parser');
    assert.ok(got.encodedGroups >= 2, 'rows before and after it come as row groups');
  });

  test('an error object among the rows fails the read with the service error, after the rows before it', async () => {
    const rows = [...rowsJson(0, 400), '{"OneApiErrors":[{"error":{"code":"LimitsExceeded","message":"Query execution has exceeded the allowed limits","@permanent":true}}]}'];
    const body = progressiveResponse([LONG_STRING, TEXT], [rows]).join('');
    server.script([chunkedAnswer(body, 500)]);
    let seen = 0;
    await assert.rejects(
      (async () => {
        for await (const event of streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T', parquetSpans: { codec: 'none', pageBytes: 1 << 20, spanBytes: 512 } })) {
          if (event.kind === 'encodedRows') seen += event.rows;
          if (event.kind === 'rows') seen += event.rows.length;
        }
      })(),
      (err: unknown) => err instanceof KustoError && /exceeded the allowed limits/.test(err.message),
    );
    assert.equal(seen, 400);
  });

  test('when no worker thread can start, the same rows are parsed on the reading thread', async () => {
    const body = progressiveResponse([LONG_STRING, TEXT], [rowsJson(0, 700)]).join('');
    const start = RowSpanEncoderPool.start;
    RowSpanEncoderPool.start = () => undefined;
    let got: Collected;
    try {
      got = await readWithSpans(body, 333, 1024, 2);
    } finally {
      RowSpanEncoderPool.start = start;
    }
    assert.deepEqual(got.rows, expected(0, 700));
    assert.equal(got.encodedGroups, 0);
    assert.ok(got.rowEvents > 0);
  });

  test('a body cut off inside the rows is reported as truncated, not as a shorter result', async () => {
    const body = progressiveResponse([LONG_STRING, TEXT], [rowsJson(0, 600)]).join('');
    server.script([chunkedAnswer(body.slice(0, Math.floor(body.length * 0.7)), 700)]);
    await assert.rejects(
      (async () => {
        for await (const event of streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T', parquetSpans: { codec: 'none', pageBytes: 1 << 20, spanBytes: 1024 } })) void event;
      })(),
      (err: unknown) => err instanceof KustoError && err.code === 'ResponseTruncated',
    );
  });
});
