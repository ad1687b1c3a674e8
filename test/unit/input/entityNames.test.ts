// Issue 23 item 5: every identifier in a command is bracket-quoted (keywords and literals too),
// and a name the service's entity-name rules refuse is refused here, before any command is sent.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { entityNameProblem, quoteEntityName } from '../../../src/kusto/entityNames';
import { kqlName } from '../../../src/kusto/managementClient';
import { cslSchema } from '../../../src/kusto/ingest/tableSetup';

describe('Kusto entity names in commands', () => {
  test('keywords and literals are always quoted, in table names and in a schema', () => {
    assert.equal(kqlName('where'), "['where']");
    assert.equal(kqlName('Events'), "['Events']");
    assert.equal(cslSchema([{ name: 'where', type: 'string' }, { name: '1day', type: 'long' }, { name: 'true', type: 'bool' }]), "['where']:string, ['1day']:long, ['true']:bool");
  });

  test('names the service allows pass: letters of any script, digits, "_", " ", "." and "-"', () => {
    for (const name of ['a', 'my table', 'a.b-c_d', 'Größe', '名前', '1day', 'x'.repeat(1024)]) assert.equal(entityNameProblem(name), undefined, name);
    assert.equal(quoteEntityName('my table'), "['my table']");
  });

  test('hostile names are refused with what is wrong, never quoted into a command', () => {
    const refused: Array<[string, RegExp]> = [
      ['a\nb', /a newline/],
      ["it's", /"'"/],
      ['back\\x', /"\\\\"/],
      ["$['a']", /"\$", "\[", "'", "]"/],
      ['a;b', /";"/],
      ['a:b', /":"/],
      ['wow!', /"!"/],
      ['tab\there', /a tab/],
      ['nul\u0000', /U\+0000/],
      ['', /is empty/],
      ['   ', /only spaces/],
      ['__reserved', /"__"/],
      ['x'.repeat(1025), /1025 characters long/],
    ];
    for (const [name, why] of refused) {
      assert.match(entityNameProblem(name) ?? '', why, JSON.stringify(name));
      assert.throws(() => kqlName(name), (err: Error) => err.name === 'EntityNameError' && why.test(err.message), JSON.stringify(name));
      assert.throws(() => cslSchema([{ name, type: 'string' }]), /column name/, JSON.stringify(name));
    }
  });
});
