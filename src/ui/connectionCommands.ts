// Add / Edit / Remove / Test Connection, Sign In, Copy Connection String and Refresh. Adding is a
// multi-step input, each step validated, ending with a live test before the connection is saved.
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import {
  AUTH_KIND_LABELS,
  type AuthKind,
  clientIdProblem,
  clusterUrlProblem,
  type Connection,
  httpsUrlProblem,
  normalizeClusterUrl,
  redactedConnectionString,
  type SecretName,
  type StagingLocation,
  stagingUrlProblem,
  tenantProblem,
} from '../connections/connection';
import { jwtExpiry } from '../auth/tokenCache';
import type { BlobLocation } from '../engine/jobSpec';
import type { ConnectionStore } from '../connections/connectionStore';
import type { ConnectionNode, ConnectionsTreeProvider } from './connectionsTree';
import type { WindowProviders } from './credentials';
import type { Engine } from './engine';
import { prefillFor, type TreeJobAction } from './connectionPrefill';
import { getLog } from './log';
import { VsCodeAccountCredential } from './vscodeAccountCredential';
import { type RunJob, WizardPanel } from './wizardPanel';

const TITLE = 'Kusto Data Mover: Add Connection';

class Cancelled extends Error {}

async function ask(step: string, options: vscode.InputBoxOptions): Promise<string> {
  const value = await vscode.window.showInputBox({ ignoreFocusOut: true, title: `${TITLE} (${step})`, ...options });
  if (value === undefined) throw new Cancelled();
  return value.trim();
}


/** The auth kind's settings and secrets, asked one validated step at a time. */
async function askAuth(kind: AuthKind, previous: Connection | undefined): Promise<{ auth: Connection['auth']; secrets: Partial<Record<SecretName, string>> }> {
  const old = previous?.auth.kind === kind ? previous.auth : undefined;
  const keep = previous?.auth.kind === kind ? ' (leave empty to keep the stored one)' : '';
  const secretStep = async (label: string, prompt: string): Promise<string | undefined> => {
    const value = await ask(label, { prompt: `${prompt}${keep}`, password: true, validateInput: (v) => (!v.trim() && !keep ? 'Required' : undefined) });
    return value || undefined;
  };
  const tenant = (optional = false) => ask('tenant', { prompt: `Directory (tenant) id or domain${optional ? ' (optional)' : ''}`, value: old?.tenantId, validateInput: (v) => (optional && !v.trim() ? undefined : tenantProblem(v)) });
  const clientId = (prompt = 'Application (client) id') => ask('client id', { prompt, value: old?.clientId, validateInput: clientIdProblem });
  const authority = () => ask('authority', { prompt: 'Sign-in authority (optional; default https://login.microsoftonline.com; sovereign clouds have their own)', value: old?.authorityHost, validateInput: (v) => (v.trim() ? httpsUrlProblem(v, 'https://login.microsoftonline.us') : undefined) });
  const opt = (v: string) => v || undefined;
  switch (kind) {
    case 'none':
    case 'azureCli':
      return { auth: { kind, tenantId: kind === 'azureCli' ? opt(await tenant(true)) : undefined }, secrets: {} };
    case 'vscodeAccount':
      return { auth: { kind, tenantId: opt(await tenant(true)), accountId: old?.accountId, accountLabel: old?.accountLabel }, secrets: {} };
    case 'appSecret': {
      const auth = { kind, tenantId: await tenant(), clientId: await clientId(), authorityHost: opt(await authority()) };
      const secret = await secretStep('client secret', 'Client secret (kept in VS Code\'s secret storage only)');
      return { auth, secrets: secret ? { clientSecret: secret } : {} };
    }
    case 'appCertificate': {
      const auth = { kind, tenantId: await tenant(), clientId: await clientId(), authorityHost: opt(await authority()) };
      const path = await ask('certificate', { prompt: `Path of a PEM file with the private key and the certificate (convert a PFX with: openssl pkcs12 -in app.pfx -out app.pem -nodes)${keep}`, validateInput: (v) => (!v.trim() && !keep ? 'Required' : undefined) });
      if (!path) return { auth, secrets: {} };
      const pem = await fs.readFile(path, 'utf8');
      if (!/-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(pem) || !pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${path} must hold both a PEM private key and a PEM certificate`);
      return { auth, secrets: { certificatePem: pem } };
    }
    case 'deviceCode':
      return { auth: { kind, tenantId: opt(await tenant(true)), clientId: opt(await ask('client id', { prompt: 'Public client (application) id (optional; default the Azure CLI\'s)', value: old?.clientId, validateInput: (v) => (v.trim() ? clientIdProblem(v) : undefined) })), authorityHost: opt(await authority()) }, secrets: {} };
    case 'userToken': {
      const token = await secretStep('token', 'Access token for the cluster (from az account get-access-token --resource <cluster>)');
      if (token) {
        const exp = jwtExpiry(token);
        if (exp !== undefined && exp <= Date.now()) throw new Error(`that token expired at ${new Date(exp).toISOString()}`);
        if (exp !== undefined) void vscode.window.showInformationMessage(`Kusto Data Mover: the pasted token expires at ${new Date(exp).toLocaleString()}; jobs running past that fail and can be resumed after you paste a new one.`);
      }
      return { auth: { kind }, secrets: token ? { userToken: token } : {} };
    }
    case 'keyVault': {
      const vaultUrl = await ask('vault', { prompt: 'Key Vault URL (it holds kustoAppId, kustoAppKey and kustoAppAuthority)', value: old?.vaultUrl, validateInput: (v) => httpsUrlProblem(v, 'https://myvault.vault.azure.net') });
      const auth = { kind, vaultUrl, tenantId: await tenant(), clientId: await clientId('Application (client) id of the app that opens the vault'), authorityHost: opt(await authority()) };
      const key = await secretStep('vault app key', 'Client secret of the app that opens the vault');
      return { auth, secrets: key ? { vaultAppKey: key } : {} };
    }
  }
}

export interface TestOutcome {
  ok: boolean;
  summary: string;
}

/** Lists databases and the identity's roles: the live test at the end of Add and the Test Connection command. */
export async function testConnection(engine: Engine, providers: WindowProviders, connection: Connection, secrets?: Partial<Record<string, string>>): Promise<TestOutcome> {
  const tokenProvider = providers.providerFor(connection, secrets);
  try {
    // Silent first; a sign-in (device code) only when the silent try says one is needed.
    await tokenProvider?.getToken(connection.clusterUrl).catch(async (err: unknown) => {
      if ((err as { code?: string })?.code !== 'SIGN_IN_REQUIRED' || !tokenProvider.signIn) throw err;
      await tokenProvider.signIn();
    });
    const target = { clusterUrl: connection.clusterUrl, tokenProvider };
    const databases = await engine.listDatabases(target);
    const access = await engine.readClusterAccess(target).catch((err: unknown) => {
      getLog().warn(`Test Connection: could not read the roles of ${connection.name}: ${engine.redactSecrets((err as Error).message)}`);
      return undefined;
    });
    const lines = databases.map((db) => `${db}: ${access ? engine.describeAllowed(engine.accessIn(access, db)) : 'roles unknown'}`);
    const expiry = tokenProvider ? (await tokenProvider.getTokenInfo(connection.clusterUrl)).expiresOnTimestamp : undefined;
    const summary = `Connected to ${new URL(connection.clusterUrl).host} as ${access?.identity ?? 'an unknown identity'}. ${lines.length ? `${lines.join('; ')}.` : 'No databases visible.'}${expiry ? ` Token valid until ${new Date(expiry).toISOString()}.` : ''}`;
    getLog().info(`Test Connection "${connection.name}": ${summary}`);
    return { ok: true, summary };
  } catch (err) {
    const summary = engine.redactSecrets((err as Error)?.message ?? String(err));
    getLog().error(`Test Connection "${connection.name}": ${summary}`);
    return { ok: false, summary };
  }
}

export function registerConnectionCommands(context: vscode.ExtensionContext, store: ConnectionStore, providers: WindowProviders, tree: ConnectionsTreeProvider, engine: () => Engine): void {
  const guard = (fn: (node?: ConnectionNode) => Promise<void>) => async (node?: ConnectionNode) => {
    try {
      await fn(node);
    } catch (err) {
      if (err instanceof Cancelled) return;
      void vscode.window.showErrorMessage(`Kusto Data Mover: ${engine().redactSecrets((err as Error)?.message ?? String(err))}`);
    }
  };
  const pick = async (node?: ConnectionNode): Promise<Connection | undefined> => {
    if (node && 'connection' in node) return store.get(node.connection.id) ?? node.connection;
    const all = store.list();
    if (all.length === 0) {
      void vscode.window.showInformationMessage('Kusto Data Mover: no connections yet.', 'Add Connection').then((c) => c && vscode.commands.executeCommand('kustoDataMover.addConnection'));
      return undefined;
    }
    const chosen = await vscode.window.showQuickPick(all.map((c) => ({ label: c.name, description: c.clusterUrl, connection: c })), { title: 'Kusto Data Mover: pick a connection' });
    return chosen?.connection;
  };

  const addOrEdit = async (previous?: Connection) => {
    const name = await ask('1/5 name', {
      prompt: 'A name for this connection',
      value: previous?.name,
      validateInput: (v) => (!v.trim() ? 'Enter a name' : store.list().some((c) => c.id !== previous?.id && c.name.toLowerCase() === v.trim().toLowerCase()) ? 'A connection with this name exists already' : undefined),
    });
    const clusterUrl = normalizeClusterUrl(await ask('2/5 cluster', { prompt: 'Cluster URL (https://<cluster>.<region>.kusto.windows.net, a Fabric query URI, or http://127.0.0.1:<port> for a local emulator)', value: previous?.clusterUrl, validateInput: clusterUrlProblem }));
    const defaultDatabase = await ask('3/5 database', { prompt: 'Default database (optional)', value: previous?.defaultDatabase });
    const loopback = /^http:/.test(clusterUrl);
    // A local emulator offers "None" first; a real cluster the sign-ins first.
    const order = (Object.keys(AUTH_KIND_LABELS) as AuthKind[]).sort((a, b) => Number(loopback ? b === 'none' : a === 'none') - Number(loopback ? a === 'none' : b === 'none'));
    const kinds = order.map((authKind) => ({ label: AUTH_KIND_LABELS[authKind], authKind, picked: authKind === previous?.auth.kind }));
    const kind = await vscode.window.showQuickPick(kinds, { title: `${TITLE} (4/5 sign-in)`, ignoreFocusOut: true, placeHolder: 'How to sign in' });
    if (!kind) throw new Cancelled();
    const { auth, secrets } = await askAuth(kind.authKind, previous);
    const connection: Connection = { id: previous?.id ?? store.newId(), name, clusterUrl, defaultDatabase: defaultDatabase || undefined, auth, audience: previous?.audience };
    // Secrets not retyped during an edit come from storage.
    const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Testing connection "${name}"…` }, () => testConnection(engine(), providers, connection, { ...secrets }));
    if (!outcome.ok) {
      const choice = await vscode.window.showWarningMessage(`Kusto Data Mover: the test of "${name}" failed: ${outcome.summary}`, 'Save Anyway', 'Cancel');
      if (choice !== 'Save Anyway') return;
    }
    await store.save(connection, secrets);
    tree.refresh();
    if (outcome.ok) void vscode.window.showInformationMessage(`Kusto Data Mover: saved "${name}". ${outcome.summary}`);
  };

  /** A container or folder, how to open it (SAS, account key, the connection's sign-in), a live listing, then saved. */
  const addStagingLocation = async (c: Connection) => {
    const title = `Kusto Data Mover: Add Staging Location to "${c.name}"`;
    const step = (n: string, options: vscode.InputBoxOptions) => vscode.window.showInputBox({ title: `${title} (${n})`, ignoreFocusOut: true, ...options }).then((v) => {
      if (v === undefined) throw new Cancelled();
      return v.trim();
    });
    const typed = await step('1/3 URL', { prompt: 'Blob or ADLS container or folder URL (https://<account>.blob.core.windows.net/<container>[/folder]); a SAS pasted with it is split off and kept as its secret', validateInput: (v) => stagingUrlProblem(v.split('?')[0]) });
    const [url, query] = [typed.split('?')[0].replace(/\/+$/, ''), typed.includes('?') ? typed.slice(typed.indexOf('?') + 1) : ''];
    const signIn = c.auth.kind !== 'none' && c.auth.kind !== 'userToken';
    const kinds: Array<{ label: string; description?: string; authKind: StagingLocation['authKind'] }> = [
      { label: 'SAS token', description: query ? 'the one pasted with the URL' : undefined, authKind: 'sas' },
      { label: 'Storage account key', authKind: 'accountKey' },
      ...(signIn ? [{ label: `The connection's own sign-in (${AUTH_KIND_LABELS[c.auth.kind]})`, description: 'Microsoft Entra, Azure Storage scope', authKind: 'credential' as const }] : []),
    ];
    const kind = await vscode.window.showQuickPick(kinds, { title: `${title} (2/3 access)`, ignoreFocusOut: true, placeHolder: 'How to open this storage' });
    if (!kind) throw new Cancelled();
    let secret: string | undefined;
    if (kind.authKind === 'sas') secret = query || (await step('3/3 SAS', { prompt: 'SAS token (kept in VS Code\'s secret storage only)', password: true, validateInput: (v) => (/(^|[?&])sig=/.test(v.trim()) ? undefined : 'A SAS token holds sig=…') })).replace(/^\?/, '');
    if (kind.authKind === 'accountKey') secret = await step('3/3 key', { prompt: 'Storage account key (kept in VS Code\'s secret storage only)', password: true, validateInput: (v) => (v.trim() ? undefined : 'Required') });
    const location: BlobLocation = kind.authKind === 'credential' ? { kind: 'blob', url, authKind: 'credential', credentialId: c.id } : { kind: 'blob', url, authKind: kind.authKind, secretRef: 'new-staging-location' };
    const listed = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Opening ${url}…` }, () =>
      engine().listBlobFolder(location, { resolve: async () => secret }, { resolve: () => providers.providerFor(c) }, '', 50).then(
        (l) => ({ ok: true as const, count: l.folders.length + l.blobs.length }),
        (err: unknown) => ({ ok: false as const, message: engine().redactSecrets((err as Error)?.message ?? String(err)).split('\n')[0] }),
      ),
    );
    if (!listed.ok) {
      getLog().error(`Add Staging Location ${url}: ${listed.message}`);
      const choice = await vscode.window.showWarningMessage(`Kusto Data Mover: could not list ${url}: ${listed.message}`, 'Save Anyway', 'Cancel');
      if (choice !== 'Save Anyway') return;
    }
    await store.addStaging(c.id, { url, authKind: kind.authKind }, secret);
    tree.refresh(c);
    void vscode.window.showInformationMessage(`Kusto Data Mover: added the staging location ${url} to "${c.name}"${listed.ok ? ` (${listed.count} entries at its top)` : ''}.`);
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('kustoDataMover.addConnection', guard(() => addOrEdit())),
    vscode.commands.registerCommand('kustoDataMover.editConnection', guard(async (node) => {
      const c = await pick(node);
      if (c) await addOrEdit(c);
    })),
    vscode.commands.registerCommand('kustoDataMover.removeConnection', guard(async (node) => {
      const c = await pick(node);
      if (!c) return;
      const choice = await vscode.window.showWarningMessage(`Remove connection "${c.name}" and the secrets stored for it?`, { modal: true }, 'Remove');
      if (choice === 'Remove') await store.remove(c.id);
    })),
    vscode.commands.registerCommand('kustoDataMover.testConnection', guard(async (node) => {
      const c = await pick(node);
      if (!c) return;
      const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Testing connection "${c.name}"…` }, () => testConnection(engine(), providers, c));
      if (outcome.ok) void vscode.window.showInformationMessage(`Kusto Data Mover: "${c.name}": ${outcome.summary}`);
      else {
        const choice = await vscode.window.showErrorMessage(`Kusto Data Mover: "${c.name}": ${outcome.summary}`, 'Edit Connection', 'Show Log');
        if (choice === 'Edit Connection') await addOrEdit(c);
        if (choice === 'Show Log') getLog().show();
      }
    })),
    vscode.commands.registerCommand('kustoDataMover.signIn', guard(async (node) => {
      const c = await pick(node);
      if (!c) return;
      if (c.auth.kind === 'vscodeAccount') {
        const account = await new VsCodeAccountCredential(c).signIn(`${new URL(c.clusterUrl).origin}/.default`);
        await store.pinAccount(c.id, account);
      } else {
        await providers.providerFor(c)?.signIn?.();
      }
      tree.refresh(c);
    })),
    vscode.commands.registerCommand('kustoDataMover.switchAccount', guard(async (node) => {
      const c = await pick(node);
      if (!c || c.auth.kind !== 'vscodeAccount') return;
      const account = await new VsCodeAccountCredential(c).signIn(`${new URL(c.clusterUrl).origin}/.default`, true);
      await store.pinAccount(c.id, account);
    })),
    vscode.commands.registerCommand('kustoDataMover.signOut', guard(async (node) => {
      const c = await pick(node);
      if (!c) return;
      providers.forget(c.id);
      await store.signOut(c.id);
      tree.refresh(c);
      const kept = c.auth.kind === 'vscodeAccount' || c.auth.kind === 'deviceCode' ? 'Use Sign In to sign in again.' : 'Its stored secrets are kept (Remove Connection deletes them); the next request signs in with them again.';
      void vscode.window.showInformationMessage(`Kusto Data Mover: signed out of "${c.name}": cached tokens dropped. ${kept}`);
    })),
    vscode.commands.registerCommand('kustoDataMover.pasteNewToken', guard(async (node) => {
      const c = await pick(node);
      if (!c) return;
      if (c.auth.kind !== 'userToken') throw new Error(`connection "${c.name}" does not sign in with a pasted token`);
      const token = await vscode.window.showInputBox({
        title: `Kusto Data Mover: Paste New Token for "${c.name}"`,
        prompt: 'Access token for the cluster (from az account get-access-token --resource <cluster>); kept in VS Code\'s secret storage only',
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) => {
          if (!v.trim()) return 'Paste the token';
          const exp = jwtExpiry(v.trim());
          return exp !== undefined && exp <= Date.now() ? `That token expired at ${new Date(exp).toISOString()}` : undefined;
        },
      });
      if (!token) return;
      await store.replaceSecret(c.id, 'userToken', token.trim());
      tree.refresh(c);
      const exp = jwtExpiry(token.trim());
      void vscode.window.showInformationMessage(`Kusto Data Mover: saved the new token of "${c.name}"${exp ? `; it is valid until ${new Date(exp).toLocaleString()}` : ''}.`);
    })),
    vscode.commands.registerCommand('kustoDataMover.addStagingLocation', guard(async (node) => {
      const c = await pick(node);
      if (!c) return;
      await addStagingLocation(c);
    })),
    vscode.commands.registerCommand('kustoDataMover.removeStagingLocation', guard(async (node) => {
      if (node?.kind !== 'staging') return;
      const choice = await vscode.window.showWarningMessage(`Remove the staging location ${node.location.url} from "${node.connection.name}" and its stored secret? The data in it stays.`, { modal: true }, 'Remove');
      if (choice === 'Remove') await store.removeStaging(node.connection.id, node.location.id);
    })),
    vscode.commands.registerCommand('kustoDataMover.copyConnectionString', guard(async (node) => {
      const c = await pick(node);
      if (!c) return;
      await vscode.env.clipboard.writeText(redactedConnectionString(c));
      void vscode.window.showInformationMessage(`Kusto Data Mover: copied the connection string of "${c.name}" (secrets shown as ****).`);
    })),
    vscode.commands.registerCommand('kustoDataMover.refreshConnections', (node?: ConnectionNode) => tree.refresh(node && 'connection' in node ? node.connection : undefined)),
  );
}

/** Context actions on tables and databases: open the New Copy Job wizard with what the node knows. */
export function registerTreeJobActions(context: vscode.ExtensionContext, runJob: RunJob): vscode.Disposable[] {
  const open = (action: TreeJobAction) => (node?: ConnectionNode) => {
    if (!node || (node.kind !== 'table' && node.kind !== 'database')) {
      void vscode.window.showInformationMessage('Kusto Data Mover: choose this on a table or database in the Connections view.');
      return;
    }
    WizardPanel.show(context, runJob, prefillFor(action, { connection: node.connection, database: node.database, table: node.kind === 'table' ? node.table.name : undefined }));
  };
  return [
    vscode.commands.registerCommand('kustoDataMover.exportTable', open('exportTable')),
    vscode.commands.registerCommand('kustoDataMover.queryTableToFiles', open('queryToFiles')),
    vscode.commands.registerCommand('kustoDataMover.ingestIntoTable', open('ingestIntoTable')),
    vscode.commands.registerCommand('kustoDataMover.ingestIntoDatabase', open('ingestIntoDatabase')),
  ];
}
