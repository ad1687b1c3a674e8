// The Connections view: connection → databases → (folders →) tables → columns with Kusto types.
// Loaded lazily, one request per expanded level (a database's tables and columns come in one
// schema request, cached until Refresh). A failure is one tree item with an action, not a popup.
import * as vscode from 'vscode';
import { AUTH_KIND_LABELS, type Connection, type StagingLocation } from '../connections/connection';
import { stagingSecretKey } from '../connections/connectionStore';
import type { ConnectionStore } from '../connections/connectionStore';
import { describeExpiry, expiryStatus } from '../connections/tokenExpiry';
import { TokenExpiryWatch } from './connectionTokenWatch';
import type { WindowProviders } from './credentials';
import type { Engine } from './engine';
import { getLog } from './log';

const STAGING_AUTH_LABELS: Record<StagingLocation['authKind'], string> = { sas: 'SAS', accountKey: 'account key', credential: "the connection's sign-in" };

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** "5,000 rows", "1 row": a table's count as its tree item shows it. */
export function formatRowCount(n: number): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? 'row' : 'rows'}`;
}

type TableSchema = Awaited<ReturnType<Engine['databaseTables']>>[number];

export type ConnectionNode =
  | { kind: 'connection'; connection: Connection }
  | { kind: 'database'; connection: Connection; database: string }
  | { kind: 'folder'; connection: Connection; database: string; folder: string; tables: TableSchema[]; rowCounts?: Map<string, number> }
  | { kind: 'table'; connection: Connection; database: string; table: TableSchema; rowCount?: number }
  | { kind: 'column'; name: string; type: string }
  | { kind: 'stagingGroup'; connection: Connection }
  | { kind: 'staging'; connection: Connection; location: StagingLocation }
  | { kind: 'blobFolder'; connection: Connection; location: StagingLocation; path: string }
  | { kind: 'blob'; path: string; size: number }
  | { kind: 'more'; message: string }
  | { kind: 'error'; connection: Connection; message: string; signIn: boolean };

export class ConnectionsTreeProvider implements vscode.TreeDataProvider<ConnectionNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ConnectionNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly databases = new Map<string, Promise<string[]>>();
  private readonly tables = new Map<string, Promise<TableSchema[]>>();
  private readonly rowCounts = new Map<string, Promise<Map<string, number>>>();
  private readonly subscription: { dispose(): void };
  private readonly tokenWatch: TokenExpiryWatch;
  private readonly tokenWatchSubscription: { dispose(): void };

  constructor(private readonly store: ConnectionStore, private readonly providers: WindowProviders, private readonly engine: () => Engine) {
    this.subscription = store.onDidChange(() => this.refresh());
    this.tokenWatch = new TokenExpiryWatch(store);
    // A pasted token's expiry shows on its connection: redraw those items (not their children) when it changes.
    this.tokenWatchSubscription = this.tokenWatch.onDidChange(() => this.changed.fire(undefined));
    void vscode.commands.executeCommand('setContext', 'kustoDataMover.hasConnections', store.list().length > 0);
  }

  refresh(connection?: Connection): void {
    for (const cache of [this.databases, this.tables, this.rowCounts] as Array<Map<string, unknown>>) {
      for (const key of [...cache.keys()]) if (!connection || key.startsWith(`${connection.id}/`)) cache.delete(key);
    }
    void vscode.commands.executeCommand('setContext', 'kustoDataMover.hasConnections', this.store.list().length > 0);
    this.changed.fire(undefined);
  }

  getTreeItem(node: ConnectionNode): vscode.TreeItem {
    const collapsed = vscode.TreeItemCollapsibleState.Collapsed;
    switch (node.kind) {
      case 'connection': {
        const item = new vscode.TreeItem(node.connection.name, collapsed);
        item.id = `c/${node.connection.id}`;
        item.description = new URL(node.connection.clusterUrl).host;
        const expiresAt = this.tokenWatch.expiryOf(node.connection.id);
        const now = Date.now();
        const tokenLine = expiresAt === undefined ? '' : `\n\nPasted token ${describeExpiry(expiresAt, now)}: valid until ${new Date(expiresAt).toISOString()}`;
        if (expiresAt !== undefined) item.description += ` · token ${describeExpiry(expiresAt, now)}`;
        item.tooltip = new vscode.MarkdownString(`**${node.connection.name}**\n\n${node.connection.clusterUrl}\n\nSign-in: ${AUTH_KIND_LABELS[node.connection.auth.kind]}${node.connection.auth.accountLabel ? ` (${node.connection.auth.accountLabel})` : ''}${node.connection.auth.signedOut ? ' (signed out)' : ''}${tokenLine}`);
        item.iconPath = expiresAt !== undefined && expiryStatus(expiresAt, now) !== 'valid' ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : new vscode.ThemeIcon('server-environment');
        item.contextValue = `connection.${node.connection.auth.kind}`;
        return item;
      }
      case 'database': {
        const item = new vscode.TreeItem(node.database, collapsed);
        item.id = `c/${node.connection.id}/db/${node.database}`;
        item.iconPath = new vscode.ThemeIcon('database');
        item.contextValue = 'database';
        if (node.database === node.connection.defaultDatabase) item.description = 'default';
        return item;
      }
      case 'folder': {
        const item = new vscode.TreeItem(node.folder, collapsed);
        item.id = `c/${node.connection.id}/db/${node.database}/f/${node.folder}`;
        item.iconPath = vscode.ThemeIcon.Folder;
        item.contextValue = 'folder';
        return item;
      }
      case 'table': {
        const item = new vscode.TreeItem(node.table.name, collapsed);
        item.id = `c/${node.connection.id}/db/${node.database}/t/${node.table.name}`;
        item.iconPath = new vscode.ThemeIcon('table');
        const rows = node.rowCount === undefined ? undefined : formatRowCount(node.rowCount);
        item.description = [rows, node.table.docString].filter(Boolean).join(' · ') || undefined;
        item.tooltip = `${node.database}.${node.table.name}${node.table.docString ? `\n${node.table.docString}` : ''}\n${node.table.columns.length} columns${rows ? `, ${rows}` : ''}`;
        item.contextValue = 'table';
        return item;
      }
      case 'column': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
        item.description = node.type;
        item.iconPath = new vscode.ThemeIcon('symbol-field');
        item.contextValue = 'column';
        return item;
      }
      case 'stagingGroup': {
        const item = new vscode.TreeItem('Staging locations', collapsed);
        item.id = `c/${node.connection.id}/staging`;
        item.iconPath = new vscode.ThemeIcon('cloud');
        item.contextValue = 'stagingGroup';
        return item;
      }
      case 'staging': {
        const url = new URL(node.location.url);
        const item = new vscode.TreeItem(url.pathname.replace(/^\/+/, '') || url.host, collapsed);
        item.id = `c/${node.connection.id}/staging/${node.location.id}`;
        item.description = `${url.host} · ${STAGING_AUTH_LABELS[node.location.authKind]}`;
        item.tooltip = `${node.location.url}\nOpened with ${STAGING_AUTH_LABELS[node.location.authKind]}`;
        item.iconPath = new vscode.ThemeIcon('cloud');
        item.contextValue = 'staging';
        return item;
      }
      case 'blobFolder': {
        const item = new vscode.TreeItem(node.path.split('/').pop() ?? node.path, collapsed);
        item.id = `c/${node.connection.id}/staging/${node.location.id}/${node.path}`;
        item.iconPath = vscode.ThemeIcon.Folder;
        item.contextValue = 'blobFolder';
        return item;
      }
      case 'blob': {
        const item = new vscode.TreeItem(node.path.split('/').pop() ?? node.path, vscode.TreeItemCollapsibleState.None);
        item.description = formatBytes(node.size);
        item.tooltip = node.path;
        item.iconPath = vscode.ThemeIcon.File;
        item.contextValue = 'blob';
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        return item;
      }
      case 'error': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        item.tooltip = node.message;
        item.contextValue = node.signIn ? 'error.signIn' : 'error';
        // A lapsed pasted token cannot be signed in again: a new one is pasted.
        const paste = node.signIn && node.connection.auth.kind === 'userToken';
        item.description = paste ? 'click to paste a new token' : node.signIn ? 'click to sign in' : 'click to show the log';
        item.command = paste
          ? { command: 'kustoDataMover.pasteNewToken', title: 'Paste New Token', arguments: [{ kind: 'connection', connection: node.connection }] }
          : node.signIn
            ? { command: 'kustoDataMover.signIn', title: 'Sign In', arguments: [{ kind: 'connection', connection: node.connection }] }
            : { command: 'kustoDataMover.showLog', title: 'Show Log' };
        return item;
      }
    }
  }

  async getChildren(node?: ConnectionNode): Promise<ConnectionNode[]> {
    if (!node) return this.store.list().map((connection) => ({ kind: 'connection', connection }));
    try {
      switch (node.kind) {
        case 'connection': {
          // Staging locations stay reachable when the cluster is not.
          const staging: ConnectionNode[] = node.connection.staging?.length ? [{ kind: 'stagingGroup', connection: node.connection }] : [];
          try {
            const names = await this.cached(this.databases, `${node.connection.id}/`, () => this.engine().listDatabases(this.target(node.connection)));
            return [...names.map((database): ConnectionNode => ({ kind: 'database', connection: node.connection, database })), ...staging];
          } catch (err) {
            return [this.errorNode(node, err), ...staging];
          }
        }
        case 'stagingGroup':
          return (node.connection.staging ?? []).map((location) => ({ kind: 'staging', connection: node.connection, location }));
        case 'staging':
        case 'blobFolder':
          return await this.blobChildren(node.connection, node.location, node.kind === 'blobFolder' ? node.path : '');
        case 'database': {
          const [tables, counts] = await Promise.all([this.tablesOf(node.connection, node.database), this.rowCountsOf(node.connection, node.database)]);
          const folders = new Map<string, TableSchema[]>();
          const top: ConnectionNode[] = [];
          for (const table of tables) {
            if (table.folder) folders.set(table.folder, [...(folders.get(table.folder) ?? []), table]);
            else top.push({ kind: 'table', connection: node.connection, database: node.database, table, rowCount: counts.get(table.name) });
          }
          const folderNodes: ConnectionNode[] = [...folders].sort(([a], [b]) => a.localeCompare(b)).map(([folder, list]) => ({ kind: 'folder', connection: node.connection, database: node.database, folder, tables: list, rowCounts: counts }));
          return [...folderNodes, ...top];
        }
        case 'folder':
          return node.tables.map((table) => ({ kind: 'table', connection: node.connection, database: node.database, table, rowCount: node.rowCounts?.get(table.name) }));
        case 'table':
          return node.table.columns.map((c) => ({ kind: 'column', name: c.name, type: c.type }));
        default:
          return [];
      }
    } catch (err) {
      return 'connection' in node ? [this.errorNode(node, err)] : [];
    }
  }

  /** A failure as one tree item (logged once), with the action that can fix it. */
  private errorNode(node: ConnectionNode & { connection: Connection }, err: unknown): ConnectionNode {
    const message = this.engine().redactSecrets((err as Error)?.message ?? String(err));
    getLog().error(`Connections: ${node.connection.name}: ${message}`);
    return { kind: 'error', connection: node.connection, message, signIn: (err as { code?: string })?.code === 'SIGN_IN_REQUIRED' };
  }

  /** The BlobLocation a staging location is to the engine: its secret by SecretStorage key, or the connection's sign-in. */
  blobLocation(connection: Connection, location: StagingLocation): { kind: 'blob'; url: string; authKind: StagingLocation['authKind']; secretRef?: string; credentialId?: string } {
    return location.authKind === 'credential'
      ? { kind: 'blob', url: location.url, authKind: 'credential', credentialId: connection.id }
      : { kind: 'blob', url: location.url, authKind: location.authKind, secretRef: stagingSecretKey(connection.id, location.id) };
  }

  private async blobChildren(connection: Connection, location: StagingLocation, path: string): Promise<ConnectionNode[]> {
    const listing = await this.engine().listBlobFolder(
      this.blobLocation(connection, location),
      { resolve: async () => this.store.stagingSecret(connection.id, location.id) },
      { resolve: () => this.providers.providerFor(connection) },
      path,
    );
    const nodes: ConnectionNode[] = [
      ...listing.folders.map((p): ConnectionNode => ({ kind: 'blobFolder', connection, location, path: p })),
      ...listing.blobs.map((b): ConnectionNode => ({ kind: 'blob', path: b.path, size: b.size })),
    ];
    if (listing.truncated) nodes.push({ kind: 'more', message: `… more than ${nodes.length} entries (showing the first)` });
    return nodes;
  }

  tablesOf(connection: Connection, database: string): Promise<TableSchema[]> {
    return this.cached(this.tables, `${connection.id}/${database}`, () => this.engine().databaseTables(this.target(connection), database));
  }

  /** Row counts are a nicety: a cluster that refuses `.show tables details` leaves them out (logged), never the tables. */
  private rowCountsOf(connection: Connection, database: string): Promise<Map<string, number>> {
    return this.cached(this.rowCounts, `${connection.id}/${database}`, () =>
      this.engine().tableRowCounts(this.target(connection), database).catch((err: unknown) => {
        getLog().warn(`Connections: no row counts for ${connection.name}/${database}: ${this.engine().redactSecrets((err as Error)?.message ?? String(err))}`);
        return new Map<string, number>();
      }),
    );
  }

  target(connection: Connection): { clusterUrl: string; tokenProvider: ReturnType<WindowProviders['providerFor']> } {
    return { clusterUrl: connection.clusterUrl, tokenProvider: this.providers.providerFor(connection) };
  }

  private cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    let entry = cache.get(key);
    if (!entry) {
      entry = load();
      cache.set(key, entry);
      // A failure is not cached: expanding again (or Refresh) tries again.
      entry.catch(() => cache.delete(key));
    }
    return entry;
  }

  dispose(): void {
    this.subscription.dispose();
    this.tokenWatchSubscription.dispose();
    this.tokenWatch.dispose();
    this.changed.dispose();
  }
}
