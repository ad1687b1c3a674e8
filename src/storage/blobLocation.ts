// Blob (and ADLS-through-Blob) locations: parse a folder URL into account, container and prefix,
// attach or strip a SAS, build the storage literal Kusto's .export takes, and open an SDK client.
// Secrets (SAS, account key) travel next to the URL, never inside what is logged or journalled.
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { BlobServiceClient, type ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { jwtExpiry } from '../auth/tokenCache';
import type { CredentialResolver, SecretResolver, TokenProvider } from '../engine/jobContext';
import type { BlobLocation } from '../engine/jobSpec';

export interface ParsedBlobUrl {
  /** Service URL: https://acct.blob.core.windows.net, or path-style http://127.0.0.1:10000/devstoreaccount1 */
  serviceUrl: string;
  accountName: string;
  container: string;
  /** Folder inside the container, no leading or trailing slash ('' for the root). */
  prefix: string;
  /** Emulator-style URL (account in the path). */
  pathStyle: boolean;
}

function isIpOrLocalHost(host: string): boolean {
  return host === 'localhost' || /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('[');
}

export function parseBlobUrl(url: string): ParsedBlobUrl {
  const u = new URL(url);
  const parts = u.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const pathStyle = isIpOrLocalHost(u.hostname);
  const accountName = pathStyle ? (parts.shift() ?? '') : u.hostname.split('.')[0];
  const container = parts.shift() ?? '';
  if (!accountName || !container) throw new Error(`"${stripSas(url)}" is not a blob container URL (https://<account>.blob.core.windows.net/<container>[/folder])`);
  // ADLS Gen2 (dfs) URLs address the same data through the Blob API.
  const host = u.host.replace('.dfs.core.', '.blob.core.');
  const serviceUrl = pathStyle ? `${u.protocol}//${host}/${accountName}` : `${u.protocol}//${host}`;
  return { serviceUrl, accountName, container, prefix: parts.join('/'), pathStyle };
}

export function stripSas(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** Appends a SAS (with or without its leading "?") to a URL without one. */
export function withSas(url: string, sas: string): string {
  const token = sas.startsWith('?') ? sas.slice(1) : sas;
  return `${stripSas(url)}?${token}`;
}

export function joinBlobPath(...parts: string[]): string {
  return parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== '').join('/');
}

export interface ResolvedBlobLocation {
  location: BlobLocation;
  parsed: ParsedBlobUrl;
  authKind: 'sas' | 'accountKey' | 'credential';
  /** The SAS or account key ('' for a sign-in credential). */
  secret: string;
  /** authKind credential: the connection's sign-in, asked for Azure Storage's scope. */
  credential?: TokenCredential;
}

/** The resource whose scope is Azure Storage's (https://storage.azure.com/.default) for any account. */
export const STORAGE_RESOURCE = 'https://storage.azure.com/';
export const STORAGE_SCOPE = `${STORAGE_RESOURCE}.default`;

/** A connection's token provider as the storage SDK's TokenCredential: every request asks for Storage's scope. */
export function storageCredential(provider: TokenProvider): TokenCredential {
  return {
    async getToken(_scopes, options): Promise<AccessToken | null> {
      const info = provider.getTokenInfo ? await provider.getTokenInfo(STORAGE_RESOURCE, options?.abortSignal as AbortSignal | undefined) : undefined;
      const token = info?.token ?? (await provider.getToken(STORAGE_RESOURCE, options?.abortSignal as AbortSignal | undefined));
      if (!token) return null;
      return { token, expiresOnTimestamp: info?.expiresOnTimestamp ?? jwtExpiry(token) ?? Date.now() + 5 * 60_000 };
    },
  };
}


/**
 * Resolves a location's secretRef through the front end; SAS vs account key from authKind or the
 * secret's shape. authKind credential signs in as the saved connection `credentialId` names.
 */
export async function resolveBlobLocation(location: BlobLocation, secrets: SecretResolver | undefined, credentials?: CredentialResolver): Promise<ResolvedBlobLocation> {
  const parsed = parseBlobUrl(location.url);
  if (location.authKind === 'credential') {
    if (!location.credentialId) throw new Error(`the blob location ${stripSas(location.url)} signs in with a credential but names none (credentialId: the connection whose sign-in opens it)`);
    // The storage SDK sends a bearer token over HTTPS only: said here, before any request.
    if (new URL(location.url).protocol !== 'https:') throw new Error(`the blob location ${stripSas(location.url)} signs in with the connection "${location.credentialId}", which needs an https:// URL (a bearer token is never sent over plain http)`);
    const provider = credentials?.resolve(location.credentialId);
    if (!provider) {
      throw new Error(
        `the blob location ${stripSas(location.url)} opens with the sign-in of connection "${location.credentialId}", and this run was given no sign-in for it: ` +
          'from the CLI, pass --auth (or --connection) for the identity that may read the storage; in VS Code, that connection must be in the Connections view',
      );
    }
    return { location, parsed, authKind: 'credential', secret: '', credential: storageCredential(provider) };
  }
  if (!location.secretRef) throw new Error(`the blob location ${location.url} has no secretRef (a SAS token or account key is needed)`);
  const secret = await secrets?.resolve(location.secretRef);
  if (!secret) throw new Error(`the secret "${location.secretRef}" for ${location.url} could not be resolved`);
  const authKind = location.authKind ?? (/(^|[?&])sig=/.test(secret) ? 'sas' : 'accountKey');
  return { location, parsed, authKind, secret };
}

export function serviceClient(resolved: ResolvedBlobLocation): BlobServiceClient {
  const { parsed } = resolved;
  return resolved.authKind === 'credential' && resolved.credential
    ? new BlobServiceClient(parsed.serviceUrl, resolved.credential)
    : resolved.authKind === 'sas'
      ? new BlobServiceClient(withSas(parsed.serviceUrl, resolved.secret))
      : new BlobServiceClient(parsed.serviceUrl, new StorageSharedKeyCredential(parsed.accountName, resolved.secret));
}

export function containerClient(resolved: ResolvedBlobLocation): ContainerClient {
  return serviceClient(resolved).getContainerClient(resolved.parsed.container);
}

/** The folder URL (no secret) of a path under the location. */
export function folderUrl(resolved: ResolvedBlobLocation, subPath: string): string {
  const { parsed } = resolved;
  return `${parsed.serviceUrl}/${parsed.container}/${joinBlobPath(parsed.prefix, subPath)}`;
}

/**
 * Kusto's storage connection literal for a folder: h@"url?sas", h@"url;key", or h@"url;impersonate"
 * (the cluster opens the storage as the caller: a sign-in credential's own identity).
 */
export function kustoStorageLiteral(resolved: ResolvedBlobLocation, subPath = ''): string {
  const url = subPath ? folderUrl(resolved, subPath) : `${resolved.parsed.serviceUrl}/${resolved.parsed.container}${resolved.parsed.prefix ? `/${resolved.parsed.prefix}` : ''}`;
  const connection = resolved.authKind === 'credential' ? `${url};impersonate` : resolved.authKind === 'sas' ? withSas(url, resolved.secret) : `${url};${resolved.secret}`;
  return `h@"${connection.replace(/"/g, '""')}"`;
}
