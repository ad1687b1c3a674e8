// The same listing rules over a blob container prefix (Blob, or ADLS Gen2 through its Blob API):
// blobs are listed flat and their names split on "/"; footers and samples are ranged reads; a
// blob's identity comes from its Content-MD5 when it has one (content-derived), else its ETag
// (changes whenever the blob does). The files are later ingested by URL: their bytes never pass
// through this process.
import type { ContainerClient } from '@azure/storage-blob';
import type { CredentialResolver, SecretResolver } from '../engine/jobContext';
import type { FilesSource } from '../engine/jobSpec';
import type { ByteRangeSource } from '../formats/byteRangeReader';
import { listedBlobHash } from '../storage/blobContentHash';
import { joinBlobPath, resolveBlobLocation, type ResolvedBlobLocation, serviceClient } from '../storage/blobLocation';
import { readUrlSigner } from '../storage/blobReadUrl';
import { withStorageAccess } from '../storage/storageAccessError';
import { isIgnoredName, listTree, type FolderTree, type ListOptions, partitionTail, type SourceListing, type TreeEntry } from './sparkFolderReader';
import { hasGlobChars } from './sparkFolderReaderGlob';
import { SPARK_METADATA_DIR } from './sparkMetadataLog';

function blobByteSource(container: ContainerClient, name: string, knownSize?: number): ByteRangeSource {
  const blob = container.getBlobClient(name);
  let size: number | undefined = knownSize;
  const sizeOf = async (): Promise<number> => (size ??= (await blob.getProperties()).contentLength ?? 0);
  return {
    name,
    size: sizeOf,
    read: async (offset, length) => {
      // A ranged download must not ask past the end: clamp to the blob's size.
      const count = Math.min(length, (await sizeOf()) - offset);
      return count <= 0 ? Buffer.alloc(0) : blob.downloadToBuffer(offset, count);
    },
  };
}

export function blobFolderTree(container: ContainerClient, prefix: string, display: string): FolderTree {
  const base = prefix === '' ? '' : `${prefix.replace(/\/+$/, '')}/`;
  const md5 = new Map<string, string>();
  const sizes = new Map<string, number>();
  return {
    root: display,
    async files(signal) {
      const out: TreeEntry[] = [];
      for await (const item of container.listBlobsFlat({ prefix: base, abortSignal: signal })) {
        const relativePath = item.name.slice(base.length);
        if (relativePath === '' || relativePath.split('/').some(isIgnoredName)) continue;
        const size = item.properties.contentLength ?? 0;
        sizes.set(relativePath, size);
        md5.set(relativePath, listedBlobHash(item.properties.contentMD5, item.properties.etag));
        out.push({ relativePath, size, modifiedMs: item.properties.lastModified?.getTime() });
      }
      out.sort((a, b) => (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0));
      return out;
    },
    async exists(relativePath) {
      const iterator = container.listBlobsFlat({ prefix: `${base}${relativePath}` }).byPage({ maxPageSize: 1 });
      const page = await iterator.next();
      return !page.done && page.value.segment.blobItems.length > 0;
    },
    sinkLog() {
      const logPrefix = `${base}${SPARK_METADATA_DIR}/`;
      return {
        name: `${display}/${SPARK_METADATA_DIR}`,
        async list() {
          const names: string[] = [];
          for await (const item of container.listBlobsFlat({ prefix: logPrefix })) names.push(item.name.slice(logPrefix.length));
          return names;
        },
        read: async (fileName) => (await container.getBlobClient(`${logPrefix}${fileName}`).downloadToBuffer()).toString('utf8'),
      };
    },
    locateLogged(loggedPath, known) {
      // abfss://container@account.dfs.core.windows.net/prefix/k=v/part-0.parquet, wasbs://..., https://...
      let path: string;
      try {
        path = decodeURIComponent(new URL(loggedPath).pathname);
      } catch {
        path = loggedPath;
      }
      const marker = `/${base}`;
      const at = base === '' ? -1 : path.indexOf(marker);
      if (at >= 0 && known.has(path.slice(at + marker.length))) return path.slice(at + marker.length);
      const tail = partitionTail(path);
      return known.has(tail) ? tail : undefined;
    },
    open: (relativePath) => blobByteSource(container, `${base}${relativePath}`, sizes.get(relativePath)),
    contentHash: async (entry) => md5.get(entry.relativePath) ?? `size:${entry.size}`,
    listsHashes: true,
    urlOf: (relativePath) => container.getBlobClient(`${base}${relativePath}`).url.split('?')[0],
  };
}

export interface BlobSourceAccess {
  resolved: ResolvedBlobLocation;
  container: ContainerClient;
  /**
   * A URL Kusto can read the blob with: the location's SAS, a read SAS signed with the account
   * key, or (a sign-in location) a read SAS signed with a user delegation key of that sign-in.
   */
  readUrl(blobUrl: string): Promise<string>;
}

/** Opens a blob source with its SAS or key (`secrets`) or the sign-in its `credentialId` names (`credentials`). */
export async function openBlobSource(source: FilesSource, secrets: SecretResolver | undefined, credentials: CredentialResolver | undefined): Promise<BlobSourceAccess> {
  if (source.location.kind !== 'blob') throw new Error('not a blob source');
  const resolved = await resolveBlobLocation(source.location, secrets, credentials);
  const service = serviceClient(resolved);
  return { resolved, container: service.getContainerClient(resolved.parsed.container), readUrl: readUrlSigner(resolved, service) };
}

/** Lists a blob source: a prefix (folder), a single blob, or a glob below a prefix. */
export function listBlobSourceFiles(source: FilesSource, access: BlobSourceAccess, options: ListOptions = {}): Promise<SourceListing> {
  // The listing is the first request to the storage: a missing role is said here, before anything moves.
  return withStorageAccess(access.resolved, 'Storage Blob Data Reader', 'listing the source files', () => listBlobs(source, access, options));
}

async function listBlobs(source: FilesSource, access: BlobSourceAccess, options: ListOptions): Promise<SourceListing> {
  const { parsed } = access.resolved;
  const segments = parsed.prefix.split('/').filter((s) => s !== '');
  const firstGlob = segments.findIndex(hasGlobChars);
  const prefix = (firstGlob < 0 ? segments : segments.slice(0, firstGlob)).join('/');
  const patterns = [firstGlob < 0 ? undefined : segments.slice(firstGlob).join('/'), source.pattern].filter((p): p is string => p !== undefined && p !== '');
  const display = `${parsed.serviceUrl}/${parsed.container}/${prefix}`;
  if (patterns.length === 0 && prefix !== '') {
    // A single blob named by the URL?
    const blob = access.container.getBlobClient(prefix);
    const props = await blob.getProperties().catch(() => undefined);
    if (props) {
      const parent = prefix.split('/').slice(0, -1).join('/');
      const hash = listedBlobHash(props.contentMD5, props.etag);
      const tree: FolderTree = { ...blobFolderTree(access.container, parent, `${parsed.serviceUrl}/${parsed.container}/${parent}`), contentHash: async () => hash };
      return listTree(tree, source, [], options, { relativePath: prefix.split('/').pop() as string, size: props.contentLength ?? 0, modifiedMs: props.lastModified?.getTime() });
    }
  }
  return listTree(blobFolderTree(access.container, joinBlobPath(prefix), display), source, patterns, options);
}
