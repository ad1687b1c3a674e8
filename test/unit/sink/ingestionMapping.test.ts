import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { buildFileMapping, jsonPathOf } from '../../../src/kusto/ingest/ingestionMapping';
import { tempTableName } from '../../../src/engine/sink/runFilesToKusto';
import { cslSchema } from '../../../src/kusto/ingest/tableSetup';

describe('ingestion mapping made for a file', () => {
  const table = [
    { name: 'Name', type: 'string' as const },
    { name: 'id', type: 'long' as const },
    { name: 'city', type: 'string' as const },
    { name: 'year', type: 'long' as const },
  ];

  test('CSV: ordinals follow the file\'s header, names matched exactly or case-insensitively', () => {
    const m = buildFileMapping('csv', ['id', 'name', 'unknown'], { city: 'Oslo', year: null }, table);
    assert.equal(m.kind, 'Csv');
    assert.deepEqual(m.entries, [
      { Column: 'id', Properties: { Ordinal: '0' } },
      { Column: 'Name', Properties: { Ordinal: '1' } },
      { Column: 'city', Properties: { ConstValue: 'Oslo' } },
    ]);
    assert.deepEqual(m.unmatched, ['unknown']);
  });

  test('Parquet and JSON: paths by property name (quoted), partition values as constants', () => {
    const m = buildFileMapping('parquet', ["it's", 'id'], { city: 'S\u00e3o Paulo/SP' }, [{ name: "it's", type: 'string' }, ...table]);
    assert.equal(m.kind, 'Parquet');
    assert.deepEqual(m.entries, [
      { Column: "it's", Properties: { Path: "$['it\\'s']" } },
      { Column: 'id', Properties: { Path: "$['id']" } },
      { Column: 'city', Properties: { ConstValue: 'S\u00e3o Paulo/SP' } },
    ]);
    assert.equal(buildFileMapping('multijson', ['id'], {}, table).kind, 'Json');
    assert.equal(jsonPathOf('a b'), "$['a b']");
  });

  test('a file column wins over a partition folder of the same name (as in Spark)', () => {
    const m = buildFileMapping('json', ['year'], { year: '2024' }, table);
    assert.deepEqual(m.entries, [{ Column: 'year', Properties: { Path: "$['year']" } }]);
  });

  test('temp table names carry the target and the job, and the CSL schema quotes odd names', () => {
    assert.equal(tempTableName('Events', 'job-2026-01-01-abcdef123456'), 'Events_kdm_tmp_abcdef123456');
    assert.equal(cslSchema([{ name: 'a b', type: 'string' }, { name: 'id', type: 'long' }]), "['a b']:string, ['id']:long");
  });
});

describe('streaming requests', () => {
  test('drop a CSV header record, also when a quoted header field holds a newline', async () => {
    const { withoutFirstRecord } = await import('../../../src/engine/sink/streamingSender');
    assert.equal(withoutFirstRecord(Buffer.from('id,name\n1,a\n')).toString(), '1,a\n');
    assert.equal(withoutFirstRecord(Buffer.from('"i\nd",name\n1,a\n')).toString(), '1,a\n');
    assert.equal(withoutFirstRecord(Buffer.from('id,name')).toString(), '');
  });
});
