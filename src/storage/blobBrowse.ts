// One level of a blob container, for the Connections view's staging locations: the folders
// (virtual, by "/") and blobs right under a path, one page at a time so a huge folder stays cheap.
import type { CredentialResolver, SecretResolver } from '../engine/jobContext';
import type { BlobLocation } from '../engine/jobSpec';
import { containerClient, joinBlobPath, resolveBlobLocation } from './blobLocation';

export interface BlobFolderListing {
  /** Paths relative to the location, each ending without "/". */
  folders: string[];
  blobs: Array<{ path: string; size: number }>;
  /** More entries than the page held. */
  truncated: boolean;
}

/** Lists what is directly under `subPath` of the location (at most `limit` entries). */
export async function listBlobFolder(location: BlobLocation, secrets: SecretResolver | undefined, credentials: CredentialResolver | undefined, subPath = '', limit = 500): Promise<BlobFolderListing> {
  const resolved = await resolveBlobLocation(location, secrets, credentials);
  const container = containerClient(resolved);
  const base = joinBlobPath(resolved.parsed.prefix);
  const prefix = joinBlobPath(base, subPath);
  const listing: BlobFolderListing = { folders: [], blobs: [], truncated: false };
  const relative = (name: string) => name.slice(base ? base.length + 1 : 0).replace(/\/$/, '');
  const pages = container.listBlobsByHierarchy('/', { prefix: prefix ? `${prefix}/` : '' }).byPage({ maxPageSize: limit });
  const page = (await pages.next()).value;
  for (const p of page?.segment.blobPrefixes ?? []) listing.folders.push(relative(p.name));
  for (const b of page?.segment.blobItems ?? []) listing.blobs.push({ path: relative(b.name), size: b.properties.contentLength ?? 0 });
  listing.truncated = Boolean(page?.continuationToken);
  return listing;
}
