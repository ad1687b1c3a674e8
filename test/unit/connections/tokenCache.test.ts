import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AccessToken } from '@azure/identity';
import { kustoScopeResolver, STORAGE_SCOPE } from '../../../src/auth/credentialFactory';
import { CachedTokenProvider, principalOfJwt, REFRESH_MARGIN_MS } from '../../../src/auth/tokenCache';
import type { Connection } from '../../../src/connections/connection';

function countingCredential(lifetimeMs: number, clock: () => number) {
  const asked: string[] = [];
  return {
    asked,
    credential: {
      getToken: async (scope: string | string[]): Promise<AccessToken> => {
        asked.push(String(scope));
        return { token: `t${asked.length}`, expiresOnTimestamp: clock() + lifetimeMs };
      },
    },
  };
}

describe('token cache', () => {
  test('a token is reused until five minutes before it lapses, then asked for again', async () => {
    let now = 1_000_000;
    const { asked, credential } = countingCredential(3600_000, () => now);
    const provider = new CachedTokenProvider(credential, { scopeFor: async () => 'https://c/.default', now: () => now });
    assert.equal(await provider.getToken('https://c'), 't1');
    now += 3600_000 - REFRESH_MARGIN_MS - 1;
    assert.equal(await provider.getToken('https://c'), 't1');
    now += 2;
    const info = await provider.getTokenInfo('https://c');
    assert.equal(info.token, 't2');
    assert.equal(info.expiresOnTimestamp, now + 3600_000);
    assert.equal(asked.length, 2);
  });

  test('concurrent requests share one call to the credential; scopes are cached apart', async () => {
    const { asked, credential } = countingCredential(3600_000, Date.now);
    const provider = new CachedTokenProvider(credential, { scopeFor: async (r) => `${new URL(r).origin}/.default` });
    const tokens = await Promise.all([provider.getToken('https://a'), provider.getToken('https://a'), provider.getToken('https://b')]);
    assert.deepEqual(asked, ['https://a/.default', 'https://b/.default']);
    assert.equal(tokens[0], tokens[1]);
    assert.notEqual(tokens[0], tokens[2]);
  });

  test('the FQN of a token: app id and tenant, or the user', () => {
    const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    assert.equal(principalOfJwt(jwt({ appid: 'app1', tid: 'ten' })), 'aadapp=app1;ten');
    assert.equal(principalOfJwt(jwt({ upn: 'u@c.com', tid: 'ten', appid: 'client' })), 'aaduser=u@c.com;ten');
    assert.equal(principalOfJwt('not-a-jwt'), undefined);
  });
});

describe('token scope', () => {
  const connection: Connection = { id: 'c', name: 'c', clusterUrl: 'https://mycluster.kusto.windows.net', auth: { kind: 'azureCli' } };

  test('the cluster\'s KustoServiceResourceId from its auth metadata, asked once', async () => {
    let calls = 0;
    const fake = (async () => {
      calls++;
      return new Response(JSON.stringify({ AzureAD: { KustoServiceResourceId: 'https://kusto.kusto.windows.net' } }), { status: 200 });
    }) as typeof fetch;
    const scope = kustoScopeResolver(connection, fake);
    assert.equal(await scope('https://mycluster.kusto.windows.net'), 'https://kusto.kusto.windows.net/.default');
    assert.equal(await scope('https://mycluster.kusto.windows.net/v2/rest/query'), 'https://kusto.kusto.windows.net/.default');
    assert.equal(calls, 1);
  });

  test('no metadata: the cluster URL; an override wins; storage URLs get the storage scope', async () => {
    const notFound = (async () => new Response('no', { status: 404 })) as typeof fetch;
    assert.equal(await kustoScopeResolver(connection, notFound)('https://mycluster.kusto.windows.net'), 'https://mycluster.kusto.windows.net/.default');
    assert.equal(await kustoScopeResolver({ ...connection, audience: 'https://kusto.kustomfa.windows.net/' }, notFound)('https://mycluster.kusto.windows.net'), 'https://kusto.kustomfa.windows.net/.default');
    assert.equal(await kustoScopeResolver(connection, notFound)('https://acct.blob.core.windows.net/c/x'), STORAGE_SCOPE);
  });
});
