import * as vscode from 'vscode';
import type { JournalRecord } from '../engine/journal';
import { jobsDir, loadEngine } from './engine';
import type { JobRunner } from './jobRunner';

export class JobItem extends vscode.TreeItem {
  constructor(
    readonly record: JournalRecord,
    running: boolean,
  ) {
    super(record.spec.name ?? record.spec.id, vscode.TreeItemCollapsibleState.None);
    const state = running ? 'running' : record.state === 'running' ? 'interrupted' : record.state;
    this.id = record.spec.id;
    this.description = describe(record, state);
    this.tooltip = new vscode.MarkdownString(
      `**${record.spec.id}** — ${state}\n\n${route(record)}\n\nUpdated ${record.updatedAt}${record.error ? `\n\n${record.error}` : ''}`,
    );
    this.iconPath = icon(state);
    // The context value drives which inline actions the view offers (package.json menus).
    this.contextValue = `job.${state}`;
  }
}

function describe(record: JournalRecord, state: string): string {
  const what = record.result
    ? record.spec.source.kind === 'files'
      ? `${record.result.files.length} files`
      : `${record.result.rows.toLocaleString('en-US')} rows`
    : record.phase;
  return `${state} · ${what}`;
}

function route(record: JournalRecord): string {
  const { source, destination } = record.spec;
  const from = source.kind === 'kustoQuery' ? `${source.connection.database}: \`${source.query.slice(0, 80)}\`` : source.location.kind === 'local' ? source.location.path : source.location.url;
  const to = destination.kind === 'kustoTable' ? `${destination.connection.database}.${destination.table}` : destination.location.kind === 'local' ? destination.location.path : destination.location.url;
  return `${from} → ${to}`;
}

function icon(state: string): vscode.ThemeIcon {
  switch (state) {
    case 'running':
      return new vscode.ThemeIcon('sync~spin');
    case 'succeeded':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'failed':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'canceled':
      return new vscode.ThemeIcon('circle-slash');
    default:
      return new vscode.ThemeIcon('debug-pause');
  }
}

/** The Jobs view: every journal in the jobs folder, newest first. Empty → the welcome content. */
export class JobsTreeProvider implements vscode.TreeDataProvider<JobItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly runner: JobRunner,
  ) {
    this.subscription = runner.onDidChangeJobs(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(element: JobItem): vscode.TreeItem {
    return element;
  }

  async getChildren(): Promise<JobItem[]> {
    // Which jobs run is read before the journals: a job that ends while they load shows as running
    // until the refresh its end triggers, never as "interrupted".
    const running = new Set(this.runner.runningJobIds());
    const records = await loadEngine(this.context).Journal.list(jobsDir(this.context));
    return records
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      .map((record) => new JobItem(record, running.has(record.spec.id)));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
