// Read URLs for Kusto from a blob location opened with a sign-in: a read-only, HTTPS-only SAS for
// the one blob, signed with a user delegation key that is asked for once and renewed as it ages;
// a refused key request names the role. (Azurite checking such a SAS: test/integration/sinkBlobEntraSource.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BlobServiceClient, UserDelegationKey } from '@azure/storage-blob';
import { type ResolvedBlobLocation, parseBlobUrl } from '../../../src/storage/blobLocation';
import { readUrlSigner } from '../../../src/storage/blobReadUrl';

const URL_ = 'https://acct.blob.core.windows.net/lake/events';
const resolved: ResolvedBlobLocation = { location: { kind: 'blob', url: URL_, authKind: 'credential', credentialId: 'conn-1' }, parsed: parseBlobUrl(URL_), authKind: 'credential', secret: '' };
const DAY = 24 * 3600_000;

function fakeService(onAsk: (startsOn: Date, expiresOn: Date) => void, fail?: unknown): BlobServiceClient {
  return {
    getUserDelegationKey: async (startsOn: Date, expiresOn: Date): Promise<UserDelegationKey> => {
      onAsk(startsOn, expiresOn);
      if (fail) throw fail;
      return { signedObjectId: 'oid-1', signedTenantId: 'tid-1', signedStartsOn: startsOn, signedExpiresOn: expiresOn, signedService: 'b', signedVersion: '2025-01-05', value: Buffer.alloc(32, 7).toString('base64') };
    },
  } as unknown as BlobServiceClient;
}

describe('read URLs of a sign-in blob location', () => {
  test('a read-only HTTPS SAS for the one blob, signed with the delegation key (skoid), the key asked once for many files', async () => {
    const asked: Array<[Date, Date]> = [];
    const t = Date.parse('2026-01-10T00:00:00Z');
    const sign = readUrlSigner(resolved, fakeService((s, e) => asked.push([s, e])), () => t);
    const urls = await Promise.all(['p=0/part-0.parquet', 'p=1/part-1.parquet'].map((name) => sign(`${URL_}/${name.replace('=', '%3D')}`)));
    assert.equal(asked.length, 1, 'one delegation key for the run');
    const sas = new URL(urls[0]).searchParams;
    assert.equal(sas.get('sp'), 'r');
    assert.equal(sas.get('sr'), 'b');
    assert.equal(sas.get('spr'), 'https');
    assert.equal(sas.get('skoid'), 'oid-1');
    assert.equal(sas.get('sktid'), 'tid-1');
    assert.ok(sas.get('sig'));
    // At most the service's 7 days, from a few minutes back (clock skew).
    assert.ok(Date.parse(sas.get('se') ?? '') <= t + 7 * DAY && Date.parse(sas.get('se') ?? '') > t + 6.9 * DAY, sas.get('se') ?? '');
    assert.ok(Date.parse(sas.get('st') ?? '') < t);
    assert.equal(urls[0].split('?')[0], `${URL_}/p%3D0/part-0.parquet`);
    // Another blob, another signature.
    assert.notEqual(new URL(urls[1]).searchParams.get('sig'), sas.get('sig'));
  });

  test('a key with less than six days left is renewed before the next SAS is signed', async () => {
    let t = Date.parse('2026-01-10T00:00:00Z');
    let asked = 0;
    const sign = readUrlSigner(resolved, fakeService(() => asked++), () => t);
    await sign(`${URL_}/a.parquet`);
    t += 0.9 * DAY;
    await sign(`${URL_}/b.parquet`);
    assert.equal(asked, 1);
    t += 0.2 * DAY;
    const renewed = await sign(`${URL_}/c.parquet`);
    assert.equal(asked, 2);
    assert.ok(Date.parse(new URL(renewed).searchParams.get('se') ?? '') > t + 6.9 * DAY);
  });

  test('a refused key request names the role and the account; the next file asks again', async () => {
    let asked = 0;
    const refusal = Object.assign(new Error('This request is not authorized to perform this operation using this permission.'), { statusCode: 403, code: 'AuthorizationPermissionMismatch' });
    const sign = readUrlSigner(resolved, fakeService(() => asked++, refusal));
    await assert.rejects(sign(`${URL_}/a.parquet`), /needs the Storage Blob Data Reader role on the storage account 'acct' or its container 'lake'/);
    await assert.rejects(sign(`${URL_}/b.parquet`), { code: 'StorageAccessDenied' });
    assert.equal(asked, 2);
  });
});
