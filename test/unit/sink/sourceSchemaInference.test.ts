import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readParquetSchema } from '../../../src/formats/parquetSchemaReader';
import { inferCsvSchema } from '../../../src/formats/csvSchemaReader';
import { inferJsonSchema } from '../../../src/formats/jsonSchemaReader';
import { sparkPython } from '../../helpers/toolsCache';

const python = sparkPython();
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-sink-schema-'));
  // pyarrow (a writer we did not write) makes the fixtures: every type family Spark emits.
  execFileSync(python, ['-c', `
import sys, datetime, decimal, pyarrow as pa, pyarrow.parquet as pq
out = sys.argv[1]
t = pa.table({
  'b': pa.array([True, None], pa.bool_()),
  'i8': pa.array([1, 2], pa.int8()),
  'i32': pa.array([1, 2], pa.int32()),
  'i64': pa.array([1, 2], pa.int64()),
  'u32': pa.array([1, 2], pa.uint32()),
  'u64': pa.array([1, 2], pa.uint64()),
  'f32': pa.array([1.5, 2], pa.float32()),
  'f64': pa.array([1.5, 2], pa.float64()),
  'dec': pa.array([decimal.Decimal('1.50'), None], pa.decimal128(38, 18)),
  's': pa.array(['x', None], pa.string()),
  'bin': pa.array([b'\\x00\\x01', None], pa.binary()),
  'd': pa.array([datetime.date(2024, 1, 31), None], pa.date32()),
  'ts_us': pa.array([datetime.datetime(2024, 1, 31, 12, 0, 0, 123456), None], pa.timestamp('us', tz='UTC')),
  'ts_ms_local': pa.array([datetime.datetime(2024, 1, 31), None], pa.timestamp('ms')),
  'lst': pa.array([[1, 2], None], pa.list_(pa.int64())),
  'mp': pa.array([[('k', 1)], None], pa.map_(pa.string(), pa.int64())),
  'st': pa.array([{'x': 1, 'y': 'a'}, None], pa.struct([('x', pa.int64()), ('y', pa.string())])),
  'after_struct': pa.array([7, 8], pa.int64()),
})
pq.write_table(t, out + '/types.parquet')
pq.write_table(pa.table({'ts': pa.array([datetime.datetime(2024, 1, 31, 12)], pa.timestamp('ns'))}), out + '/int96.parquet', use_deprecated_int96_timestamps=True)
big = pa.table({'n': pa.array(range(70000), pa.int64())})
pq.write_table(big, out + '/rows.parquet', row_group_size=30000)
`, dir], { stdio: 'inherit' });
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Parquet footer → Kusto schema', () => {
  test('maps every type family as Kusto Parquet ingestion does, nested columns to dynamic', async () => {
    const info = await readParquetSchema(join(dir, 'types.parquet'));
    assert.equal(info.numRows, 2);
    assert.deepEqual(info.kustoColumns.map((c) => `${c.name}:${c.type}`), [
      'b:bool', 'i8:int', 'i32:int', 'i64:long', 'u32:long', 'u64:long', 'f32:real', 'f64:real', 'dec:decimal', 's:string', 'bin:string',
      'd:datetime', 'ts_us:datetime', 'ts_ms_local:datetime', 'lst:dynamic', 'mp:dynamic', 'st:dynamic', 'after_struct:long',
    ]);
    const risk = (name: string): string | undefined => info.conversions.find((c) => c.column === name)?.risk;
    assert.match(risk('u64') ?? '', /overflow/);
    assert.match(risk('dec') ?? '', /precision 38 exceeds/);
    assert.match(risk('bin') ?? '', /base64/);
    assert.match(risk('ts_ms_local') ?? '', /taken as UTC/);
    assert.equal(risk('ts_us'), undefined);
    assert.equal(info.conversions.find((c) => c.column === 'ts_us')?.from, 'INT64 TIMESTAMP(MICROS,utc)');
    assert.equal(info.conversions.find((c) => c.column === 'dec')?.from, 'FIXED_LEN_BYTE_ARRAY DECIMAL(38,18)');
  });

  test('reads INT96 timestamps (Spark\'s default) as datetime', async () => {
    const info = await readParquetSchema(join(dir, 'int96.parquet'));
    assert.deepEqual(info.kustoColumns, [{ name: 'ts', type: 'datetime' }]);
    assert.equal(info.conversions[0].from, 'INT96');
  });

  test('sums row counts over row groups from the footer', async () => {
    const info = await readParquetSchema(join(dir, 'rows.parquet'));
    assert.equal(info.numRows, 70000);
  });

  test('refuses a file that is not Parquet', async () => {
    await assert.rejects(readParquetSchema(join(dir, '..', 'no-such-file.parquet')));
  });
});

describe('CSV sniffing and inference', () => {
  test('detects the comma, a header and column types', () => {
    const s = inferCsvSchema('id,name,price,when,ok,uid\n1,"a, b",1.5,2024-01-31T10:00:00Z,true,6f1c6f0e-8d7a-4c59-9b57-0c3c5a1e2f10\n-2,c,3,2024-02-01,false,6f1c6f0e-8d7a-4c59-9b57-0c3c5a1e2f11\n', { complete: true });
    assert.equal(s.delimiter, ',');
    assert.equal(s.format, 'csv');
    assert.equal(s.hasHeader, true);
    assert.equal(s.sampleRows, 2);
    assert.deepEqual(s.columns.map((c) => `${c.name}:${c.type}`), ['id:long', 'name:string', 'price:real', 'when:datetime', 'ok:bool', 'uid:guid']);
  });

  test('detects tab and semicolon delimiters, and a file without header (Spark\'s default)', () => {
    const tsv = inferCsvSchema('a\tb\n1\tx;y\n2\tz\n', { complete: true });
    assert.deepEqual([tsv.format, tsv.hasHeader, tsv.columns.map((c) => `${c.name}:${c.type}`)], ['tsv', true, ['a:long', 'b:string']]);
    const scsv = inferCsvSchema('1;2,5;x\n3;4,5;y\n', { complete: true });
    assert.deepEqual([scsv.format, scsv.hasHeader, scsv.columns.map((c) => `${c.name}:${c.type}`)], ['scsv', false, ['Column1:long', 'Column2:string', 'Column3:string']]);
  });

  test('keeps quoted newlines inside one field and ignores a row cut by the sample end', () => {
    const s = inferCsvSchema('k,v\n1,"line1\nline2"\n2,"cut her');
    assert.equal(s.sampleRows, 1);
    assert.deepEqual(s.columns.map((c) => `${c.name}:${c.type}`), ['k:long', 'v:string']);
  });

  test('a column mixing longs and reals is real; mixing numbers and text is string', () => {
    const s = inferCsvSchema('a,b\n1,1\n2.5,x\n', { complete: true });
    assert.deepEqual(s.columns.map((c) => c.type), ['real', 'string']);
  });
});

describe('JSON inference', () => {
  test('JSON lines: numbers split into long and real, nested values dynamic, date strings datetime', () => {
    const s = inferJsonSchema('{"id":1,"v":1.5,"t":"2024-01-31T00:00:00Z","tags":["a"],"o":{"x":1},"n":null}\n{"id":2,"v":2,"t":"2024-02-01T00:00:00Z","tags":[],"o":null,"n":null}\n');
    assert.equal(s.sampleRows, 2);
    assert.deepEqual(s.columns.map((c) => `${c.name}:${c.type}`), ['id:long', 'v:real', 't:datetime', 'tags:dynamic', 'o:dynamic', 'n:string']);
  });

  test('multi-line JSON and arrays of objects; a value that changes kind becomes dynamic', () => {
    const s = inferJsonSchema('[\n  {\n    "a": 1,\n    "b": "x"\n  },\n  {\n    "a": "one",\n    "b": "y"\n  }\n]');
    assert.deepEqual(s.columns.map((c) => `${c.name}:${c.type}`), ['a:dynamic', 'b:string']);
  });
});

describe('text schema inference keeps what the values say', () => {
  test('a JSON long beyond 2^53 is typed long from its text (not real), and 0.0 is real', () => {
    const schema = inferJsonSchema('{"l":9223372036854775807,"m":-9223372036854775808,"z":0.0,"n":12}\n{"l":1,"m":null,"z":2,"n":null}\n');
    assert.deepEqual(schema.columns.map((c) => [c.name, c.type]), [['l', 'long'], ['m', 'long'], ['z', 'real'], ['n', 'long']]);
  });

  test('a CSV column with no value in the sample is reported untyped, not evidence for string', () => {
    const schema = inferCsvSchema('id,b,s\n2,,\n', { complete: true });
    assert.deepEqual(schema.columns.map((c) => c.name), ['id', 'b', 's']);
    assert.deepEqual(schema.untyped, ['b', 's']);
    assert.equal(schema.columns[0].type, 'long');
  });
});
