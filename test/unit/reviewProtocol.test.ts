// The host's check of the schema edits a webview sends back (src/webviewProtocol/reviewProtocol.ts):
// a message that is not a list of { source, name, type } with known types is refused with why.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSchemaEdits } from '../../src/webviewProtocol/reviewProtocol';

describe('parseSchemaEdits', () => {
  test('takes a list of edits, names trimmed', () => {
    assert.deepEqual(parseSchemaEdits([{ source: 'name', name: ' customer ', type: 'string' }, { source: 'id', name: 'id', type: 'real' }]), {
      columns: [{ source: 'name', name: 'customer', type: 'string' }, { source: 'id', name: 'id', type: 'real' }],
    });
  });

  test('refuses what a webview should never send, saying what is wrong', () => {
    assert.deepEqual(parseSchemaEdits({ source: 'a' }), { error: 'the schema edits are not a list' });
    assert.deepEqual(parseSchemaEdits([]), { error: 'keep at least one column' });
    assert.deepEqual(parseSchemaEdits([null]), { error: 'column 1 is not an object' });
    assert.deepEqual(parseSchemaEdits([{ source: 'a', name: 'a', type: 'long', extra: 1 }]), { error: 'column 1 has unknown fields: extra' });
    assert.deepEqual(parseSchemaEdits([{ source: '', name: 'a', type: 'long' }]), { error: 'column 1 has no source column' });
    assert.deepEqual(parseSchemaEdits([{ source: 'a', name: '  ', type: 'long' }]), { error: 'column "a" needs a name' });
    assert.deepEqual(parseSchemaEdits([{ source: 'a', name: 'a', type: 'varchar' }]), { error: 'column "a" has an unknown type' });
    assert.deepEqual(parseSchemaEdits(Array.from({ length: 10_001 }, () => ({ source: 'a', name: 'a', type: 'long' }))), { error: 'too many columns' });
  });
});
