import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { queryToCopy, suggestedTableName } from '../../../src/ui/queryBlock';

// Lines (0-based): 0-2 first block, 3-4 blank, 5-7 second block (a comment in its middle), 8 blank, 9-10 third.
const file = [
  'StormEvents',
  '| where State == "TEXAS"',
  '| project EventId, State',
  '',
  '   ',
  'StormEvents',
  '// only Florida',
  '| where State == "FLORIDA"',
  '',
  '// a note, nothing to run',
  '// another',
].join('\n');

const texas = 'StormEvents\n| where State == "TEXAS"\n| project EventId, State';
const florida = 'StormEvents\n// only Florida\n| where State == "FLORIDA"';

describe('the query under the cursor in a .kql file', () => {
  test('the cursor on the first, a middle or the last line of a block gives that whole block', () => {
    assert.equal(queryToCopy(file, 0), texas);
    assert.equal(queryToCopy(file, 1), texas);
    assert.equal(queryToCopy(file, 2), texas);
    assert.equal(queryToCopy(file, 5), florida);
    assert.equal(queryToCopy(file, 7), florida);
  });

  test('the cursor on a blank (or whitespace-only) line between blocks gives no query', () => {
    assert.equal(queryToCopy(file, 3), undefined);
    assert.equal(queryToCopy(file, 4), undefined);
    assert.equal(queryToCopy(file, 8), undefined);
  });

  test('comment lines stay in their block; a block of comments only gives no query', () => {
    assert.match(queryToCopy(file, 6) ?? '', /\/\/ only Florida/);
    assert.equal(queryToCopy(file, 9), undefined);
    assert.equal(queryToCopy(file, 10), undefined);
  });

  test('a selection wins over the block under the cursor; a blank selection does not', () => {
    assert.equal(queryToCopy(file, 0, 'StormEvents | count'), 'StormEvents | count');
    assert.equal(queryToCopy(file, 0, '  \n '), texas);
  });

  test('a CRLF file gives the same queries as an LF one, without carriage returns', () => {
    const crlf = file.replace(/\n/g, '\r\n');
    assert.equal(queryToCopy(crlf, 1), texas);
    assert.equal(queryToCopy(crlf, 7), florida);
    assert.equal(queryToCopy(crlf, 3), undefined);
    assert.equal(queryToCopy(crlf, 0, 'T\r\n| take 1'), 'T\n| take 1');
  });

  test('a line outside the file gives no query', () => {
    assert.equal(queryToCopy(file, 11), undefined);
    assert.equal(queryToCopy(file, -1), undefined);
  });
});

describe('a table name suggested from a file or folder name', () => {
  test('drops the data extension and keeps a plain name', () => {
    assert.equal(suggestedTableName('/data/storm_events.parquet'), 'storm_events');
    assert.equal(suggestedTableName('/data/events.csv.gz'), 'events');
    assert.equal(suggestedTableName('/data/spark-out/'), 'spark_out');
  });

  test('replaces characters a table name cannot hold, and never starts with a digit or is empty', () => {
    assert.equal(suggestedTableName('C:\\exports\\2024 sales (EU)'), 'T_2024_sales_EU');
    assert.equal(suggestedTableName('/data/###'), 'Ingested');
    assert.match(suggestedTableName('/x/' + 'a'.repeat(2000)), /^a{1024}$/);
  });
});
