// The fast row path parses the common row shape without intermediate strings; every other shape
// must fall back (undefined) so parseRow decides. Both must give the same values.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { KustoType, Row } from '../../../src/engine/rows';
import { FastRowParser, parseRow } from '../../../src/kusto/v2RowParser';

const types: KustoType[] = ['long', 'int', 'real', 'bool', 'string', 'datetime', 'decimal', 'dynamic'];

function viaGeneric(text: string): unknown {
  const parsed = parseRow(text, 0, types);
  assert.notEqual(parsed, -1);
  return typeof parsed === 'object' ? parsed.row : undefined;
}

describe('FastRowParser', () => {
  test('parses the common shape to the same values as parseRow, longs up to 15 digits as numbers', () => {
    const cases: Array<[string, unknown[]]> = [
      ['[1,2,0.5,true,"a","2024-01-01T00:00:01Z","1","x"]', [1, 2, 0.5, true, 'a', '2024-01-01T00:00:01Z', '1', '"x"']],
      ['[-999999999999999,-2147483648,-1e-7,false,"","0001-01-01T00:00:00Z","-0.5",null]', [-999999999999999, -2147483648, -1e-7, false, '', '0001-01-01T00:00:00Z', '-0.5', null]],
      ['[null,null,null,null,null,null,null,null]', [null, null, null, null, '', null, null, null]],
      ['[1234567890123456,0,1.5E3,true,"é 😀","9999-12-31T23:59:59.9999999Z","79228162514264337593543950335","s"]', [1234567890123456n, 0, 1500, true, 'é 😀', '9999-12-31T23:59:59.9999999Z', '79228162514264337593543950335', '"s"']],
      ['[9223372036854775807,7,0,false,"q","2020-03-04T14:05:01.3109965Z","2",null]', [9223372036854775807n, 7, 0, false, 'q', '2020-03-04T14:05:01.3109965Z', '2', null]],
    ];
    const fast = new FastRowParser(types);
    for (const [text, expected] of cases) {
      const row = fast.parse(text, 0);
      assert.deepEqual(row, expected, text);
      assert.equal(fast.end, text.length, text);
      assert.deepEqual(viaGeneric(text), expected, `parseRow: ${text}`);
    }
  });

  test('leaves every other shape to parseRow', () => {
    const fast = new FastRowParser(types);
    const others = [
      '[1,2,0.5,true,"a\\"b","2024-01-01T00:00:01Z","1","x"]', // an escape in a string
      '[1,2,0.5,true,"a","2024-01-01T00:00:01Z","1",{"k":1}]', // an object in dynamic
      '[1, 2,0.5,true,"a","2024-01-01T00:00:01Z","1","x"]', // whitespace
      '[1,2,"NaN",true,"a","2024-01-01T00:00:01Z","1","x"]', // a real sent as text
      '[1.5,2,0.5,true,"a","2024-01-01T00:00:01Z","1","x"]', // a long with a fraction
      '[1,2,0.5,true,"a","2024-01-01T00:00:01Z",1,"x"]', // a decimal sent as a number
      '[1,2,0.5,true,"a","2024-01-01T00:00:01Z","1"]', // a column missing
      '[1,2,0.5,true,"a","2024-01-01T00:00:01Z","1","x",5]', // a column too many
      '[1,2,0.5,true,"a","2024-01-01T00:00:01Z","1","x"', // cut by the chunk's end
      '{"OneApiErrors":[]}',
    ];
    for (const text of others) assert.equal(fast.parse(text, 0), undefined, text);
  });

  test('a string with an escape falls back for its row only, in the same text and in the next one', () => {
    const fast = new FastRowParser(['string', 'long']);
    const text = '[["a",1],["b\\"c",2],["d",3]]';
    const first = 1;
    assert.deepEqual(fast.parse(text, first), ['a', 1]);
    const second = fast.end + 1;
    assert.equal(fast.parse(text, second), undefined, 'the escaped quote is left to parseRow');
    const escaped = parseRow(text, second, ['string', 'long']);
    assert.ok(typeof escaped === 'object');
    assert.deepEqual(escaped.row, ['b"c', 2]);
    assert.deepEqual(fast.parse(text, escaped.end + 1), ['d', 3], 'rows after the escape take the fast path again');
    // A new text (the next chunk) is searched afresh: no escape-free verdict carries over.
    assert.equal(fast.parse('["e\\nf",4]', 0), undefined);
    assert.deepEqual(fast.parse('["g",5]', 0), ['g', 5]);
  });

  test('a real ends at the next delimiter of the row, the last column at the bracket, and anything but a number falls back', () => {
    const fast = new FastRowParser(['real', 'real']);
    assert.deepEqual(fast.parse('[0.14285714285714285,-2.5e-300]', 0), [0.14285714285714285, -2.5e-300]);
    for (const text of ['[,1]', '[1,]', '[0.5x,1]', '[1,2', '[1,2,3]', '[1]']) assert.equal(fast.parse(text, 0), undefined, text);
  });

  test('parseRun takes consecutive rows up to a limit and stops at a row of another shape, at its start', () => {
    const fast = new FastRowParser(['long', 'string']);
    const text = '[[1,"a"],[2,"b"],[3, "spaced"],[4,"d"]]';
    const rows: Row[] = [];
    const stop = fast.parseRun(text, 1, rows, 10);
    assert.deepEqual(rows, [[1, 'a'], [2, 'b']]);
    assert.equal(text.slice(stop, stop + 3), '[3,', 'stops at the row it could not take');
    assert.equal(fast.parseRun(text, stop, rows, 10), stop, 'nothing parsed: the caller falls back');
    const limited: Row[] = [];
    const afterOne = fast.parseRun(text, 1, limited, 1);
    assert.deepEqual(limited, [[1, 'a']]);
    assert.equal(text.slice(afterOne, afterOne + 2), '[2');
    assert.equal(fast.parseRun('[5,"e"]]', 0, limited, 10), 7, 'the last row: stops just past it');
  });

  test('parses a row in the middle of the text and reports where it ends', () => {
    const fast = new FastRowParser(['long', 'string']);
    const text = '"Rows":[[1,"a"],[22,"bb"]]';
    assert.deepEqual(fast.parse(text, 8), [1, 'a']);
    assert.equal(fast.end, 15);
    assert.deepEqual(fast.parse(text, 16), [22, 'bb']);
    assert.equal(fast.end, 25);
  });
});
