// A staging location opened with the connection's own Entra sign-in (BlobLocation authKind
// credential): the real @azure/identity ClientSecretCredential asks the authority stand-in for
// Azure Storage's scope, and the real storage SDK sends that bearer token to Azurite, served over
// HTTPS with `--oauth basic` (which checks the token's issuer, audience and lifetime, not its
// signature). A token for another audience is refused, so the check is real.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { createTokenProvider } from '../../src/auth/credentialFactory';
import type { Connection } from '../../src/connections/connection';
import { containerClient, kustoStorageLiteral, resolveBlobLocation, storageCredential } from '../../src/storage/blobLocation';
import type { RunningAuthority } from '../authority/authorityServer';
import { type EntraStandIns, startEntraStandIns } from '../helpers/entraStandIns';

const TENANT = '0c0ffee0-1111-2222-3333-444444444444';
const APP = 'a1b2c3d4-0000-1111-2222-555555555555';
const SECRET = 'Stag1ng/Secret+Value==';

describe('staging locations opened with the connection\'s Entra credential', () => {
  let standIns: EntraStandIns;
  let authority: RunningAuthority;
  let blobUrl: string;
  const connection = (): Connection => ({ id: 'conn-1', name: 'Prod', clusterUrl: 'https://prod.westeurope.kusto.windows.net', auth: { kind: 'appSecret', tenantId: TENANT, clientId: APP, authorityHost: authority.url } });

  before(async () => {
    standIns = await startEntraStandIns({ tenant: TENANT, apps: [APP], secretOf: () => SECRET, container: 'staging', workPrefix: 'kdm-staging-credential-' });
    ({ authority } = standIns);
    blobUrl = standIns.storage.blobUrl;
  });

  after(async () => {
    await standIns?.stop();
  });

  test('the connection\'s app credential, asked for Storage\'s scope, writes, lists and reads blobs', async () => {
    const provider = createTokenProvider(connection(), { secret: async () => SECRET });
    assert.ok(provider);
    const resolved = await resolveBlobLocation(
      { kind: 'blob', url: `${blobUrl}/staging/exports`, authKind: 'credential', credentialId: 'conn-1' },
      undefined,
      { resolve: (id) => (id === 'conn-1' ? provider : undefined) },
    );
    assert.equal(resolved.authKind, 'credential');
    assert.equal(resolved.secret, '');
    const container = containerClient(resolved);
    const body = 'id,name\n1,a\n2,b\n';
    await container.getBlockBlobClient('exports/part-0.csv').upload(body, Buffer.byteLength(body));
    const names: string[] = [];
    for await (const b of container.listBlobsFlat({ prefix: 'exports/' })) names.push(b.name);
    assert.deepEqual(names, ['exports/part-0.csv']);
    assert.equal((await container.getBlobClient('exports/part-0.csv').downloadToBuffer()).toString('utf8'), body);
    const scopes = authority.issued.map((t) => t.scope);
    assert.ok(scopes.some((s) => s.includes('https://storage.azure.com/.default')), `scopes asked: ${scopes.join(', ')}`);
    assert.equal(kustoStorageLiteral(resolved, 'db/job'), `h@"${blobUrl}/staging/exports/db/job;impersonate"`);
  });

  test('Azurite refuses a token for another audience (the cluster\'s): the bearer check is real', async () => {
    const clusterToken = { getToken: async () => (await createTokenProvider(connection(), { secret: async () => SECRET })?.getToken(connection().clusterUrl)) };
    const service = new BlobServiceClient(blobUrl, storageCredential({ getToken: clusterToken.getToken }));
    await assert.rejects(service.getContainerClient('staging').getBlockBlobClient('x.txt').upload('x', 1), /audience|AuthenticationFailed|Server failed to authenticate/i);
  });

  test('a credential location without credentialId, or naming an unknown connection, is refused with a clear message', async () => {
    await assert.rejects(resolveBlobLocation({ kind: 'blob', url: `${blobUrl}/staging`, authKind: 'credential' }, undefined, { resolve: () => undefined }), /names none \(credentialId/);
    await assert.rejects(resolveBlobLocation({ kind: 'blob', url: `${blobUrl}/staging`, authKind: 'credential', credentialId: 'gone' }, undefined, { resolve: () => undefined }), /opens with the sign-in of connection "gone", and this run was given no sign-in for it: from the CLI, pass --auth/);
  });
});
