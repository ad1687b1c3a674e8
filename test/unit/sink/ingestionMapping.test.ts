import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { buildFileMapping, jsonPathOf } from '../../../src/kusto/ingest/ingestionMapping';
import { createHash } from 'node:crypto';
import { fileTags, tempTableName } from '../../../src/engine/sink/runFilesToKusto';
import { isIdempotentCommand } from '../../../src/kusto/managementClient';
import { isOutcomeUnclear, KustoError } from '../../../src/kusto/kustoError';
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

  test('temp table names carry the target, a hash of the whole job id and the run nonce; the CSL schema quotes odd names', () => {
    assert.equal(tempTableName('Events', 'job-2026-01-01-abcdef123456', 'a1b2c3'), `Events_kdm_tmp_${createHash('sha256').update('job-2026-01-01-abcdef123456').digest('hex').slice(0, 12)}_a1b2c3`);
    // Ids that end alike (the old name kept only the last 12 letters and digits) get different tables.
    assert.notEqual(tempTableName('T', 'nightly-load-customers-2024-t1', 'n'), tempTableName('T', 'weekly-load-customers-2024-t1', 'n'));
    // A run without a nonce of its own draws one: two runs of one job never share a temp table either.
    assert.match(tempTableName('T', 'job'), /^T_kdm_tmp_[0-9a-f]{12}_[0-9a-f]{6}$/);
    assert.notEqual(tempTableName('T', 'job'), tempTableName('T', 'job'));
    assert.equal(cslSchema([{ name: 'a b', type: 'string' }, { name: 'id', type: 'long' }]), "['a b']:string, ['id']:long");
  });
});

describe('exactly-once tags and retries', () => {
  test('a file is tagged by target and identity, whichever job sends it; a re-ingest adds a tag of its own and skips only on that', () => {
    assert.deepEqual(fileTags('T', 'abc', 'job-1', false), { tags: ['ingest-by:kdm:T:abc'], skipIf: ['kdm:T:abc', 'job-1:abc'] });
    assert.deepEqual(fileTags('T', 'abc', 'job-2', false).tags, fileTags('T', 'abc', 'job-1', false).tags);
    assert.deepEqual(fileTags('T', 'abc', 'job-3', true), { tags: ['ingest-by:kdm:T:abc:reingest:job-3', 'ingest-by:kdm:T:abc'], skipIf: ['kdm:T:abc:reingest:job-3'] });
  });

  test('only commands that do the same twice are retried blind', () => {
    for (const c of ['.show table T extents', '.get ingestion resources', '.create table T (a:long)', '.create-merge table T (a:long)', '.alter table T policy x', '.create-or-alter table T ingestion csv mapping "m" \'[]\'', '.drop table T_kdm_tmp_x ifexists']) assert.equal(isIdempotentCommand(c), true, c);
    for (const c of ['.move extents all from table A to table B', '.drop table T', '.append T <| x', '.set-or-append T <| x', '.export to csv (h@"x") <| T']) assert.equal(isIdempotentCommand(c), false, c);
  });

  test('an answer that never came is unclear; an error answer or a refused connection is not', () => {
    assert.equal(isOutcomeUnclear(new KustoError({ code: 'ECONNRESET', message: 'reset' })), true);
    assert.equal(isOutcomeUnclear(new KustoError({ code: 'SocketHangUp', message: 'socket hang up' })), true);
    assert.equal(isOutcomeUnclear(new KustoError({ code: 'ServiceError', message: 'x', httpStatus: 503 })), false);
    assert.equal(isOutcomeUnclear(new KustoError({ code: 'ECONNREFUSED', message: 'refused' })), false);
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
