// AAD app + client secret end to end: the real ClientSecretCredential (@azure/identity) gets its
// tokens from the local authority stand-in, and the Kusto emulator in tokens mode maps the token's
// appid/tid to a principal with roles. Also through azure-kusto-data, and a session that outlives
// its tokens' lifetime (the emulator refuses expired tokens) keeps working on refreshed ones.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, KustoConnectionStringBuilder } from 'azure-kusto-data';
import { createTokenProvider } from '../../src/auth/credentialFactory';
import { jwtClaims } from '../../src/auth/tokenCache';
import type { Connection } from '../../src/connections/connection';
import { listDatabases } from '../../src/kusto/clusterSchema';
import { executeManagementRecords } from '../../src/kusto/managementClient';
import { startAuthority, type RunningAuthority } from '../authority/authorityServer';
import { adminToken, startEmulator, trustEmulatorCertificate } from '../emulator/index';

const TENANT = '0c0ffee0-1111-2222-3333-444444444444';
const APP = 'a1b2c3d4-0000-1111-2222-333333333333';
const SECRET = 'Sup3r/Secret+Value==';
let emulator: Awaited<ReturnType<typeof startEmulator>>;
let authority: RunningAuthority;

const connection = (): Connection => ({
  id: 'conn-app',
  name: 'App',
  clusterUrl: emulator.url,
  defaultDatabase: 'Sales',
  auth: { kind: 'appSecret', tenantId: TENANT, clientId: APP, authorityHost: authority.url },
});

before(async () => {
  emulator = await startEmulator({ databases: ['Sales', 'Hidden'], auth: 'tokens' });
  trustEmulatorCertificate(emulator); // the authority stand-in serves the same loopback certificate
  authority = await startAuthority({ apps: [{ clientId: APP, tenantId: TENANT, secret: SECRET }] });
  const admin = { getToken: async () => adminToken() };
  await executeManagementRecords({ clusterUrl: emulator.url, database: 'Sales', tokenProvider: admin }, '.create table Orders (id:long)');
  await executeManagementRecords({ clusterUrl: emulator.url, database: 'Sales', tokenProvider: admin }, `.add database Sales viewers ('aadapp=${APP};${TENANT}')`);
});

after(async () => {
  await authority?.stop();
  await emulator?.stop();
});

describe('AAD app + secret against the authority stand-in', () => {
  test('the token names the app and tenant; the emulator lets it see only the database it is viewer of', async () => {
    const provider = createTokenProvider(connection(), { secret: async () => SECRET });
    assert.ok(provider);
    assert.deepEqual(await listDatabases({ clusterUrl: emulator.url, tokenProvider: provider }), ['Sales']);
    const info = await provider.getTokenInfo(emulator.url);
    const claims = jwtClaims(info.token);
    assert.equal(claims?.appid, APP);
    assert.equal(claims?.tid, TENANT);
    assert.equal(claims?.aud, emulator.url, 'the emulator has no auth metadata: the audience is the cluster URL');
    assert.ok(info.expiresOnTimestamp && info.expiresOnTimestamp > Date.now() + 3000_000);
    // Cached: the second request did not go back to the authority.
    assert.equal(authority.issued.filter((t) => t.clientId === APP).length, 1);
  });

  test('azure-kusto-data runs a query with tokens from the provider', async () => {
    const provider = createTokenProvider(connection(), { secret: async () => SECRET });
    assert.ok(provider);
    const client = new Client(KustoConnectionStringBuilder.withTokenProvider(emulator.url, async () => (await provider.getToken(emulator.url)) ?? ''));
    const result = await client.execute('Sales', 'print answer = 42');
    assert.equal(result.primaryResults[0].toJSON().data[0].answer, 42);
    client.close();
  });

  test('a wrong secret fails with the authority\'s reason, and the message carries no secret', async () => {
    const wrong = 'Wr0ng/Secret+Value==';
    const provider = createTokenProvider({ ...connection(), id: 'conn-wrong' }, { secret: async () => wrong });
    await assert.rejects(provider!.getToken(emulator.url), (err: Error) => {
      assert.match(err.message, /Sign-in for connection "App" failed: .*Invalid client secret/s);
      assert.ok(!err.message.includes(wrong) && !err.message.includes(encodeURIComponent(wrong)));
      return true;
    });
  });

  test('a session longer than its tokens live keeps working: each token is renewed before it lapses', async () => {
    authority.setTokenLifetime(3);
    try {
      const provider = createTokenProvider({ ...connection(), id: 'conn-short' }, { secret: async () => SECRET, refreshMarginMs: 1000 });
      const tokens = new Set<string>();
      const until = Date.now() + 7000;
      let calls = 0;
      while (Date.now() < until) {
        const info = await provider!.getTokenInfo(emulator.url);
        tokens.add(info.token);
        assert.ok((info.expiresOnTimestamp ?? 0) > Date.now(), 'a lapsed token is never handed out');
        const rows = await executeManagementRecords({ clusterUrl: emulator.url, database: 'Sales', tokenProvider: provider }, '.show tables');
        assert.deepEqual(rows.map((r) => r.TableName), ['Orders']);
        calls++;
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(tokens.size >= 3, `expected at least 3 tokens over 7 s of 3-second tokens, got ${tokens.size} in ${calls} calls`);
      assert.ok(calls > tokens.size, 'tokens are reused until they near expiry');
    } finally {
      authority.setTokenLifetime(3600);
    }
  });

  test('the emulator refuses a token after its expiry (so the test above can fail)', async () => {
    const expired = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ appid: APP, tid: TENANT, exp: Math.floor(Date.now() / 1000) - 5 })).toString('base64url')}.`;
    await assert.rejects(executeManagementRecords({ clusterUrl: emulator.url, database: 'Sales', tokenProvider: { getToken: async () => expired } }, '.show tables'), /expired/);
  });
});
