// Parquet with partitionBy on the fast path: rows parsed from the response's bytes into column
// buffers are routed to their partition's files from those buffers (SparkFolderWriter.writeColumns).
// Each case reads one body twice into a Spark folder, once through the text parser (row objects,
// as without the fast path) and once through the span parser, and compares the folders: the same
// partition folders, and in each the same files, byte for byte, in the same order. Partition
// columns of every type the fast path takes, with nulls, values that need escaping, values only
// the JavaScript parses (escapes, out-of-range ints), chunks that cut rows anywhere, many row
// groups, and maxRowsPerFile on top.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ColumnSchema } from '../../../src/engine/rows';
import { streamQuery } from '../../../src/kusto/streamingQueryReader';
import { rowsGatheredByWasm, rowsRoutedByWasm } from '../../../src/formats/parquet/rowGather';
import { SparkFolderWriter } from '../../../src/spark/sparkFolderWriter';
import { chunkedAnswer } from '../../helpers/chunkedAnswer';
import { readBackParquet } from '../parquetReadBack';
import { seededRandom } from '../seededRandom';
import { type FakeKustoServer, progressiveResponse, startFakeKusto } from './fakeKustoServer';

let server: FakeKustoServer;
let dir: string;
before(async () => {
  server = await startFakeKusto();
  dir = mkdtempSync(join(tmpdir(), 'kdm-partition-spans-'));
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Data columns of the types the span parser takes (datetime and decimal too: only partition values need their text). */
const DATA: Array<[string, string]> = [['id', 'long'], ['s', 'string'], ['r', 'real'], ['b', 'bool'], ['i', 'int'], ['t', 'datetime'], ['d', 'decimal'], ['g', 'guid']];

/** Partition values as JSON text, per partition column type: nulls, escaping, -0, values beyond 2^53, text only the JavaScript parses. */
const PARTITION_VALUES: Record<string, string[]> = {
  int: ['0', '-7', '2147483647', '-2147483648', 'null', '12', '3000000000', '1.5', '44'],
  long: ['0', '-1', '9007199254740993', '-9223372036854775808', 'null', '123456789012', '5', '"77"'],
  bool: ['true', 'false', 'null'],
  real: ['0.0', '-0.0', '1.5', '1e7', '0.0001', '-3.25', 'null', '"NaN"', '"Infinity"', '100', '2.5e-5'],
  string: ['"a"', '"x/y=z"', '""', 'null', '"100%"', '"ünï ☃"', '"q\\"uote"', '"tab\\tcontrol"', '"a"', '"{[^*]}:#?\'"'],
  guid: ['"00000000-0000-0000-0000-000000000001"', '"0000000a-0000-0000-0000-00000000000b"', 'null', '"ffffffff-ffff-ffff-ffff-ffffffffffff"'],
};

function dataValues(n: number, random: () => number): string[] {
  const real = random() < 0.1 ? 'null' : String(n / 7);
  return [
    String(n),
    random() < 0.05 ? `"esc\\"aped ${n}"` : `"item-${n % 97}"`,
    real,
    random() < 0.1 ? 'null' : n % 3 === 0 ? 'true' : 'false',
    random() < 0.1 ? 'null' : String((n * 37) % 1000),
    `"2024-01-01T00:00:${String(n % 60).padStart(2, '0')}.${String(n % 1000).padStart(3, '0')}Z"`,
    `"${n}.${n % 100}"`,
    `"${String(n).padStart(8, '0')}-0000-0000-0000-000000000000"`,
  ];
}

/** A progressive response of `rows` rows whose partition column p (of `type`) cycles through its values in a seeded order. */
function responseBody(type: string, rows: number, seed: number): Buffer {
  const random = seededRandom(seed);
  const values = PARTITION_VALUES[type];
  const all: string[] = [];
  for (let n = 0; n < rows; n++) {
    const value = values[Math.floor(random() * values.length)];
    all.push(`[${dataValues(n, random).join(',')},${value}]`);
  }
  const cut = Math.floor(rows * 0.6);
  return Buffer.from(progressiveResponse([...DATA, ['p', type]], [all.slice(0, cut), all.slice(cut)]).join(''), 'utf8');
}

interface Copied {
  /** Each partition folder's files' bytes, in the order of their part numbers. */
  folders: Map<string, Buffer[]>;
  routedRows: number;
  parsedRows: number;
  rows: number;
}

/** Reads the body through streamQuery into a Spark folder partitioned by p, as streamToFiles does: fast = the span parser's column buffers, else the text parser's rows. */
async function copy(name: string, body: Buffer, columns: ColumnSchema[], chunkSize: number, fast: boolean, options: { maxRowsPerFile?: number; spanBytes?: number } = {}): Promise<Copied> {
  server.script([chunkedAnswer(body, chunkSize)]);
  const folder = join(dir, `${name}-${fast ? 'fast' : 'text'}`);
  const writer = await SparkFolderWriter.open({ folder, format: 'parquet', columns, partitionBy: ['p'], maxRowsPerFile: options.maxRowsPerFile, jobId: 'parts', ifExists: 'replace' });
  let routedRows = 0;
  let parsedRows = 0;
  const parquetSpans = fast ? { codec: 'snappy' as const, pageBytes: 1 << 20, spanBytes: options.spanBytes, workers: 0, partitionBy: ['p'] } : undefined;
  for await (const event of streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T', parquetSpans })) {
    if (event.kind === 'parsedColumns') {
      await writer.writeColumns(event.columns, event.rows);
      routedRows += event.rows;
    } else if (event.kind === 'rows') {
      await writer.write(event.rows);
      parsedRows += event.rows.length;
    } else if (event.kind === 'encodedRows') assert.fail('a partitioned output takes no encoded row group');
  }
  const summary = await writer.commit();
  const folders = new Map<string, Buffer[]>();
  for (const sub of readdirSync(folder).sort()) {
    if (!statSync(join(folder, sub)).isDirectory()) continue;
    const parts = readdirSync(join(folder, sub)).filter((f) => f.endsWith('.parquet')).sort();
    folders.set(sub, parts.map((f) => readFileSync(join(folder, sub, f))));
  }
  return { folders, routedRows, parsedRows, rows: summary.rows };
}

const schemaOf = (type: string): ColumnSchema[] => [...DATA, ['p', type]].map(([name, t]) => ({ name, type: t }) as ColumnSchema);

describe('Parquet with partitionBy from row bytes: the same files as through the text parser', () => {
  for (const type of Object.keys(PARTITION_VALUES)) {
    for (const [chunkSize, spanBytes] of [[97, 4096], [65536, undefined]] as const) {
      test(`a ${type} partition column, chunks of ${chunkSize}${spanBytes ? `, a row group every ${spanBytes} bytes` : ''}`, async () => {
        const rows = 3000;
        const body = responseBody(type, rows, 7 + chunkSize);
        const columns = schemaOf(type);
        const text = await copy(`${type}-${chunkSize}`, body, columns, chunkSize, false);
        const fast = await copy(`${type}-${chunkSize}`, body, columns, chunkSize, true, { spanBytes });
        assert.equal(text.rows, rows);
        assert.equal(fast.rows, rows);
        assert.equal(text.routedRows, 0);
        // Not all: rows with escapes are parsed by the JavaScript into the same buffers, but an int partition column's 3000000000 and 1.5 (2 of its 9 values) go to the text parser.
        assert.ok(fast.routedRows >= rows * 0.7, `rows routed from column buffers: ${fast.routedRows} of ${rows}`);
        assert.deepEqual([...fast.folders.keys()], [...text.folders.keys()]);
        assert.ok(fast.folders.size >= PARTITION_VALUES[type].length - 3, `partition folders: ${[...fast.folders.keys()].join(' ')}`);
        for (const [folder, files] of text.folders) {
          const mine = fast.folders.get(folder) as Buffer[];
          assert.equal(mine.length, files.length, `files in ${folder}`);
          files.forEach((bytes, k) => assert.ok(bytes.equals(mine[k]), `${folder}: file ${k} differs from the text parser's`));
        }
      });
    }
  }

  test('the folder names the text parser gives: nulls and empty strings in __HIVE_DEFAULT_PARTITION__, escapes, -0.0 apart from 0.0, longs beyond 2^53, ints the JavaScript reads', async () => {
    const real = await copy('names-real', responseBody('real', 600, 3), schemaOf('real'), 4096, true);
    assert.deepEqual([...real.folders.keys()], ['p=-0.0', 'p=-3.25', 'p=0.0', 'p=1.0E-4', 'p=1.0E7', 'p=1.5', 'p=100.0', 'p=2.5E-5', 'p=Infinity', 'p=NaN', 'p=__HIVE_DEFAULT_PARTITION__'].sort());
    const strings = await copy('names-string', responseBody('string', 600, 3), schemaOf('string'), 4096, true);
    assert.deepEqual([...strings.folders.keys()], ['p=100%25', 'p=__HIVE_DEFAULT_PARTITION__', 'p=a', 'p=q%22uote', 'p=tab%09control', 'p=x%2Fy%3Dz', "p=%7B%5B%5E%2A%5D}%3A%23%3F%27", 'p=ünï ☃'].sort());
    const longs = await copy('names-long', responseBody('long', 600, 3), schemaOf('long'), 4096, true);
    assert.deepEqual([...longs.folders.keys()], ['p=-1', 'p=-9223372036854775808', 'p=0', 'p=123456789012', 'p=5', 'p=77', 'p=9007199254740993', 'p=__HIVE_DEFAULT_PARTITION__'].sort());
    const ints = await copy('names-int', responseBody('int', 600, 3), schemaOf('int'), 4096, true);
    assert.deepEqual([...ints.folders.keys()], ['p=-2147483648', 'p=-7', 'p=0', 'p=1.5', 'p=12', 'p=2147483647', 'p=3000000000', 'p=44', 'p=__HIVE_DEFAULT_PARTITION__'].sort());
    // Every row once, in order within its partition, the partition column not in the files.
    for (const [folder, files] of ints.folders) {
      const ids: bigint[] = [];
      for (const bytes of files) {
        const back = await readBackParquet(bytes);
        assert.ok(!back.rows.some((r) => 'p' in r), `${folder}: no partition column in the files`);
        ids.push(...back.rows.map((r) => r.id as bigint));
      }
      assert.deepEqual(ids, [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), `${folder}: rows in order`);
    }
  });

  test('with maxRowsPerFile: each partition starts a new file every N rows, the same files as the text parser writes', async () => {
    const rows = 2500;
    for (const type of ['int', 'string']) {
      const body = responseBody(type, rows, 11);
      const text = await copy(`max-${type}`, body, schemaOf(type), 1500, false, { maxRowsPerFile: 70 });
      const fast = await copy(`max-${type}`, body, schemaOf(type), 1500, true, { maxRowsPerFile: 70, spanBytes: 20000 });
      assert.ok(fast.routedRows >= rows * 0.7, `rows routed from column buffers: ${fast.routedRows}`);
      assert.deepEqual([...fast.folders.keys()], [...text.folders.keys()]);
      for (const [folder, files] of text.folders) {
        const mine = fast.folders.get(folder) as Buffer[];
        assert.ok(files.length > 2, `${folder}: several files (${files.length})`);
        assert.equal(mine.length, files.length, `files in ${folder}`);
        files.forEach((bytes, k) => assert.ok(bytes.equals(mine[k]), `${folder}: file ${k} differs from the text parser's`));
      }
    }
  });

  test('an int partition column of small values and nulls (routed and gathered by the module): the same files as the text parser writes', async () => {
    const rows = 4000;
    const random = seededRandom(46);
    // Up to 4095, and null, and a span or two with a value beyond (routed by the JavaScript). At
    // most 64 partitions: more would close files to open others, where each path reads its rows
    // in batches of its own.
    const high = ['4095', '4094', '2048', '1000'];
    const all = Array.from({ length: rows }, (_, n) => {
      const p = n > 3000 && n < 3010 ? '5000' : random() < 0.05 ? 'null' : random() < 0.1 ? high[Math.floor(random() * high.length)] : String(Math.floor(random() * 50));
      return `[${dataValues(n, random).join(',')},${p}]`;
    });
    const body = Buffer.from(progressiveResponse([...DATA, ['p', 'int']], [all.slice(0, 2500), all.slice(2500)]).join(''), 'utf8');
    const routed = rowsRoutedByWasm();
    const gathered = rowsGatheredByWasm();
    const text = await copy('small-ints', body, schemaOf('int'), 1000, false);
    const fast = await copy('small-ints', body, schemaOf('int'), 1000, true, { spanBytes: 30000 });
    if (process.env.KDM_ENGINE_WASM !== '0') {
      assert.ok(rowsRoutedByWasm() - routed >= rows * 0.7, `rows routed by the module: ${rowsRoutedByWasm() - routed}`);
      assert.ok(rowsRoutedByWasm() - routed < rows, 'the spans with 5000 are routed by the JavaScript');
      assert.equal(rowsGatheredByWasm() - gathered, fast.routedRows);
    }
    assert.equal(fast.rows, rows);
    assert.equal(fast.routedRows, rows);
    assert.deepEqual([...fast.folders.keys()], [...text.folders.keys()]);
    assert.equal(text.folders.size, 56, [...text.folders.keys()].join(' '));
    assert.ok(text.folders.has('p=4095') && text.folders.has('p=__HIVE_DEFAULT_PARTITION__'));
    for (const [folder, files] of text.folders) {
      const mine = fast.folders.get(folder) as Buffer[];
      assert.equal(mine.length, files.length, `files in ${folder}`);
      files.forEach((bytes, k) => assert.ok(bytes.equals(mine[k]), `${folder}: file ${k} differs from the text parser's`));
    }
  });

  test('a datetime or decimal partition column stays on the text parser (its value needs its text)', async () => {
    for (const type of ['datetime', 'decimal']) {
      const columns: ColumnSchema[] = [{ name: 'id', type: 'long' }, { name: 'p', type: type as ColumnSchema['type'] }];
      const value = type === 'datetime' ? (n: number) => `"2024-01-0${1 + (n % 3)}T00:00:00Z"` : (n: number) => `"${n % 3}.10"`;
      const body = Buffer.from(progressiveResponse([['id', 'long'], ['p', type]], [Array.from({ length: 500 }, (_, n) => `[${n},${value(n)}]`)]).join(''), 'utf8');
      const fast = await copy(`text-${type}`, body, columns, 4096, true);
      assert.equal(fast.routedRows, 0);
      assert.equal(fast.parsedRows, 500);
      assert.equal(fast.folders.size, 3);
    }
  });
});
