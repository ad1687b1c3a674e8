// A saved Kusto connection: what the Connections view shows and what a JobSpec's
// `auth: { kind: 'credential', id }` names. Plain data; the secrets it needs live elsewhere
// (SecretStorage, keyed by the connection's id) and never in these fields.

export type AuthKind = 'none' | 'appSecret' | 'appCertificate' | 'deviceCode' | 'userToken' | 'keyVault' | 'azureCli' | 'vscodeAccount';

export interface AuthSettings {
  kind: AuthKind;
  /** Directory (tenant) id or domain; apps, device code, Key Vault's app, Azure CLI, VS Code account. */
  tenantId?: string;
  /** Application (client) id: the app itself, or the public client used for device code. */
  clientId?: string;
  /** Sign-in authority, e.g. https://login.microsoftonline.us for a sovereign cloud (default: public cloud). */
  authorityHost?: string;
  /** Key Vault: the vault's URL; the app that opens it is `clientId`/`tenantId` with the secret `vaultAppKey`. */
  vaultUrl?: string;
  /** VS Code account: the account this connection is pinned to (its id and label). */
  accountId?: string;
  accountLabel?: string;
  /** Set by Sign Out: no token is asked silently until the user signs in again. */
  signedOut?: boolean;
}

/** A Blob/ADLS container or folder for exports and blob sources; its SAS or key lives in SecretStorage. */
export interface StagingLocation {
  id: string;
  /** Container or folder URL, without a SAS. */
  url: string;
  /** credential: the connection's own sign-in, asked for Azure Storage's scope. */
  authKind: 'sas' | 'accountKey' | 'credential';
}

export interface Connection {
  id: string;
  name: string;
  clusterUrl: string;
  defaultDatabase?: string;
  auth: AuthSettings;
  /** Token audience override, e.g. https://kusto.kusto.windows.net (default: from the cluster's auth metadata). */
  audience?: string;
  staging?: StagingLocation[];
}

/** Why a staging URL cannot be used, or undefined. https, or http on loopback (Azurite); a container at least. */
export function stagingUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return 'Enter a container or folder URL such as https://myaccount.blob.core.windows.net/staging/exports';
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return 'Plain http is only allowed for a local storage emulator (Azurite on 127.0.0.1); use https';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'The URL must start with https://';
  const parts = url.pathname.split('/').filter(Boolean);
  if (parts.length < (isLoopbackHost(url.hostname) ? 2 : 1)) return 'Name a container: https://<account>.blob.core.windows.net/<container>[/folder]';
  return undefined;
}

/** The secrets each auth kind needs; stored in SecretStorage under the connection's id. */
export const SECRET_NAMES: Record<AuthKind, readonly SecretName[]> = {
  none: [],
  appSecret: ['clientSecret'],
  appCertificate: ['certificatePem'],
  deviceCode: [],
  userToken: ['userToken'],
  keyVault: ['vaultAppKey'],
  azureCli: [],
  vscodeAccount: [],
};

export type SecretName = 'clientSecret' | 'certificatePem' | 'userToken' | 'vaultAppKey';
export const ALL_SECRET_NAMES: readonly SecretName[] = ['clientSecret', 'certificatePem', 'userToken', 'vaultAppKey'];

export const AUTH_KIND_LABELS: Record<AuthKind, string> = {
  none: 'None (local emulator or Kustainer)',
  appSecret: 'Microsoft Entra app + client secret',
  appCertificate: 'Microsoft Entra app + certificate (PEM)',
  deviceCode: 'Device code (sign in on another device)',
  userToken: 'Pasted access token',
  keyVault: 'App credentials kept in Azure Key Vault',
  azureCli: 'Azure CLI (az login)',
  vscodeAccount: 'VS Code Microsoft account',
};

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Why a cluster URL cannot be used, or undefined when it can. Plain http only on loopback. */
export function clusterUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return 'Enter a URL such as https://mycluster.westeurope.kusto.windows.net';
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return 'Plain http is only allowed for a local emulator (localhost or 127.0.0.1); use https';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'The cluster URL must start with https://';
  if (url.username || url.password) return 'Leave user names and passwords out of the URL';
  if (url.search || url.hash) return 'Leave query strings out of the cluster URL';
  return undefined;
}

/** The cluster URL as stored: origin plus any path (Fabric query URIs), no trailing slash. */
export function normalizeClusterUrl(text: string): string {
  const url = new URL(text.trim());
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Tenant: a GUID, a domain (contoso.onmicrosoft.com), or organizations/common. */
export function tenantProblem(text: string): string | undefined {
  const t = text.trim();
  if (!t) return 'Enter the directory (tenant) id';
  if (GUID.test(t) || /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(t) || t === 'organizations' || t === 'common') return undefined;
  return 'A tenant is a GUID or a domain such as contoso.onmicrosoft.com';
}

export function clientIdProblem(text: string): string | undefined {
  const t = text.trim();
  if (!t) return 'Enter the application (client) id';
  return GUID.test(t) || /^[A-Za-z0-9._-]{1,128}$/.test(t) ? undefined : 'An application id is a GUID';
}

export function httpsUrlProblem(text: string, example: string): string | undefined {
  try {
    const url = new URL(text.trim());
    if (url.protocol === 'https:') return undefined;
  } catch {
    // fall through
  }
  return `Enter an https URL such as ${example}`;
}

/** Fields a connection must have for its auth kind; throws with the first problem. */
export function validateConnection(c: Connection): Connection {
  if (!c.id || !c.name.trim()) throw new Error('a connection needs an id and a name');
  const urlProblem = clusterUrlProblem(c.clusterUrl);
  if (urlProblem) throw new Error(urlProblem);
  const a = c.auth;
  if (!(a.kind in SECRET_NAMES)) throw new Error(`unknown auth kind "${String(a.kind)}"`);
  if (a.kind === 'appSecret' || a.kind === 'appCertificate' || a.kind === 'keyVault') {
    const problem = tenantProblem(a.tenantId ?? '') ?? clientIdProblem(a.clientId ?? '');
    if (problem) throw new Error(problem);
  }
  if (a.kind === 'keyVault') {
    const problem = httpsUrlProblem(a.vaultUrl ?? '', 'https://myvault.vault.azure.net');
    if (problem) throw new Error(problem);
  }
  if (a.authorityHost) {
    const problem = httpsUrlProblem(a.authorityHost, 'https://login.microsoftonline.com');
    if (problem) throw new Error(problem);
  }
  return c;
}

/** A connection string for other tools; secrets appear as `****` (never their values). */
export function redactedConnectionString(c: Connection): string {
  const parts = [`Data Source=${c.clusterUrl}`];
  if (c.defaultDatabase) parts.push(`Initial Catalog=${c.defaultDatabase}`);
  const a = c.auth;
  switch (a.kind) {
    case 'appSecret':
      parts.push('AAD Federated Security=True', `Application Client Id=${a.clientId}`, 'Application Key=****', `Authority Id=${a.tenantId}`);
      break;
    case 'appCertificate':
      parts.push('AAD Federated Security=True', `Application Client Id=${a.clientId}`, 'Application Certificate=****', `Authority Id=${a.tenantId}`);
      break;
    case 'userToken':
      parts.push('AAD Federated Security=True', 'User Token=****');
      break;
    case 'keyVault':
      parts.push('AAD Federated Security=True', `Key Vault Uri=${a.vaultUrl}`, `Key Vault App Id=${a.clientId}`, 'Key Vault App Key=****', `Authority Id=${a.tenantId}`);
      break;
    case 'none':
      break;
    default:
      parts.push('AAD Federated Security=True');
      if (a.tenantId) parts.push(`Authority Id=${a.tenantId}`);
  }
  return parts.join(';');
}
