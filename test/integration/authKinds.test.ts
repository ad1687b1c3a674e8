// The other auth kinds end to end through the real clients: ClientCertificateCredential (PEM),
// DeviceCodeCredential (code shown, approved on the stand-in, then silent refresh), a pasted token,
// Key Vault read by the real SecretClient (the Spark connector's secret names), and Azure CLI (only
// what can be checked offline: no az here, so the message tells the user to run az login).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTokenProvider, KEY_VAULT_SECRETS } from '../../src/auth/credentialFactory';
import { jwtClaims } from '../../src/auth/tokenCache';
import type { Connection } from '../../src/connections/connection';
import { SignInRequiredError } from '../../src/engine/jobContext';
import { listDatabases } from '../../src/kusto/clusterSchema';
import { executeManagementRecords } from '../../src/kusto/managementClient';
import { startAuthority, type RunningAuthority } from '../authority/authorityServer';
import { startKeyVault, type RunningKeyVault } from '../authority/keyVaultServer';
import { adminToken, startEmulator, trustEmulatorCertificate } from '../emulator/index';

const TENANT = 'cafe0000-1111-2222-3333-444444444444';
const CERT_APP = 'c0000000-0000-0000-0000-00000000000c';
const VAULT_APP = 'c0000000-0000-0000-0000-0000000000aa';
const KUSTO_APP = 'c0000000-0000-0000-0000-0000000000bb';
let emulator: Awaited<ReturnType<typeof startEmulator>>;
let authority: RunningAuthority;
let vault: RunningKeyVault;
let work: string;
let pem: string;

const base = (auth: Connection['auth'], id: string): Connection => ({ id, name: id, clusterUrl: emulator.url, auth: { authorityHost: authority.url, ...auth } });

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kdm-auth-kinds-'));
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(work, 'key.pem'), '-out', join(work, 'cert.pem'), '-days', '2', '-subj', '/CN=kdm-test-app'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const cert = readFileSync(join(work, 'cert.pem'), 'utf8');
  pem = readFileSync(join(work, 'key.pem'), 'utf8') + cert;
  emulator = await startEmulator({ databases: ['Sales'], auth: 'tokens' });
  trustEmulatorCertificate(emulator);
  authority = await startAuthority({
    apps: [
      { clientId: CERT_APP, tenantId: TENANT, certificatePem: cert },
      { clientId: VAULT_APP, tenantId: TENANT, secret: 'vault-app-key' },
      { clientId: KUSTO_APP, tenantId: TENANT, secret: 'kusto-app-key-from-vault' },
    ],
    users: [{ upn: 'dana@contoso.com', tenantId: TENANT }],
  });
  vault = await startKeyVault({ authority: authority.url, tenantId: TENANT, secrets: { [KEY_VAULT_SECRETS.appId]: KUSTO_APP, [KEY_VAULT_SECRETS.appKey]: 'kusto-app-key-from-vault', [KEY_VAULT_SECRETS.authority]: TENANT } });
  const admin = { getToken: async () => adminToken() };
  for (const who of [`aadapp=${CERT_APP};${TENANT}`, `aadapp=${KUSTO_APP};${TENANT}`, 'aaduser=dana@contoso.com']) {
    await executeManagementRecords({ clusterUrl: emulator.url, database: 'Sales', tokenProvider: admin }, `.add database Sales viewers ('${who}')`);
  }
});

after(async () => {
  await vault?.stop();
  await authority?.stop();
  await emulator?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('auth kinds against the stand-ins', () => {
  test('app + certificate: the signed client assertion is accepted and the emulator sees the app', async () => {
    const provider = createTokenProvider(base({ kind: 'appCertificate', tenantId: TENANT, clientId: CERT_APP }, 'cert'), { secret: async (n) => (n === 'certificatePem' ? pem : undefined) });
    assert.deepEqual(await listDatabases({ clusterUrl: emulator.url, tokenProvider: provider }), ['Sales']);
    assert.equal(jwtClaims((await provider!.getTokenInfo(emulator.url)).token)?.appid, CERT_APP);
    assert.equal(authority.issued.at(-1)?.grant, 'client_credentials');
  });

  test('app + certificate with another key is refused by the authority', async () => {
    const other = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', '-', '-out', '-', '-days', '1', '-subj', '/CN=other'], { encoding: 'utf8' });
    const provider = createTokenProvider(base({ kind: 'appCertificate', tenantId: TENANT, clientId: CERT_APP }, 'cert-wrong'), { secret: async () => other.stdout });
    await assert.rejects(provider!.getToken(emulator.url), /does not match the registered certificate/);
  });

  test('device code: no prompt from a job; Sign In shows the code, then tokens come silently and are refreshed with the refresh token', async () => {
    const shown: Array<{ userCode: string; verificationUri: string }> = [];
    const connection = base({ kind: 'deviceCode', tenantId: TENANT }, 'device');
    const provider = createTokenProvider(connection, {
      secret: async () => undefined,
      interactive: true,
      refreshMarginMs: 1000,
      onDeviceCode: (info) => {
        shown.push(info);
        authority.approveDeviceCode(info.userCode); // the user enters the code on the verification page
      },
    });
    await assert.rejects(provider!.getToken(emulator.url), (err: unknown) => err instanceof SignInRequiredError && /needs you to sign in/.test(err.message));
    assert.equal(shown.length, 0, 'getToken never starts a sign-in');
    authority.setTokenLifetime(3);
    try {
      await provider!.signIn!();
      assert.equal(shown.length, 1);
      assert.match(shown[0].verificationUri, /\/devicelogin$/);
      assert.deepEqual(await listDatabases({ clusterUrl: emulator.url, tokenProvider: provider }), ['Sales']);
      const first = await provider!.getTokenInfo(emulator.url);
      assert.equal(jwtClaims(first.token)?.upn, 'dana@contoso.com');
      await new Promise((r) => setTimeout(r, 2500));
      const second = await provider!.getTokenInfo(emulator.url);
      assert.notEqual(second.token, first.token);
      assert.ok(authority.issued.some((t) => t.grant === 'refresh_token'), 'the new token came from the refresh token, without the user');
      assert.equal(shown.length, 1);
    } finally {
      authority.setTokenLifetime(3600);
    }
  });

  test('device code in a provider made for a background job refuses to sign in', async () => {
    const provider = createTokenProvider(base({ kind: 'deviceCode', tenantId: TENANT }, 'device-bg'), { secret: async () => undefined, interactive: false });
    await assert.rejects(provider!.signIn!(), SignInRequiredError);
  });

  test('pasted token: used until its expiry, then a sign-in-required error that says when it lapsed', async () => {
    const jwt = (exp: number) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ upn: 'dana@contoso.com', tid: TENANT, exp })).toString('base64url')}.`;
    const expiresAt = Math.floor(Date.now() / 1000) + 3600; // read once: a second can pass before the check below
    const fresh = jwt(expiresAt);
    const ok = createTokenProvider(base({ kind: 'userToken' }, 'pasted'), { secret: async () => fresh });
    assert.deepEqual(await listDatabases({ clusterUrl: emulator.url, tokenProvider: ok }), ['Sales']);
    assert.equal((await ok!.getTokenInfo(emulator.url)).expiresOnTimestamp, expiresAt * 1000);
    const expiredAt = Math.floor(Date.now() / 1000) - 60;
    const lapsed = createTokenProvider(base({ kind: 'userToken' }, 'pasted-old'), { secret: async () => jwt(expiredAt) });
    await assert.rejects(lapsed!.getToken(emulator.url), (err: unknown) => err instanceof SignInRequiredError && err.message.includes(new Date(expiredAt * 1000).toISOString()));
  });

  test('Key Vault: the real SecretClient answers the challenge, reads kustoAppId/kustoAppKey/kustoAppAuthority, and the Kusto app signs in', async () => {
    const connection = base({ kind: 'keyVault', vaultUrl: vault.url, tenantId: TENANT, clientId: VAULT_APP }, 'vault');
    const provider = createTokenProvider(connection, { secret: async (n) => (n === 'vaultAppKey' ? 'vault-app-key' : undefined) });
    assert.deepEqual(await listDatabases({ clusterUrl: emulator.url, tokenProvider: provider }), ['Sales']);
    assert.equal(jwtClaims((await provider!.getTokenInfo(emulator.url)).token)?.appid, KUSTO_APP);
    assert.equal(vault.readers.length, 3);
    assert.ok(authority.issued.some((t) => t.clientId === VAULT_APP && t.scope.includes('https://vault.azure.net/.default')));
  });

  test('Azure CLI without az (offline): the error tells the user to run az login', async () => {
    const provider = createTokenProvider(base({ kind: 'azureCli', tenantId: TENANT }, 'cli'), { secret: async () => undefined });
    await assert.rejects(provider!.getToken(emulator.url), (err: unknown) => err instanceof SignInRequiredError && /run "az login" --tenant/.test(err.message));
  });
});
