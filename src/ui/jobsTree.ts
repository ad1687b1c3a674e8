import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { JobEntry } from '../jobHost/journalReader';
import { describeJob, type JobViewState, stateIcons, stateLabels, viewState } from '../jobHost/jobStatusText';
import { jobsDir } from './engine';
import { noteInterruptedOnce } from './jobLogNote';
import type { JobRunner, LiveJob } from './jobRunner';

const iconColors: Partial<Record<JobViewState, string>> = {
  succeeded: 'testing.iconPassed',
  succeededWithWarnings: 'list.warningForeground',
  failed: 'testing.iconFailed',
  interrupted: 'list.warningForeground',
};

export class JobItem extends vscode.TreeItem {
  constructor(
    readonly jobId: string,
    readonly entry: JobEntry | undefined,
    readonly state: JobViewState,
    live: LiveJob | undefined,
  ) {
    super(entry?.record.spec.name ?? live?.title ?? jobId, (entry?.result?.fileResults?.length ?? 0) > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.id = jobId;
    this.description = describeJob(state, entry, live?.progress);
    // Built with the item; items are reused while their job is unchanged (JobsTreeProvider.itemFor).
    // Not on hover (resolveTreeItem): resolving redraws the hovered row and hides its inline actions.
    this.tooltip = tooltip(jobId, state, entry);
    const color = iconColors[state];
    this.iconPath = new vscode.ThemeIcon(stateIcons[state], color ? new vscode.ThemeColor(color) : undefined);
    // The context value drives which actions the view offers (package.json menus): the state,
    // then flags for what the job has (output, snippets).
    const flags: string[] = [state];
    if (entry?.result?.files.length && entry.record.spec.destination.kind === 'files') flags.push('output');
    if (entry?.result?.snippets) flags.push('snippets');
    this.contextValue = `job.${flags.join('.')}`;
    // Selecting a job shows its details (a read-only document; the focus stays in the view).
    this.command = { command: 'kustoDataMover.showJobDetails', title: 'Show Job Details', arguments: [jobId] };
  }

  get record(): JobEntry['record'] | undefined {
    return this.entry?.record;
  }
}

/** One file of a sink job: its outcome as the service reported it. */
export class JobFileItem extends vscode.TreeItem {
  constructor(jobId: string, file: NonNullable<NonNullable<JobEntry['result']>['fileResults']>[number]) {
    super(file.relativePath, vscode.TreeItemCollapsibleState.None);
    this.id = `${jobId}/${file.relativePath}`;
    const [label, icon, color] = fileLabels[file.status] ?? [file.status.toLowerCase(), 'question', undefined];
    this.description = `${label}${file.rows !== undefined ? ` · ${file.rows.toLocaleString('en-US')} rows` : ''}${file.details && file.status !== 'Succeeded' ? ` · ${file.details}` : ''}`;
    this.tooltip = `${file.relativePath}: ${label}${file.details ? `\n${file.details}` : ''}`;
    this.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    this.contextValue = `jobFile.${file.status}`;
  }
}

const fileLabels: Record<string, [string, string, string | undefined]> = {
  Succeeded: ['ingested', 'pass', 'testing.iconPassed'],
  PartiallySucceeded: ['partly ingested', 'warning', 'list.warningForeground'],
  Skipped: ['skipped: already ingested', 'debug-step-over', undefined],
  Failed: ['failed', 'error', 'testing.iconFailed'],
  Unknown: ['unknown at the status deadline', 'question', 'list.warningForeground'],
  Pending: ['pending', 'clock', undefined],
};

function tooltip(jobId: string, state: JobViewState, entry: JobEntry | undefined): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escape(jobId)}** — ${stateLabels[state]}\n\n`);
  if (!entry) return md;
  const { record } = entry;
  md.appendMarkdown(`${escape(route(record))}\n\n`);
  md.appendMarkdown(`Started ${record.startedAt} · updated ${record.updatedAt}${record.runs > 1 ? ` · run ${record.runs}` : ''}\n\n`);
  if (entry.result) md.appendMarkdown(`Took ${entry.result.seconds.toFixed(1)} s · ${entry.result.rows.toLocaleString('en-US')} rows · ${entry.result.files.length} files\n\n`);
  if (record.state === 'running' && record.pid) md.appendMarkdown(`Process ${record.pid}${entry.processAlive ? '' : ' (gone: resume the job to finish it)'} · phase ${record.phase}\n\n`);
  if (record.error) md.appendMarkdown(`Error (in ${record.phase}): ${escape(record.error)}\n\n`);
  for (const warning of entry.result?.warnings.slice(0, 5) ?? []) md.appendMarkdown(`Warning: ${escape(warning)}\n\n`);
  return md;
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

function route(record: JobEntry['record']): string {
  const { source, destination } = record.spec;
  const from = source.kind === 'kustoQuery' ? `${source.connection.database}: ${source.query.slice(0, 80)}` : source.location.kind === 'local' ? source.location.path : source.location.url;
  const to = destination.kind === 'kustoTable' ? `${destination.connection.database}.${destination.table}` : destination.location.kind === 'local' ? destination.location.path : destination.location.url;
  return `${from} → ${to}`;
}

/** How often jobs run elsewhere (the CLI, another window) are looked at again. */
const EXTERNAL_POLL_MS = 2000;

/**
 * The Jobs view: every journal in the jobs folder (read by a small module, not the engine) and
 * this window's queued jobs, newest first. Empty → the welcome content. The folder is watched,
 * and while a job runs elsewhere it is polled, so CLI jobs show as running and then finish.
 */
export class JobsTreeProvider implements vscode.TreeDataProvider<JobItem | JobFileItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private watcher: FSWatcher | undefined;
  private poll: ReturnType<typeof setInterval> | undefined;
  private items: JobItem[] = [];
  /** Items a refresh read and found changed, shown by the redraw it asked for. */
  private prepared: JobItem[] | undefined;
  /** Counts this window's job changes: a refresh read before one is stale. */
  private generation = 0;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private lookUntil = 0;
  private readonly noted = new Set<string>();
  private fullRead = true;
  private wasLive = new Set<string>();
  /** Items reused while their job is unchanged: a refresh builds new ones only for what moved. */
  private readonly itemCache = new Map<string, { key: unknown[]; item: JobItem }>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly runner: JobRunner,
  ) {
    // A job of this window queued, started, progressed or ended: only the jobs that run (or just
    // ended) are read again; the rest come from the reader's cache without touching the disk.
    this.subscription = runner.onDidChangeJobs(() => {
      this.generation++;
      this.prepared = undefined; // read after this change, not before it
      this.changed.fire();
    });
    this.watchFolder();
  }

  private watchFolder(): void {
    try {
      this.watcher = watch(jobsDir(this.context), () => this.refreshSoon());
      this.watcher.on('error', () => undefined);
    } catch {
      // no jobs folder yet: the first job makes it, and its start refreshes the view
    }
  }

  private refreshSoon(): void {
    // A new job folder gets its journal a moment after the folder: look again for a while.
    this.lookUntil = Date.now() + 10_000;
    this.ensurePolling(true);
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      this.refresh();
    }, 300);
  }

  /** Everything read again (stat per journal; parsed only when changed): the folder changed, or asked. */
  refresh(): void {
    if (!this.watcher) this.watchFolder();
    const generation = this.generation;
    const readAgain = (): void => {
      this.fullRead = true;
      this.changed.fire();
    };
    void this.load(true).then((items) => {
      // This window's jobs changed meanwhile: these items may be older than what is shown.
      if (generation !== this.generation) return readAgain();
      // The same items: no redraw. A redrawn row loses its inline actions under the mouse, so a
      // click on Resume or Cancel during the polls after a job's end would do nothing.
      if (items.length === this.items.length && items.every((item, i) => item === this.items[i])) return;
      this.prepared = items;
      this.changed.fire();
    }, readAgain);
  }

  /** The items last shown (the status bar and commands read them). */
  shown(): readonly JobItem[] {
    return this.items;
  }

  getTreeItem(element: JobItem | JobFileItem): vscode.TreeItem {
    return element;
  }

  private itemFor(jobId: string, entry: JobEntry | undefined, state: JobViewState, live: LiveJob | undefined): JobItem {
    const key = [entry?.record, entry?.result, entry?.processAlive, state, live?.progress, live?.title];
    const cached = this.itemCache.get(jobId);
    if (cached && cached.key.length === key.length && cached.key.every((k, i) => k === key[i])) return cached.item;
    const item = new JobItem(jobId, entry, state, live);
    this.itemCache.set(jobId, { key, item });
    return item;
  }

  async getChildren(element?: JobItem | JobFileItem): Promise<Array<JobItem | JobFileItem>> {
    if (element instanceof JobFileItem) return [];
    // The jobs folder may not have existed when the view was made (a fresh install): watch it as
    // soon as it does, or a job started by the CLI or another window is never seen.
    if (!this.watcher) this.watchFolder();
    if (element) return (element.entry?.result?.fileResults ?? []).map((f) => new JobFileItem(element.jobId, f));
    // A refresh that found something new hands its items over; otherwise read them now.
    const prepared = this.prepared;
    this.prepared = undefined;
    this.items = prepared ?? (await this.load(this.takeFullRead()));
    return this.items;
  }

  private takeFullRead(): boolean {
    const full = this.fullRead;
    this.fullRead = false;
    return full;
  }

  /** The root's items as the journals and this window's jobs have them now. */
  private async load(full: boolean): Promise<JobItem[]> {
    // Which jobs run here is read before the journals: a job that ends while they load shows as
    // running until the refresh its end triggers, never as "interrupted".
    const live = new Map(this.runner.liveJobs().map((j) => [j.jobId, { ...j }]));
    const reader = this.runner.reader;
    const entries = full ? await reader.list() : await reader.listSome([...live.keys(), ...this.wasLive, ...reader.runningIds()]);
    this.wasLive = new Set(live.keys());
    const items = entries
      .sort((a, b) => b.record.updatedAt.localeCompare(a.record.updatedAt))
      .map((entry) => {
        const job = live.get(entry.record.spec.id);
        // A journal still running here, though the window's job ended: the journal is the truth once the process is gone.
        return this.itemFor(entry.record.spec.id, entry, viewState(entry, job?.state), job);
      });
    const listed = new Set(entries.map((e) => e.record.spec.id));
    const queued = [...live.values()].filter((j) => !listed.has(j.jobId)).map((j) => this.itemFor(j.jobId, undefined, j.state, j));
    for (const id of this.itemCache.keys()) if (!listed.has(id) && !live.has(id)) this.itemCache.delete(id);
    // A job run elsewhere (the CLI, another window) that died while shown: its log says so.
    for (const item of items) {
      if (item.state !== 'interrupted' || this.noted.has(item.jobId)) continue;
      this.noted.add(item.jobId);
      const record = item.record;
      void noteInterruptedOnce(join(jobsDir(this.context), item.jobId), `its process ${record?.pid ?? '?'} ended during ${record?.phase ?? '?'} without finishing; resume the job to finish it, or discard it`);
    }
    this.ensurePolling(items.some((i) => i.state === 'running' && !live.has(i.jobId)));
    return [...queued, ...items];
  }

  private ensurePolling(external: boolean): void {
    const wanted = external || Date.now() < this.lookUntil;
    if (wanted && !this.poll) this.poll = setInterval(() => this.refresh(), EXTERNAL_POLL_MS);
    if (!wanted && this.poll) {
      clearInterval(this.poll);
      this.poll = undefined;
    }
  }

  dispose(): void {
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.subscription.dispose();
    this.changed.dispose();
  }
}
