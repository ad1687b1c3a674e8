// One TokenProvider per connection, from its auth kind: each kind is a TokenCredential from
// @azure/identity (or our VS Code account adapter) behind the same cache. No vscode import: the
// window passes in what needs the UI (the device code prompt, VS Code's sessions), and the CLI
// uses the same factory.
import {
  AuthenticationRequiredError,
  AzureCliCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  CredentialUnavailableError,
  DeviceCodeCredential,
  type DeviceCodeInfo,
  type TokenCredential,
} from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { type Connection, isLoopbackHost, type SecretName } from '../connections/connection';
import { type AccessTokenInfo, SignInRequiredError, type TokenProvider } from '../engine/jobContext';
import { CachedTokenProvider, jwtExpiry } from './tokenCache';

/** Microsoft's own tenant: the Spark connector's default for `kustoAppAuthority`. */
export const MICROSOFT_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
/** Azure CLI's public client id: the default app for device code sign-in (as azure-kusto-data uses). */
export const DEFAULT_PUBLIC_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
export const STORAGE_SCOPE = 'https://storage.azure.com/.default';

/** The Key Vault secret names the Spark connector reads. */
export const KEY_VAULT_SECRETS = { appId: 'kustoAppId', appKey: 'kustoAppKey', authority: 'kustoAppAuthority' } as const;

export interface CredentialFactoryOptions {
  /** Reads a secret of this connection from wherever the front end keeps it. */
  secret(name: SecretName): Promise<string | undefined>;
  /** Device code: show the code to the user (only for a provider made for a user action). */
  onDeviceCode?(info: DeviceCodeInfo): void;
  /** May this provider ask the user (device code)? A background job's may not. */
  interactive?: boolean;
  /** The VS Code account credential (only the window has one). */
  vscodeAccount?: TokenCredential;
  fetch?: typeof fetch;
  /** Where the user puts a missing secret (default: edit the connection). */
  secretHint?(name: SecretName): string;
  /** Renew a token this long before it lapses (default five minutes). */
  refreshMarginMs?: number;
}

export interface ConnectionTokenProvider extends TokenProvider {
  readonly connectionId: string;
  getTokenInfo(resource: string, signal?: AbortSignal): Promise<AccessTokenInfo>;
  /** Signs in (device code) so later silent requests succeed; a no-op for kinds that need nothing. */
  signIn?(signal?: AbortSignal): Promise<void>;
  clear(): void;
}

function identityOptions(connection: Connection): { authorityHost?: string; disableInstanceDiscovery?: boolean } {
  const host = connection.auth.authorityHost;
  if (!host) return {};
  // A private authority (a sovereign cloud's is known to discovery; a loopback one never is).
  return { authorityHost: host, disableInstanceDiscovery: isLoopbackHost(new URL(host).hostname) };
}

async function required(options: CredentialFactoryOptions, name: SecretName, connection: Connection): Promise<string> {
  const value = await options.secret(name);
  const hint = options.secretHint?.(name) ?? 'edit the connection and enter it again';
  if (!value) throw new SignInRequiredError(`The ${name} of connection "${connection.name}" is missing: ${hint}.`, connection.id);
  return value;
}

/** A credential whose real one is made on first use (Key Vault is read then, not at construction). */
class LazyCredential implements TokenCredential {
  private made: Promise<TokenCredential> | undefined;
  constructor(private readonly make: () => Promise<TokenCredential>) {}
  async getToken(scopes: string | string[], options?: Parameters<TokenCredential['getToken']>[1]) {
    this.made ??= this.make().catch((err: unknown) => {
      this.made = undefined;
      throw err;
    });
    return (await this.made).getToken(scopes, options);
  }
}

/** A pasted token: used as is until it lapses, then the user must paste a new one. */
class StaticTokenCredential implements TokenCredential {
  constructor(private readonly connection: Connection, private readonly read: () => Promise<string>) {}
  async getToken() {
    const token = await this.read();
    const expiresOnTimestamp = jwtExpiry(token) ?? Date.now() + 3600_000;
    if (expiresOnTimestamp <= Date.now()) {
      throw new SignInRequiredError(`The access token pasted into connection "${this.connection.name}" expired at ${new Date(expiresOnTimestamp).toISOString()}: edit the connection and paste a new one.`, this.connection.id);
    }
    return { token, expiresOnTimestamp };
  }
}

/** Reads the Kusto app's id, key and tenant from the vault, as the Spark connector does. */
export async function kustoAppFromKeyVault(connection: Connection, vaultAppKey: string): Promise<{ appId: string; appKey: string; tenantId: string }> {
  const a = connection.auth;
  const vaultCredential = new ClientSecretCredential(a.tenantId ?? '', a.clientId ?? '', vaultAppKey, identityOptions(connection));
  const vault = new URL(a.vaultUrl ?? '');
  const client = new SecretClient(vault.href, vaultCredential, { disableChallengeResourceVerification: isLoopbackHost(vault.hostname) });
  const read = async (name: string, optional = false): Promise<string | undefined> => {
    try {
      return (await client.getSecret(name)).value;
    } catch (err) {
      if (optional && (err as { statusCode?: number }).statusCode === 404) return undefined;
      throw new Error(`Key Vault ${vault.host}: cannot read secret "${name}": ${(err as Error).message}`);
    }
  };
  const appId = await read(KEY_VAULT_SECRETS.appId);
  const appKey = await read(KEY_VAULT_SECRETS.appKey);
  if (!appId || !appKey) throw new Error(`Key Vault ${vault.host} has no value for "${KEY_VAULT_SECRETS.appId}" or "${KEY_VAULT_SECRETS.appKey}"`);
  return { appId, appKey, tenantId: (await read(KEY_VAULT_SECRETS.authority, true)) || MICROSOFT_TENANT };
}

function credentialFor(connection: Connection, options: CredentialFactoryOptions): { credential: TokenCredential; signIn?: (signal?: AbortSignal) => Promise<void> } | undefined {
  const a = connection.auth;
  const common = identityOptions(connection);
  switch (a.kind) {
    case 'none':
      return undefined;
    case 'appSecret':
      return { credential: new LazyCredential(async () => new ClientSecretCredential(a.tenantId ?? '', a.clientId ?? '', await required(options, 'clientSecret', connection), common)) };
    case 'appCertificate':
      return { credential: new LazyCredential(async () => new ClientCertificateCredential(a.tenantId ?? '', a.clientId ?? '', { certificate: await required(options, 'certificatePem', connection) }, common)) };
    case 'userToken':
      return { credential: new StaticTokenCredential(connection, () => required(options, 'userToken', connection)) };
    case 'keyVault':
      return {
        credential: new LazyCredential(async () => {
          const app = await kustoAppFromKeyVault(connection, await required(options, 'vaultAppKey', connection));
          return new ClientSecretCredential(app.tenantId, app.appId, app.appKey, common);
        }),
      };
    case 'azureCli':
      return { credential: new AzureCliCredential(a.tenantId ? { tenantId: a.tenantId } : {}) };
    case 'deviceCode': {
      const credential = new DeviceCodeCredential({
        ...common,
        tenantId: a.tenantId || 'organizations',
        clientId: a.clientId || DEFAULT_PUBLIC_CLIENT_ID,
        // Never start a sign-in from getToken: only signIn() (a user action) does.
        disableAutomaticAuthentication: true,
        userPromptCallback: (info) => options.onDeviceCode?.(info),
      });
      return {
        credential,
        signIn: async (signal) => {
          if (!options.interactive) throw new SignInRequiredError(`Connection "${connection.name}" needs you to sign in (device code).`, connection.id);
          await credential.authenticate([], { abortSignal: signal });
        },
      };
    }
    case 'vscodeAccount':
      if (!options.vscodeAccount) throw new SignInRequiredError(`Connection "${connection.name}" signs in with the VS Code Microsoft account, which only VS Code has.`, connection.id);
      return { credential: options.vscodeAccount };
  }
}

/** The error a user can act on, from what a credential threw. */
export function explainCredentialError(connection: Connection, err: unknown): unknown {
  // By its code, not its class: the window's VS Code account credential is in another bundle, with its own copy of the class.
  if (err instanceof SignInRequiredError || (err as { code?: unknown })?.code === 'SIGN_IN_REQUIRED') return err;
  const userKinds = connection.auth.kind === 'deviceCode' || connection.auth.kind === 'vscodeAccount';
  if (err instanceof AuthenticationRequiredError && userKinds) return new SignInRequiredError(`Connection "${connection.name}" needs you to sign in: use Sign In on it in the Connections view.`, connection.id);
  if (err instanceof CredentialUnavailableError && connection.auth.kind === 'azureCli') {
    return new SignInRequiredError(`Azure CLI gave no token for connection "${connection.name}": run "az login"${connection.auth.tenantId ? ` --tenant ${connection.auth.tenantId}` : ''} in a terminal, then try again. (${(err as Error).message.split('\n')[0]})`, connection.id);
  }
  return new Error(`Sign-in for connection "${connection.name}" failed: ${(err as Error)?.message ?? String(err)}`);
}

/**
 * The token scope for a request: a storage URL gets Storage's scope; the cluster gets the audience
 * override, or the KustoServiceResourceId its /v1/rest/auth/metadata names, or its own URL.
 */
export function kustoScopeResolver(connection: Connection, fetchImpl: typeof fetch = fetch): (resource: string, signal?: AbortSignal) => Promise<string> {
  let clusterScope: Promise<string> | undefined;
  const cluster = new URL(connection.clusterUrl);
  return async (resource, signal) => {
    const url = new URL(resource);
    if (/\.(blob|dfs|queue|table)\.core\./i.test(url.hostname)) return STORAGE_SCOPE;
    if (url.origin !== cluster.origin) return `${url.origin}/.default`;
    if (connection.audience) return `${connection.audience.replace(/\/+$/, '').replace(/\/\.default$/, '')}/.default`;
    clusterScope ??= (async () => {
      try {
        const response = await fetchImpl(`${cluster.origin}/v1/rest/auth/metadata`, { signal });
        if (response.ok) {
          const body = (await response.json()) as { AzureAD?: { KustoServiceResourceId?: string } };
          const id = body.AzureAD?.KustoServiceResourceId;
          if (id) return `${id.replace(/\/+$/, '')}/.default`;
        }
      } catch {
        // no metadata: the cluster's own URL is an audience the service accepts
      }
      return `${cluster.origin}/.default`;
    })();
    return clusterScope;
  };
}

/** A provider for the connection's auth kind, or undefined for kind none (no Authorization header). */
export function createTokenProvider(connection: Connection, options: CredentialFactoryOptions): ConnectionTokenProvider | undefined {
  const made = credentialFor(connection, options);
  if (!made) return undefined;
  const cached = new CachedTokenProvider(made.credential, {
    scopeFor: kustoScopeResolver(connection, options.fetch),
    explain: (err) => explainCredentialError(connection, err),
    refreshMarginMs: options.refreshMarginMs,
  });
  return {
    connectionId: connection.id,
    getToken: (resource, signal) => cached.getToken(resource, signal),
    getTokenInfo: (resource, signal) => cached.getTokenInfo(resource, signal),
    signIn: made.signIn,
    clear: () => cached.clear(),
  };
}
