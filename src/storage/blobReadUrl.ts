// URLs Kusto can read a source blob with. Queued ingestion reads the blob later, in the cluster's
// data management service, which does not carry the caller's identity: it needs a URL that opens
// the blob by itself. A SAS location passes its SAS on; an account key signs a read SAS; a
// sign-in (Entra) location asks the storage for a user delegation key with that sign-in and signs
// a read-only SAS for the one blob with it (the SAS can do no more than the identity may, and the
// storage accepts it even where account keys are disabled).
import { BlobSASPermissions, type BlobServiceClient, generateBlobSASQueryParameters, SASProtocol, StorageSharedKeyCredential, type UserDelegationKey } from '@azure/storage-blob';
import { type ResolvedBlobLocation, withSas } from './blobLocation';
import { withStorageAccess } from './storageAccessError';

/** How long a read SAS (and the user delegation key behind it) lasts: the service allows at most 7 days. */
const READ_SAS_LIFETIME_MS = 7 * 24 * 3600_000 - 10 * 60_000;
/** A delegation key with less than this left is renewed, so that every SAS signed has days to run. */
const KEY_RENEW_WHEN_LEFT_MS = 6 * 24 * 3600_000;
/** Clock skew between this machine and the storage. */
const START_SKEW_MS = 5 * 60_000;
/**
 * The SAS version of a delegation SAS: the storage service takes every published version, but
 * the SDK's newest (2026-04-06) signs a string that endpoints of an older version (Azurite 3.35,
 * Azure Stack) do not know, and they refuse the signature.
 */
const DELEGATION_SAS_VERSION = '2025-07-05';

export type ReadUrlSigner = (blobUrl: string) => Promise<string>;

function blobNameOf(resolved: ResolvedBlobLocation, blobUrl: string): string {
  return decodeURIComponent(new URL(blobUrl).pathname).split('/').slice(resolved.parsed.pathStyle ? 3 : 2).join('/');
}

/** The read-URL signer for a location; `service` is its client (with the sign-in, for a credential location). */
export function readUrlSigner(resolved: ResolvedBlobLocation, service: BlobServiceClient, now: () => number = Date.now): ReadUrlSigner {
  const { parsed } = resolved;
  if (resolved.authKind === 'sas') return async (blobUrl) => withSas(blobUrl, resolved.secret);
  if (resolved.authKind === 'accountKey') {
    const key = new StorageSharedKeyCredential(parsed.accountName, resolved.secret);
    return async (blobUrl) => {
      const sas = generateBlobSASQueryParameters(
        { containerName: parsed.container, blobName: blobNameOf(resolved, blobUrl), permissions: BlobSASPermissions.parse('r'), expiresOn: new Date(now() + READ_SAS_LIFETIME_MS), protocol: SASProtocol.HttpsAndHttp },
        key,
      ).toString();
      return withSas(blobUrl, sas);
    };
  }
  // One delegation key per job run (renewed as it ages), shared by every file's SAS.
  let delegation: Promise<{ key: UserDelegationKey; expiresOn: Date }> | undefined;
  const currentKey = (): Promise<{ key: UserDelegationKey; expiresOn: Date }> => {
    const renew = async (): Promise<{ key: UserDelegationKey; expiresOn: Date }> => {
      const startsOn = new Date(now() - START_SKEW_MS);
      const expiresOn = new Date(now() + READ_SAS_LIFETIME_MS);
      const key = await withStorageAccess(resolved, 'Storage Blob Data Reader', 'a user delegation key (to let Kusto read the files)', () => service.getUserDelegationKey(startsOn, expiresOn));
      return { key, expiresOn };
    };
    const fetching = (delegation ??= renew());
    fetching.catch(() => {
      if (delegation === fetching) delegation = undefined;
    });
    return fetching.then((held) => {
      if (held.expiresOn.getTime() - now() >= KEY_RENEW_WHEN_LEFT_MS) return held;
      if (delegation === fetching) delegation = undefined;
      return currentKey();
    });
  };
  return async (blobUrl) => {
    const { key, expiresOn } = await currentKey();
    const sas = generateBlobSASQueryParameters(
      { containerName: parsed.container, blobName: blobNameOf(resolved, blobUrl), permissions: BlobSASPermissions.parse('r'), startsOn: new Date(now() - START_SKEW_MS), expiresOn, protocol: SASProtocol.Https, version: DELEGATION_SAS_VERSION },
      key,
      parsed.accountName,
    ).toString();
    return withSas(blobUrl, sas);
  };
}
