// Issue 23 item 1: the CSV header is detected from the types below it and the sample's dominant
// width, not from how "name-like" its cells are; rows of another width are warned about, with
// the line they start on.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { inferCsvSchema } from '../../../src/formats/csvSchemaReader';

describe('CSV header detection', () => {
  test('a header with punctuation ("amount (USD)") is a header when the rows below are typed', () => {
    const s = inferCsvSchema('id,amount (USD),created_at\n1,2.50,2024-01-31\n2,3,2024-02-01\n', { complete: true });
    assert.equal(s.hasHeader, true);
    assert.deepEqual(s.columns.map((c) => `${c.name}:${c.type}`), ['id:long', 'amount (USD):real', 'created_at:datetime']);
    assert.equal(s.sampleRows, 2);
    assert.deepEqual(s.warnings, []);
  });

  test('one over-long row does not turn the header into data; it is warned about with its line', () => {
    const s = inferCsvSchema('id,name\n1,a\n2,b,EXTRA\n3,c\n', { complete: true });
    assert.equal(s.hasHeader, true);
    assert.deepEqual(s.columns.map((c) => `${c.name}:${c.type}`), ['id:long', 'name:string']);
    assert.equal(s.warnings.length, 1);
    assert.match(s.warnings[0], /line 3 has 3 fields where the header has 2/);
  });

  test('with csvHeader true an over-long row neither crashes nor adds a nameless column', () => {
    const s = inferCsvSchema('id,name\n1,a\n2,b,EXTRA\n', { complete: true, header: true });
    assert.deepEqual(s.columns.map((c) => c.name), ['id', 'name']);
    assert.match(s.warnings.join('\n'), /line 3 has 3 fields/);
  });

  test('a short row is warned about too; a file of numbers only has no header', () => {
    const s = inferCsvSchema('1,2,3\n4,5,6\n7,8\n', { complete: true });
    assert.equal(s.hasHeader, false);
    assert.deepEqual(s.columns.map((c) => `${c.name}:${c.type}`), ['Column1:long', 'Column2:long', 'Column3:long']);
    assert.match(s.warnings.join('\n'), /line 3 has 2 fields where most rows have 3/);
  });

  test('a quoted newline does not shift the line number of a later row', () => {
    const s = inferCsvSchema('k,v\n1,"two\nlines"\n2,x,y\n', { complete: true });
    assert.match(s.warnings.join('\n'), /line 4 has 3 fields/);
  });
});
