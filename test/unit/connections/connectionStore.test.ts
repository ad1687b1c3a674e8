import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clusterUrlProblem, type Connection, redactedConnectionString } from '../../../src/connections/connection';
import { ConnectionStore, secretKey } from '../../../src/connections/connectionStore';

function memory(): { state: Map<string, unknown>; secrets: Map<string, string>; store: ConnectionStore } {
  const state = new Map<string, unknown>();
  const secrets = new Map<string, string>();
  const store = new ConnectionStore(
    { get: <T>(k: string) => state.get(k) as T | undefined, update: async (k, v) => void state.set(k, JSON.parse(JSON.stringify(v))) },
    { get: async (k) => secrets.get(k), store: async (k, v) => void secrets.set(k, v), delete: async (k) => void secrets.delete(k) },
  );
  return { state, secrets, store };
}

const app: Connection = {
  id: 'c1',
  name: 'Prod',
  clusterUrl: 'https://mycluster.westeurope.kusto.windows.net/',
  defaultDatabase: 'Samples',
  auth: { kind: 'appSecret', tenantId: 'contoso.onmicrosoft.com', clientId: '11111111-2222-3333-4444-555555555555' },
};
const SECRET = 'p@ss/w0rd+==';

describe('connection store', () => {
  test('keeps non-secret fields in state and the secret only in SecretStorage under the connection id', async () => {
    const { state, secrets, store } = memory();
    await store.save(app, { clientSecret: SECRET });
    assert.equal(secrets.get(secretKey('c1', 'clientSecret')), SECRET);
    const stateText = JSON.stringify([...state.entries()]);
    assert.ok(!stateText.includes(SECRET), 'the secret must not be in state');
    assert.equal(store.get('c1')?.clusterUrl, 'https://mycluster.westeurope.kusto.windows.net');
    assert.equal(await store.secret('c1', 'clientSecret'), SECRET);
  });

  test('an edit without the secret keeps it; a new connection without it is refused', async () => {
    const { store } = memory();
    await assert.rejects(store.save(app), /clientSecret of connection "Prod" is missing/);
    await store.save(app, { clientSecret: SECRET });
    await store.save({ ...app, name: 'Production' });
    assert.equal(store.get('c1')?.name, 'Production');
    assert.equal(await store.secret('c1', 'clientSecret'), SECRET);
  });

  test('changing the auth kind deletes the secrets the new kind does not use', async () => {
    const { secrets, store } = memory();
    await store.save(app, { clientSecret: SECRET });
    await store.save({ ...app, auth: { kind: 'userToken' } }, { userToken: 'tok' });
    assert.equal(secrets.has(secretKey('c1', 'clientSecret')), false);
    assert.equal(secrets.get(secretKey('c1', 'userToken')), 'tok');
  });

  test('remove deletes the connection and its secrets; other connections stay', async () => {
    const { secrets, store } = memory();
    await store.save(app, { clientSecret: SECRET });
    await store.save({ ...app, id: 'c2', name: 'Other' }, { clientSecret: 'other' });
    let fired = 0;
    store.onDidChange(() => fired++);
    await store.remove('c1');
    assert.deepEqual(store.list().map((c) => c.id), ['c2']);
    assert.deepEqual([...secrets.keys()], [secretKey('c2', 'clientSecret')]);
    assert.equal(fired, 1);
  });

  test('refuses duplicate names, a secret the kind does not take, and plain http off loopback', async () => {
    const { store } = memory();
    await store.save(app, { clientSecret: SECRET });
    await assert.rejects(store.save({ ...app, id: 'c3', name: 'prod' }, { clientSecret: 'x' }), /named "prod" exists already/);
    await assert.rejects(store.save({ ...app, id: 'c4', name: 'N', auth: { kind: 'none' } }, { clientSecret: 'x' }), /takes no secret "clientSecret"/);
    await assert.rejects(store.save({ ...app, id: 'c5', name: 'H', clusterUrl: 'http://mycluster.kusto.windows.net', auth: { kind: 'none' } }), /Plain http is only allowed/);
    await store.save({ ...app, id: 'c6', name: 'Local', clusterUrl: 'http://127.0.0.1:8082', auth: { kind: 'none' } });
    assert.equal(store.get('c6')?.clusterUrl, 'http://127.0.0.1:8082');
  });
});

describe('connection fields', () => {
  test('cluster URLs: https anywhere, http only on loopback, no credentials or query', () => {
    assert.equal(clusterUrlProblem('https://help.kusto.windows.net'), undefined);
    assert.equal(clusterUrlProblem('http://localhost:8082'), undefined);
    assert.match(clusterUrlProblem('http://10.0.0.1:8080') ?? '', /Plain http/);
    assert.match(clusterUrlProblem('https://u:p@x.kusto.windows.net') ?? '', /passwords/);
    assert.match(clusterUrlProblem('https://x.kusto.windows.net?sig=abc') ?? '', /query strings/);
    assert.match(clusterUrlProblem('nope') ?? '', /Enter a URL/);
  });

  test('the copied connection string names the app but never carries its secret', () => {
    const text = redactedConnectionString(app);
    assert.equal(text, 'Data Source=https://mycluster.westeurope.kusto.windows.net/;Initial Catalog=Samples;AAD Federated Security=True;Application Client Id=11111111-2222-3333-4444-555555555555;Application Key=****;Authority Id=contoso.onmicrosoft.com');
  });
});
