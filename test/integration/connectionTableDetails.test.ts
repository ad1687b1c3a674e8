// Row counts for the Connections view come from one `.show tables details` per database, through
// our management client against the emulator: the counts are the rows each table holds.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tableRowCounts } from '../../src/connections/tableDetails';
import { executeManagementRecords } from '../../src/kusto/managementClient';
import { adminToken, type RunningEmulator, startEmulator } from '../emulator/index';

describe('table row counts for the Connections view', () => {
  let emulator: RunningEmulator;
  const admin = { getToken: async () => adminToken() };

  before(async () => {
    emulator = await startEmulator({ databases: ['Shop'], auth: 'tokens', ingestionPollMs: 50 });
    const mgmt = (command: string) => executeManagementRecords({ clusterUrl: emulator.url, database: 'Shop', tokenProvider: admin }, command);
    await mgmt('.create table Orders (id: long, item: string)');
    await mgmt('.create table Empty (id: long)');
    await mgmt('.set-or-append Orders <| datatable(id: long, item: string) [1, "a", 2, "b", 3, "c"]');
    await mgmt('.set-or-append Orders <| datatable(id: long, item: string) [4, "d"]');
  });

  after(async () => emulator?.stop());

  test('one request gives every table its total row count, across extents', async () => {
    const counts = await tableRowCounts({ clusterUrl: emulator.url, tokenProvider: admin }, 'Shop');
    assert.deepEqual([...counts].sort(), [['Empty', 0], ['Orders', 4]]);
  });

  test('an identity with no role on the database is refused (the tree then shows tables without counts)', async () => {
    const nobody = { getToken: async () => emulator.tokenFor('aaduser=nobody@contoso.com') };
    await assert.rejects(tableRowCounts({ clusterUrl: emulator.url, tokenProvider: nobody }, 'Shop'), /not authorized|Forbidden/i);
  });
});
