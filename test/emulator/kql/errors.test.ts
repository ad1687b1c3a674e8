// What the compiler refuses, and how it phrases errors: unsupported forms answer NotSupported
// (never a wrong result), unknown names and bad syntax answer as the Kusto service does.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileQuery, KqlError } from './compiler';
import { catalog } from './testTable';

function refusal(query: string): KqlError {
  try {
    compileQuery(query, catalog);
  } catch (error) {
    if (error instanceof KqlError) return error;
    throw error;
  }
  assert.fail(`compiled although unsupported: ${query}`);
}

describe('unsupported forms answer NotSupported', () => {
  const unsupported = [
    'T | mv-expand d',
    'T | parse s with * "a" rest',
    'T | extend h = hash(s)',
    'T | join kind=fullouter (T) on id',
    'T | summarize percentile(r, 50)',
    'T | extend x = tostring(r)',
    'T | where dec > decimal(1)',
    'T | summarize sum(dec)',
    'T | extend x = todatetime(s)',
    'T | lookup (T) on id',
    'let f = (x:long) { x + 1 }; print f(1)',
    'T | union kind=inner T',
    'T | evaluate bag_unpack(d)',
    'T | serialize',
    'T | where s has_any ("a")',
    'T | summarize make_list(id, 10)',
    'T | extend x = d.a + 1',
    'union T*',
  ];
  for (const query of unsupported) {
    test(query, () => {
      const error = refusal(query);
      assert.equal(error.kqlCode, 'NotSupported', error.message);
      assert.match(error.message, /^The emulator does not support /);
    });
  }
});

describe('errors as Kusto phrases them', () => {
  test('unknown table', () => {
    const error = refusal('Nope | take 1');
    assert.equal(error.kqlCode, 'SEM0100');
    assert.equal(error.message, "Semantic error: SEM0100: Failed to resolve table or column expression named 'Nope'");
  });

  test('unknown column names the operator', () => {
    assert.equal(refusal('T | where aaa == 1').message, "Semantic error: SEM0100: 'where' operator: Failed to resolve scalar expression named 'aaa'");
    assert.equal(refusal('T | project id, bbb').message, "Semantic error: SEM0100: 'project' operator: Failed to resolve scalar expression named 'bbb'");
    assert.equal(refusal('T | summarize count() by ccc').kqlCode, 'SEM0100');
  });

  test('columns are case-sensitive', () => {
    assert.equal(refusal('T | project ID').message, "Semantic error: SEM0100: 'project' operator: Failed to resolve scalar expression named 'ID'");
  });

  test('syntax errors are SYN0002 with the position', () => {
    const error = refusal('T | summarise count()');
    assert.equal(error.kqlCode, 'SYN0002');
    assert.equal(error.message, "Syntax error: SYN0002: Query could not be parsed at 'summarise' on line [1,5]");
    assert.equal(refusal('T | where (id > ').kqlCode, 'SYN0002');
  });

  test('a missing query parameter without a default', () => {
    assert.match(refusal('declare query_parameters(p:long); T | where id == p').message, /query parameter 'p'/);
  });
});
