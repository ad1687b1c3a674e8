// The text formats' fast path: CSV and JSON lines bytes written straight from the response's row
// bytes (rowSpanText.ts) must be byte for byte what the text parser and the writers make of the
// same response, whatever the values and wherever the chunks cut them. Each case reads one body
// twice, with and without the fast path, and compares the files.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { ColumnSchema } from '../../../src/engine/rows';
import { createRecordFileWriter } from '../../../src/formats/createRecordFileWriter';
import { RowSpanTextEncoder } from '../../../src/formats/rowSpanText';
import { WasmTextEncoder } from '../../../src/formats/rowTextWasm';
import { streamQuery } from '../../../src/kusto/streamingQueryReader';
import { EVERY_KUSTO_TYPE } from '../everyKustoType';
import { chunkedAnswer } from '../../helpers/chunkedAnswer';
import { type FakeKustoServer, progressiveResponse, startFakeKusto } from '../kusto/fakeKustoServer';
import { seededRandom } from '../seededRandom';

let server: FakeKustoServer;
before(async () => {
  server = await startFakeKusto();
});
after(async () => {
  await server?.stop();
});

interface Written {
  text: string;
  bytes: Buffer;
  rows: number;
  /** Rows that came as encoded text (the fast path), and as rows (the text parser). */
  fastRows: number;
  parsedRows: number;
}

/** Reads `body` through streamQuery (with or without text spans) into the format's writer, as streamToFiles does. */
async function readAndWrite(body: Buffer, columns: ColumnSchema[], format: 'csv' | 'json', chunkSize: number, fast: boolean): Promise<Written> {
  server.script([chunkedAnswer(body, chunkSize)]);
  const chunks: Buffer[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  const writer = createRecordFileWriter(destination, { format, columns });
  let fastRows = 0;
  let parsedRows = 0;
  for await (const event of streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T', textSpans: fast ? { format } : undefined })) {
    if (event.kind === 'encodedText') {
      assert.ok(writer.writeText, 'the writer takes encoded text');
      await writer.writeText(event.text, event.rows);
      fastRows += event.rows;
    } else if (event.kind === 'rows') {
      await writer.write(event.rows);
      parsedRows += event.rows.length;
    }
  }
  const summary = await writer.close();
  const bytes = Buffer.concat(chunks);
  assert.equal(summary.bytes, bytes.length);
  return { text: bytes.toString('utf8'), bytes, rows: summary.rows, fastRows, parsedRows };
}

const columnsOf = (columns: ColumnSchema[]): Array<[string, string]> => columns.map((c) => [c.name, c.type]);

/** Rows of every Kusto type with the values whose text is easy to get wrong: each as the service could send it. */
const EDGE_ROWS = [
  '[true,1,9223372036854775807,0.5,"1.50","a,b","2020-03-04T14:05:01.3109965Z","-2.00:00:02.0020002","123e27de-1e4e-49d9-b579-fe0b331d3642",{"a":[1,"x"]}]',
  '[null,null,null,null,null,null,null,null,null,null]',
  '[false,-2147483648,-9223372036854775807,"NaN","-0.000000000000000001","","0001-01-01T00:00:00.0000000Z","00:00:00","","text"]',
  '[false,0,9007199254740993,"-Infinity","0","ünï 😀","9999-12-31T23:59:59.9999999Z","10675199.02:48:05.4775807","x","\\"text\\""]',
  '[true,7,123456789012345,0.14285714285714285,12.5,"line\\nbreak","t","ts","g",1.5e3]',
  '[true,-7,1234567890123456,1e21,"3","tab\\tand \\"quotes\\"","t","ts","g",true]',
  '[false,-0,-0,-0,"-0","-0","t","ts","g",-0]',
  '[true,42,42,1.0,"1.0","com,ma","t","ts","g","x,y"]',
  '[true,42,42,100,"x","new\\r\\nline","t","ts","g",null]',
  '[true,42,42,0.000001,"x","x","t","ts","g",0]',
  '[true,42,42,0.0000001,"x","x","t","ts","g",[1,2]]',
  '[true,42,42,1e-7,"x","x","t","ts","g","😀"]',
  '[true,42,42,123456789012345.6,"x","x","t","ts","g",""]',
  '[true,42,42,12345678901234567890,"x","x","t","ts","g",12]',
  '[true,42,42,123456789012345678901,"x","x","t","ts","g",12]',
  '[true,42,42,1234567890123456789012,"x","x","t","ts","g",12]',
  '[true,42,42,0.1000000000000000055511151231257827,"x","x","t","ts","g",12]',
  '[true,42,42,1E+300,"x","x","t","ts","g",12]',
  '[true,42,42,1e400,"x","x","t","ts","g",12]',
  '[true,42,42,-1e400,"x","x","t","ts","g",12]',
  '[true,42,42,+5,"x","x","t","ts","g",12]',
  '[true, 42, 42, 5, "x", "spaces", "t", "ts", "g", 12]',
  '[true,42,42,5,"x","fewer values"]',
  '[true,42,42,5,"x","more","t","ts","g",12,"extra"]',
  '[1,42,42,5,"x","bool as number","t","ts","g",12]',
  '[true,"42","42","5","x","numbers as strings","t","ts","g",12]',
  '[true,42,42,5,"x","control \\u0001 escaped","t","ts","g",12]',
  '[true,42,42,5,"x","\\u00e9 escaped","t","ts","g",12]',
  '[true,42,42,5,null,"null decimal","t","ts","g",12]',
  '[true,42,42,5,"x","x","t","ts","g",{"k":"line\\nbreak","n":[1,{"m":null}]}]',
];

describe('CSV and JSON lines from row bytes (the text fast path)', () => {
  for (const format of ['csv', 'json'] as const) {
    test(`${format}: every edge value is written byte for byte as the text parser and ${format === 'csv' ? 'CsvWriter' : 'JsonLinesWriter'} write it, at every chunk size`, async () => {
      const rows = Array.from({ length: 40 }, (_, k) => EDGE_ROWS[k % EDGE_ROWS.length]);
      const body = Buffer.from(progressiveResponse(columnsOf(EVERY_KUSTO_TYPE), [rows.slice(0, 25), rows.slice(25)]).join(''), 'utf8');
      const exact = await readAndWrite(body, EVERY_KUSTO_TYPE, format, 1 << 16, false);
      assert.equal(exact.rows, 40);
      for (const chunkSize of [7, 61, 500, 1 << 16]) {
        const fast = await readAndWrite(body, EVERY_KUSTO_TYPE, format, chunkSize, true);
        assert.equal(fast.text, exact.text, `chunks of ${chunkSize}`);
        assert.equal(fast.rows, 40);
        assert.ok(fast.fastRows >= 10, `chunks of ${chunkSize}: rows of the common shape go the fast way (${fast.fastRows})`);
        assert.ok(fast.parsedRows >= 10, `chunks of ${chunkSize}: the others go to the text parser (${fast.parsedRows})`);
      }
    });
  }

  test('a few literal lines, typed here: what the fast path writes for plain rows', async () => {
    const columns: ColumnSchema[] = [{ name: 'n', type: 'long' }, { name: 's', type: 'string' }, { name: 'r', type: 'real' }, { name: 'd', type: 'dynamic' }];
    const body = Buffer.from(progressiveResponse(columnsOf(columns), [['[1,"a,b",0.5,"x"]', '[2,null,0.14285714285714285,null]', '[-3,"",1e-7,12]']]).join(''), 'utf8');
    const csv = await readAndWrite(body, columns, 'csv', 1 << 16, true);
    assert.equal(csv.text, 'n,s,r,d\n1,"a,b",0.5,"""x"""\n2,"",0.14285714285714285,\n-3,"",1e-7,12\n');
    assert.equal(csv.fastRows, 3);
    const json = await readAndWrite(body, columns, 'json', 1 << 16, true);
    assert.equal(json.text, '{"n":1,"s":"a,b","r":0.5,"d":"x"}\n{"n":2,"s":"","r":0.14285714285714285,"d":null}\n{"n":-3,"s":"","r":1e-7,"d":12}\n');
    assert.equal(json.fastRows, 3);
  });

  test('invalid UTF-8 in a string is left to the text parser (which writes U+FFFD), never copied as it is', async () => {
    const columns: ColumnSchema[] = [{ name: 'n', type: 'long' }, { name: 's', type: 'string' }];
    // Far after the first chunk (whose text the reader has decoded already before the fast path starts).
    const rows = Array.from({ length: 20_000 }, (_, n) => (n === 15_000 ? '[15000,"BAD"]' : `[${n},"é-${n}"]`));
    const body = Buffer.from(progressiveResponse(columnsOf(columns), [rows]).join(''), 'utf8');
    const bad = body.indexOf('BAD');
    body[bad] = 0xff; // a byte that is never UTF-8
    body[bad + 1] = 0xc3; // the start of a two-byte character, then an ASCII byte: invalid
    for (const format of ['csv', 'json'] as const) {
      const exact = await readAndWrite(body, columns, format, 4096, false);
      const fast = await readAndWrite(body, columns, format, 4096, true);
      assert.ok(fast.bytes.equals(exact.bytes), format);
      assert.ok(exact.text.includes('\ufffd\ufffdD'), `${format}: the text parser's replacement characters`);
      assert.ok(fast.fastRows >= 10_000, `${format}: ${fast.fastRows} rows the fast way`);
      assert.ok(fast.parsedRows >= 1, `${format}: the bad row from the text parser`);
    }
  });

  test('seeded random rows of every type, chunks of random sizes: the same bytes both ways', async () => {
    const random = seededRandom(2806);
    const pick = <T>(values: T[]): T => values[Math.floor(random() * values.length)];
    const integer = (digits: number): string => String(Math.floor(random() * 10 ** digits));
    const values: Record<string, () => string> = {
      bool: () => pick(['true', 'false', 'null']),
      int: () => pick(['null', integer(5), `-${integer(9)}`, '0']),
      long: () => pick(['null', integer(15), `-${integer(12)}`, '9223372036854775807', '12345678901234567']),
      real: () => pick(['null', String(random() * 1000), String(random() / 1e7), String(random() * 1e22), integer(4), `${integer(3)}.${integer(2)}0`, '"NaN"', `${integer(2)}e${integer(2)}`, '-0', '0']),
      decimal: () => pick(['null', `"${integer(6)}.${integer(3)}"`, integer(4)]),
      string: () => pick(['null', '""', `"item-${integer(4)}"`, '"a,b"', '"ünï 😀"', '"q\\"uote"', '"line\\nbreak"']),
      datetime: () => pick(['null', '"2024-01-01T00:00:00.0000000Z"', `"2024-01-${integer(1).padStart(2, '1')}T10:00:00Z"`]),
      timespan: () => pick(['null', '"00:00:01"', '"-1.02:03:04.5000000"']),
      guid: () => pick(['null', '"123e27de-1e4e-49d9-b579-fe0b331d3642"']),
      dynamic: () => pick(['null', '"x"', '""', integer(3), 'true', '{"a":1}', '[1,"b"]', '"x,y"']),
    };
    const rows = Array.from({ length: 3000 }, () => `[${EVERY_KUSTO_TYPE.map((c) => values[c.type]()).join(',')}]`);
    const body = Buffer.from(progressiveResponse(columnsOf(EVERY_KUSTO_TYPE), [rows.slice(0, 1000), rows.slice(1000, 2999), rows.slice(2999)]).join(''), 'utf8');
    for (const format of ['csv', 'json'] as const) {
      const exact = await readAndWrite(body, EVERY_KUSTO_TYPE, format, 1 << 16, false);
      assert.equal(exact.rows, 3000);
      for (const chunkSize of [1000 + Math.floor(random() * 5000), 65536 + Math.floor(random() * 1000)]) {
        const fast = await readAndWrite(body, EVERY_KUSTO_TYPE, format, chunkSize, true);
        assert.ok(fast.bytes.equals(exact.bytes), `${format}, chunks of ${chunkSize}`);
        assert.ok(fast.fastRows > 0, `${format}: some rows go the fast way`);
      }
    }
  });

  test('a whole (non-progressive) table of plain rows is written without the text parser, in outputs of about 1 MB', async () => {
    const columns: ColumnSchema[] = [{ name: 'n', type: 'long' }, { name: 's', type: 'string' }, { name: 'r', type: 'real' }];
    const rows = Array.from({ length: 60_000 }, (_, n) => `[${n},"item-${n % 500}",${n / 8}]`);
    const body = Buffer.from(
      '[{"FrameType":"DataSetHeader","IsProgressive":false,"Version":"v2.0"},\n' +
        `{"FrameType":"DataTable","TableId":1,"TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":[{"ColumnName":"n","ColumnType":"long"},{"ColumnName":"s","ColumnType":"string"},{"ColumnName":"r","ColumnType":"real"}],"Rows":[${rows.join(',')}]},\n` +
        '{"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}]',
      'utf8',
    );
    const fast = await readAndWrite(body, columns, 'json', 1 << 16, true);
    assert.equal(fast.parsedRows, 0);
    assert.equal(fast.fastRows, 60_000);
    const lines = fast.text.trimEnd().split('\n');
    assert.equal(lines.length, 60_000);
    assert.equal(lines[59_999], '{"n":59999,"s":"item-499","r":7499.875}');
    const exact = await readAndWrite(body, columns, 'json', 1 << 16, false);
    assert.ok(fast.bytes.equals(exact.bytes));
  });

  test('output buffers are filled again only once written: a slow destination that reads each chunk when its write completes gets the same bytes, and buffers are reused', async () => {
    const columns: ColumnSchema[] = [{ name: 'n', type: 'long' }, { name: 's', type: 'string' }, { name: 'r', type: 'real' }];
    const rows = Array.from({ length: 400_000 }, (_, n) => `[${n},"item-${n % 500}",${n / 7}]`);
    const body = Buffer.from(
      '[{"FrameType":"DataSetHeader","IsProgressive":false,"Version":"v2.0"},\n' +
        `{"FrameType":"DataTable","TableId":1,"TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":[{"ColumnName":"n","ColumnType":"long"},{"ColumnName":"s","ColumnType":"string"},{"ColumnName":"r","ColumnType":"real"}],"Rows":[${rows.join(',')}]},\n` +
        '{"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}]',
      'utf8',
    );
    for (const format of ['csv', 'json'] as const) {
      server.script([chunkedAnswer(body, 1 << 16)]);
      const chunks: Buffer[] = [];
      // The chunk is read only when its write completes, a turn of the event loop later (as a file stream of 1 MB writes reads it).
      const destination = new Writable({
        highWaterMark: 1 << 20,
        write(chunk: Buffer, _enc, callback) {
          setImmediate(() => {
            chunks.push(Buffer.from(chunk));
            callback();
          });
        },
      });
      const writer = createRecordFileWriter(destination, { format, columns });
      const buffers = new Set<ArrayBufferLike>();
      let events = 0;
      for await (const event of streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T', textSpans: { format } })) {
        assert.notEqual(event.kind, 'rows');
        if (event.kind !== 'encodedText') continue;
        events++;
        buffers.add(event.text.buffer);
        await writer.writeText?.(event.text, event.rows, event.release);
      }
      await writer.close();
      const exact = await readAndWrite(body, columns, format, 1 << 16, false);
      assert.ok(Buffer.concat(chunks).equals(exact.bytes), `${format}: the same bytes as the text path`);
      assert.ok(events >= 5, `${format}: ${events} outputs`);
      assert.ok(buffers.size < events / 2, `${format}: ${buffers.size} buffers for ${events} outputs`);
    }
  });

  test('strings scanned eight bytes at a time: a comma, quote, backslash, line break, control or non-ASCII byte after any number of plain bytes is seen, as the text path sees it', async () => {
    const columns: ColumnSchema[] = [{ name: 'n', type: 'long' }, { name: 's', type: 'string' }, { name: 'd', type: 'dynamic' }];
    const specials = [',', '\\"', '\\\\', '\\n', '\\r', '\\t', '\\u0001', 'é', '😀', '\u007f'];
    const rows: string[] = [];
    for (let plain = 0; plain <= 24; plain++) {
      for (const special of specials) {
        const text = `${'abcdefghijklmnopqrstuvwxyz'.slice(0, plain)}${special}${'xyz'.slice(0, plain % 4)}`;
        rows.push(`[${rows.length},"${text}","${text}"]`);
      }
    }
    // Raw control bytes and line breaks inside a string (the service escapes them; the fast path must not copy them as they are).
    for (const raw of ['\u0001', '\n', '\r', '\u001f']) {
      for (let plain = 0; plain <= 17; plain++) rows.push(`[${rows.length},"${'p'.repeat(plain)}${raw}${'q'.repeat(16)}","x"]`);
    }
    const body = Buffer.from(progressiveResponse(columnsOf(columns), [rows]).join(''), 'utf8');
    for (const format of ['csv', 'json'] as const) {
      const exact = await readAndWrite(body, columns, format, 1 << 16, false);
      for (const chunkSize of [13, 1 << 16]) {
        const fast = await readAndWrite(body, columns, format, chunkSize, true);
        assert.ok(fast.bytes.equals(exact.bytes), `${format}, chunks of ${chunkSize}`);
        assert.ok(fast.fastRows >= 100, `${format}: ${fast.fastRows} rows the fast way`);
      }
    }
    // Invalid UTF-8 after plain bytes: the text path writes U+FFFD, so the fast path must not copy
    // it. One such row a body, after plain rows (the rows after a row the fast path leaves reach it decoded).
    for (let plain = 0; plain <= 20; plain++) {
      const plainRows = Array.from({ length: 30 }, (_, n) => `[${n},"plain-${n}","x"]`);
      const bad = Buffer.from(progressiveResponse(columnsOf(columns), [[...plainRows, `[30,"${'p'.repeat(plain)}#BAD#z","x"]`]]).join(''), 'utf8');
      bad.set([0x20, 0xff, 0xc3, 0x41, 0x20], bad.indexOf('#BAD#'));
      for (const format of ['csv', 'json'] as const) {
        const exact = await readAndWrite(bad, columns, format, 1 << 16, false);
        assert.equal((exact.text.match(/\ufffd/g) ?? []).length, 2, `${format}: the text path's replacement characters`);
        const fast = await readAndWrite(bad, columns, format, 97, true);
        assert.ok(fast.bytes.equals(exact.bytes), `${format}, invalid UTF-8 after ${plain} plain bytes`);
        assert.ok(fast.fastRows >= 20, `${format}: ${fast.fastRows} rows the fast way`);
      }
    }
  });

  test('the WebAssembly writer is built and takes the common rows (the same bytes are proven above with it; KDM_ENGINE_WASM=0 runs them without it)', () => {
    const encoder = new RowSpanTextEncoder([{ name: 'n', type: 'long' }, { name: 'r', type: 'real' }, { name: 's', type: 'string' }], 'json');
    assert.equal(encoder.usesWasm, process.env.KDM_ENGINE_WASM !== '0', 'dist/rowTextWasm.wasm is built (npm run build)');
    const span = '[1,0.14285714285714285,"a,b"],[2,1e-7,""],[3,1.0,"x"],';
    assert.deepEqual(encoder.appendSpan(Buffer.from(span)), { rows: 3, end: span.length, stop: 'complete' });
    assert.equal(encoder.take().bytes.toString(), '{"n":1,"r":0.14285714285714285,"s":"a,b"}\n{"n":2,"r":1e-7,"s":""}\n{"n":3,"r":1,"s":"x"}\n');
  });

  test('a span cut at every byte of its last row, the rest of the row still in the module\'s memory past the cut: the rows before are written, nothing of the cut one', () => {
    // The module scans strings and digits a word at a time and copies short runs as words: none of
    // that may read a quote, a digit or a delimiter past the span's end as the row's.
    const last = [
      '[true,123,-9007199254740993,0.30000000000000004,"1.50","abcdefghijklmnop,q","2020-03-04T14:05:01.3109965Z",null,"g","x"]',
      '[false,-7,12,1234.5678,null,"","t","00:00:01","123e27de-1e4e-49d9-b579-fe0b331d3642",12]',
      '[null,0,0,0.14285714285714285,"3","ünï 😀 abcdefgh","t","ts","g",true]',
      '[true,2147483647,9223372036854775807,1e-7,"x","abcdefghijklmnopqrstuvwxyz012345","t","ts","g","abcdefgh"]',
      '[true,1,1,1.0,"x","a","t","ts","g",-1.5e3]',
    ];
    const plain = Array.from({ length: 12 }, (_, n) => `[true,${n},${n * 1000},${n / 7},"${n}.5","item-${n},x","t","ts","g","d${n}"]`);
    for (const format of ['csv', 'json'] as const) {
      for (const row of last) {
        const head = Buffer.byteLength(plain.join(',') + ',');
        const rowBytes = Buffer.byteLength(row);
        const full = Buffer.from(`${plain.join(',')},${row},`, 'utf8');
        const reference = new RowSpanTextEncoder(EVERY_KUSTO_TYPE, format);
        assert.deepEqual(reference.appendSpan(full), { rows: plain.length + 1, end: full.length, stop: 'complete' });
        const expected = reference.take().bytes.toString('utf8').split('\n').slice(0, plain.length).join('\n') + '\n';
        const encoder = new RowSpanTextEncoder(EVERY_KUSTO_TYPE, format);
        // The module alone too (rowSpanText.ts would also drop a row the module said ended past the span).
        const kinds = [0, 1, 2, 3, 4, 5, 4, 4, 4, 6];
        const module = WasmTextEncoder.for(EVERY_KUSTO_TYPE, kinds, EVERY_KUSTO_TYPE.map((c, k) => Buffer.from(`${k === 0 ? '{' : ','}"${c.name}":`)), format === 'json');
        for (let cut = head + 1; cut <= head + rowBytes; cut++) {
          if (module) {
            module.load([full], full.length);
            module.load([full], cut);
            let rows = 0;
            for (let start = 0, written = 1; written > 0 && start < cut; start = module.end + 1) {
              written = module.encode(start, cut, () => undefined);
              rows += written;
              if (written > 0) assert.ok(module.end <= cut, `${format}, cut at ${cut - head} of ${row}: the module's rows end at ${module.end}, past the span's ${cut}`);
            }
            assert.ok(rows <= plain.length + (cut === head + rowBytes ? 1 : 0), `${format}, cut at ${cut - head} of ${row}: ${rows} rows from the module`);
          }
          // The whole span first, so that the bytes past the cut are the rest of the row.
          encoder.appendSpan(full);
          encoder.reset();
          const parse = encoder.appendSpan(full.subarray(0, cut));
          assert.deepEqual(parse, { rows: plain.length, end: head, stop: 'incomplete' }, `${format}, cut at ${cut - head} of ${row}`);
          assert.equal(encoder.take().bytes.toString('utf8'), expected, `${format}, cut at ${cut - head} of ${row}`);
        }
      }
    }
  });

  test('the encoder alone: a row it does not take leaves no byte behind, and where it stops says how to go on', () => {
    const encoder = new RowSpanTextEncoder([{ name: 'n', type: 'long' }, { name: 's', type: 'string' }], 'csv');
    assert.deepEqual(encoder.appendSpan(Buffer.from('[1,"a"],[2,"b\\"c"],[3,"d"],')), { rows: 1, end: 8, stop: 'stopped' });
    assert.deepEqual(encoder.appendSpan(Buffer.from('[4,"e"],[5,"f"]')), { rows: 1, end: 8, stop: 'incomplete' });
    assert.deepEqual(encoder.appendSpan(Buffer.from('[6,"g"]]}')), { rows: 1, end: 7, stop: 'arrayEnd' });
    assert.deepEqual(encoder.appendSpan(Buffer.from('[7,"h')), { rows: 0, end: 0, stop: 'incomplete' });
    assert.equal(encoder.take().bytes.toString(), '1,a\n4,e\n6,g\n');
  });
});
