// The CLI's sign-in: the same auth kinds as the extension's connections, from flags (or a
// connection file) for the non-secret fields and from environment variables or files for the
// secrets, never from the command line. Tokens are cached and renewed by the same providers.
import { readFileSync } from 'node:fs';
import type { AuthKind, Connection, SecretName } from './connections/connection';
import type { CredentialResolver } from './engine/jobContext';
import type { createTokenProvider as CreateTokenProvider } from './auth/credentialFactory';

export const CLI_AUTH_KINDS: Record<string, AuthKind> = {
  none: 'none',
  'app-secret': 'appSecret',
  'app-cert': 'appCertificate',
  'device-code': 'deviceCode',
  token: 'userToken',
  'key-vault': 'keyVault',
  'azure-cli': 'azureCli',
};

/** Where each secret comes from: an environment variable, or a file named by one. */
export const SECRET_SOURCES: Record<SecretName, { env: string; fileEnv: string }> = {
  clientSecret: { env: 'KDM_CLIENT_SECRET', fileEnv: 'KDM_CLIENT_SECRET_FILE' },
  certificatePem: { env: 'KDM_CERTIFICATE_PEM', fileEnv: 'KDM_CERTIFICATE_FILE' },
  userToken: { env: 'KUSTO_ACCESS_TOKEN', fileEnv: 'KUSTO_ACCESS_TOKEN_FILE' },
  vaultAppKey: { env: 'KDM_VAULT_APP_KEY', fileEnv: 'KDM_VAULT_APP_KEY_FILE' },
};

export function secretFromEnvironment(name: SecretName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const source = SECRET_SOURCES[name];
  if (env[source.env]) return env[source.env];
  const file = env[source.fileEnv];
  return file ? readFileSync(file, 'utf8').trim() : undefined;
}

export interface AuthFlags {
  auth?: string;
  connection?: string;
  tenant?: string;
  'client-id'?: string;
  'authority-host'?: string;
  'vault-url'?: string;
}

/** The connection the flags describe, or undefined when no sign-in was asked for. */
export function connectionFromFlags(flags: AuthFlags, clusterUrl: string | undefined): Connection | undefined {
  if (flags.connection) {
    const c = JSON.parse(readFileSync(flags.connection, 'utf8')) as Connection;
    return { ...c, id: c.id || 'cli', name: c.name || 'cli', clusterUrl: c.clusterUrl || clusterUrl || '' };
  }
  if (!flags.auth) return undefined;
  const kind = CLI_AUTH_KINDS[flags.auth];
  if (!kind) throw new Error(`--auth must be one of ${Object.keys(CLI_AUTH_KINDS).join(', ')}`);
  return {
    id: 'cli',
    name: 'command line',
    clusterUrl: clusterUrl ?? 'https://unknown',
    auth: { kind, tenantId: flags.tenant, clientId: flags['client-id'], authorityHost: flags['authority-host'], vaultUrl: flags['vault-url'] },
  };
}

/** Resolves every credential id of the job to the CLI's one provider (a job file names its own id). */
export async function cliCredentials(connection: Connection, create: typeof CreateTokenProvider): Promise<CredentialResolver> {
  const provider = create(connection, {
    secret: async (name) => secretFromEnvironment(name),
    secretHint: (name) => `set the environment variable ${SECRET_SOURCES[name].env} (or ${SECRET_SOURCES[name].fileEnv} to a file holding it)`,
    interactive: true,
    onDeviceCode: (info) => process.stderr.write(`${info.message}\n`),
  });
  // Device code: the user is at the terminal now, so sign in before the job starts.
  await provider?.signIn?.();
  return { resolve: (id) => (id === undefined ? undefined : provider) };
}
