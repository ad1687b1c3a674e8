// The pure parts behind the Connections view: pasted-token expiry states, the wizard prefill of
// each context action, and Sign Out / Paste New Token in the store.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Connection } from '../../../src/connections/connection';
import { ConnectionStore, secretKey } from '../../../src/connections/connectionStore';
import { describeExpiry, EXPIRY_WARNING_MS, expiryStatus, warningDelay } from '../../../src/connections/tokenExpiry';
import { prefillFor } from '../../../src/ui/connectionPrefill';

const NOW = Date.UTC(2026, 11, 3, 6, 0, 0);

function memory() {
  const state = new Map<string, unknown>();
  const secrets = new Map<string, string>();
  const store = new ConnectionStore(
    { get: <T>(k: string) => state.get(k) as T | undefined, update: async (k, v) => void state.set(k, JSON.parse(JSON.stringify(v))) },
    { get: async (k) => secrets.get(k), store: async (k, v) => void secrets.set(k, v), delete: async (k) => void secrets.delete(k) },
  );
  return { secrets, store };
}

const emulator: Connection = { id: 'e1', name: 'Emulator', clusterUrl: 'http://127.0.0.1:8082', auth: { kind: 'none' } };

describe('pasted token expiry', () => {
  test('valid until ten minutes before it lapses, then expiring, then expired', () => {
    assert.equal(EXPIRY_WARNING_MS, 600_000);
    assert.equal(expiryStatus(NOW + 10 * 60_000 + 1, NOW), 'valid');
    assert.equal(expiryStatus(NOW + 10 * 60_000, NOW), 'expiring');
    assert.equal(expiryStatus(NOW + 1, NOW), 'expiring');
    assert.equal(expiryStatus(NOW, NOW), 'expired');
    assert.equal(expiryStatus(NOW - 60_000, NOW), 'expired');
  });

  test('the warning is due ten minutes before expiry, at once when that has passed, and never beyond a 32-bit timer', () => {
    assert.equal(warningDelay(NOW + 60 * 60_000, NOW), 50 * 60_000);
    assert.equal(warningDelay(NOW + 5 * 60_000, NOW), 0);
    assert.equal(warningDelay(NOW - 5 * 60_000, NOW), 0);
    assert.equal(warningDelay(NOW + 90 * 24 * 3600_000, NOW), 2 ** 31 - 1);
  });

  test('says how far away the expiry is', () => {
    assert.equal(describeExpiry(NOW + 5 * 60_000, NOW), 'expires in 5 minutes');
    assert.equal(describeExpiry(NOW + 60_000, NOW), 'expires in 1 minute');
    assert.equal(describeExpiry(NOW - 3 * 3600_000, NOW), 'expired 3 hours ago');
  });
});

describe('context actions hand the wizard a prefilled spec', () => {
  test('Export Table… queries the quoted table on its cluster and database', () => {
    assert.deepEqual(prefillFor('exportTable', { connection: emulator, database: 'Samples', table: 'StormEvents' }), {
      direction: 'kustoToFiles', clusterUrl: 'http://127.0.0.1:8082', database: 'Samples', query: "['StormEvents']",
    });
  });

  test('Query to Files… starts from a take 100 template; a name with a quote is escaped', () => {
    assert.equal(prefillFor('queryToFiles', { connection: emulator, database: 'Samples', table: 'StormEvents' }).query, "['StormEvents']\n| take 100");
    assert.throws(() => prefillFor('exportTable', { connection: emulator, database: 'Samples', table: "bad'name" }), /bad'name/);
  });

  test('Ingest Files into Table… names the table; Ingest into This Database… only the database', () => {
    assert.deepEqual(prefillFor('ingestIntoTable', { connection: emulator, database: 'Samples', table: 'My Table' }), {
      direction: 'filesToKusto', clusterUrl: 'http://127.0.0.1:8082', database: 'Samples', table: 'My Table',
    });
    assert.deepEqual(prefillFor('ingestIntoDatabase', { connection: emulator, database: 'Logs' }), {
      direction: 'filesToKusto', clusterUrl: 'http://127.0.0.1:8082', database: 'Logs',
    });
  });
});

describe('Sign Out and Paste New Token in the store', () => {
  test('Sign Out unpins the VS Code account and marks it signed out until Sign In pins one again', async () => {
    const { store } = memory();
    await store.save({ id: 'v1', name: 'Mine', clusterUrl: 'https://c.kusto.windows.net', auth: { kind: 'vscodeAccount' } });
    await store.pinAccount('v1', { id: 'acc-1', label: 'ada@contoso.com' });
    await store.signOut('v1');
    assert.deepEqual(store.get('v1')?.auth, { kind: 'vscodeAccount', signedOut: true });
    await store.pinAccount('v1', { id: 'acc-2', label: 'bob@contoso.com' });
    assert.deepEqual(store.get('v1')?.auth, { kind: 'vscodeAccount', accountId: 'acc-2', accountLabel: 'bob@contoso.com' });
  });

  test('Sign Out keeps stored secrets; Remove deletes them', async () => {
    const { store, secrets } = memory();
    await store.save({ id: 't1', name: 'Tok', clusterUrl: 'https://c.kusto.windows.net', auth: { kind: 'userToken' } }, { userToken: 'tok-1' });
    await store.signOut('t1');
    assert.equal(secrets.get(secretKey('t1', 'userToken')), 'tok-1');
    assert.equal(store.get('t1')?.auth.signedOut, undefined, 'only an interactive sign-in is marked signed out');
    await store.remove('t1');
    assert.equal(secrets.size, 0);
  });

  test('Paste New Token replaces the secret and tells listeners; a kind without that secret refuses', async () => {
    const { store } = memory();
    await store.save({ id: 't1', name: 'Tok', clusterUrl: 'https://c.kusto.windows.net', auth: { kind: 'userToken' } }, { userToken: 'tok-1' });
    await store.save(emulator);
    let fired = 0;
    store.onDidChange(() => fired++);
    await store.replaceSecret('t1', 'userToken', 'tok-2');
    assert.equal(await store.secret('t1', 'userToken'), 'tok-2');
    assert.equal(fired, 1);
    await assert.rejects(store.replaceSecret('e1', 'userToken', 'x'), /auth kind none takes no secret "userToken"/);
  });
});

describe('staging locations in the store', () => {
  test('the URL and access kind are in state, the SAS only in SecretStorage; an edit keeps them; Remove drops their secrets', async () => {
    const { store, secrets } = memory();
    await store.save(emulator);
    const sas = 'sv=2024-01-01&sp=rl&sig=AbC%2Bdef%3D';
    const added = await store.addStaging('e1', { url: 'http://127.0.0.1:10000/devstoreaccount1/staging/exports/', authKind: 'sas' }, sas);
    assert.deepEqual(store.get('e1')?.staging, [{ id: added.id, url: 'http://127.0.0.1:10000/devstoreaccount1/staging/exports', authKind: 'sas' }]);
    assert.equal(await store.stagingSecret('e1', added.id), sas);
    await store.save({ ...emulator, name: 'Emulator (renamed)' });
    assert.equal(store.get('e1')?.staging?.length, 1, 'an edit keeps the staging locations');
    await store.remove('e1');
    assert.equal(secrets.size, 0, 'no secret is left behind');
  });

  test('refuses a SAS in the URL, a missing secret, a secret for the credential kind, plain http off loopback, and a duplicate', async () => {
    const { store } = memory();
    await store.save(emulator);
    await assert.rejects(store.addStaging('e1', { url: 'https://acct.blob.core.windows.net/c?sv=1&sig=x', authKind: 'sas' }, 'sig=x'), /keep the SAS out of the URL/);
    await assert.rejects(store.addStaging('e1', { url: 'https://acct.blob.core.windows.net/c', authKind: 'accountKey' }), /needs it/);
    await assert.rejects(store.addStaging('e1', { url: 'https://acct.blob.core.windows.net/c', authKind: 'credential' }, 'k'), /takes no secret/);
    await assert.rejects(store.addStaging('e1', { url: 'http://acct.blob.core.windows.net/c', authKind: 'accountKey' }, 'k'), /Plain http/);
    await store.addStaging('e1', { url: 'https://acct.blob.core.windows.net/c', authKind: 'credential' });
    await assert.rejects(store.addStaging('e1', { url: 'https://acct.blob.core.windows.net/c/', authKind: 'credential' }), /has the staging location/);
  });

  test('removing one location deletes its secret only', async () => {
    const { store } = memory();
    await store.save(emulator);
    const a = await store.addStaging('e1', { url: 'https://acct.blob.core.windows.net/a', authKind: 'accountKey' }, 'key-a');
    const b = await store.addStaging('e1', { url: 'https://acct.blob.core.windows.net/b', authKind: 'accountKey' }, 'key-b');
    await store.removeStaging('e1', a.id);
    assert.deepEqual(store.get('e1')?.staging?.map((s) => s.id), [b.id]);
    assert.equal(await store.stagingSecret('e1', a.id), undefined);
    assert.equal(await store.stagingSecret('e1', b.id), 'key-b');
  });
});
