import * as vscode from 'vscode';
import type { Connection } from '../connections/connection';
import type { ConnectionStore } from '../connections/connectionStore';
import type { CredentialResolver, SecretResolver } from '../engine/jobContext';
import type { ConnectionTokenProvider, Engine } from './engine';
import { VsCodeAccountCredential } from './vscodeAccountCredential';

/** One token provider per connection for the whole window: jobs, the tree and Test Connection share its cache. */
export class WindowProviders implements vscode.Disposable {
  private readonly providers = new Map<string, ConnectionTokenProvider | undefined>();
  private readonly subscription: { dispose(): void };

  constructor(private readonly store: ConnectionStore, private readonly engine: () => Engine) {
    // An edited connection (new secret, other kind) gets a fresh provider.
    this.subscription = store.onDidChange(() => this.providers.clear());
  }

  /** The provider for a saved connection, or one for a connection being added (secrets given). */
  providerFor(connection: Connection, secrets?: Partial<Record<string, string>>): ConnectionTokenProvider | undefined {
    if (!secrets && this.providers.has(connection.id)) return this.providers.get(connection.id);
    const provider = this.engine().createTokenProvider(connection, {
      secret: async (name) => secrets?.[name] ?? (await this.store.secret(connection.id, name)),
      interactive: true,
      onDeviceCode: (info) => void showDeviceCode(connection, info),
      vscodeAccount: connection.auth.kind === 'vscodeAccount' ? new VsCodeAccountCredential(connection) : undefined,
    });
    if (!secrets) this.providers.set(connection.id, provider);
    return provider;
  }

  /** Sign Out: the connection's provider (and the tokens it cached) is dropped; the next request makes a new one. */
  forget(connectionId: string): void {
    this.providers.get(connectionId)?.clear();
    this.providers.delete(connectionId);
  }

  dispose(): void {
    this.subscription.dispose();
  }
}

async function showDeviceCode(connection: Connection, info: { userCode: string; verificationUri: string; message: string }): Promise<void> {
  const choice = await vscode.window.showInformationMessage(`Kusto Data Mover: sign in for "${connection.name}": open ${info.verificationUri} and enter the code ${info.userCode}.`, 'Copy Code & Open Browser');
  if (choice) {
    await vscode.env.clipboard.writeText(info.userCode);
    await vscode.env.openExternal(vscode.Uri.parse(info.verificationUri));
  }
}

/**
 * Tokens for jobs run in the window: a JobSpec's `auth: { kind: 'credential', id }` names a saved
 * connection. The providers never prompt (a job needing the user fails with SignInRequiredError).
 * The job host forwards a job process's token requests here.
 */
export function windowCredentials(store: ConnectionStore, providers: WindowProviders): CredentialResolver {
  return {
    resolve: (id) => {
      if (id === undefined) return undefined;
      const connection = store.get(id);
      if (!connection) throw new Error(`the job names connection "${id}", which is not in this window's Connections view: add it again, or pick another connection`);
      return providers.providerFor(connection);
    },
  };
}

/** Secrets named by a job (`secretRef`) live only in VS Code's SecretStorage. */
export function windowSecrets(storage: vscode.SecretStorage): SecretResolver {
  return { resolve: async (ref) => storage.get(ref) };
}
