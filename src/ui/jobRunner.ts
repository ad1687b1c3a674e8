import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CredentialResolver, ProgressEvent } from '../engine/jobContext';
import type { JobSpec } from '../engine/jobSpec';
import type { JobResult } from '../engine/runner';
import { JobProcess, JobProcessExitedError } from '../jobHost/jobProcessClient';
import { authIdOf, JobsFolderReader, storageCredentialIdsOf } from '../jobHost/journalReader';
import type { LiveState } from '../jobHost/jobStatusText';
import type { JobRequest } from '../jobHost/protocol';
import { windowSecrets } from './credentials';
import { jobsDir } from './engine';
import { getLog } from './log';
import { noteInterruptedOnce } from './jobLogNote';

/** "1 file", "3 files". */
export function files(n: number): string {
  return `${n.toLocaleString('en-US')} file${n === 1 ? '' : 's'}`;
}

function summarize(result: JobResult): string {
  const seconds = `${result.seconds.toFixed(1)} s`;
  if (result.state === 'succeeded' && result.direction === 'filesToKusto') return `${files(result.files.length)}${result.rows > 0 ? ` (${result.rows.toLocaleString('en-US')} rows)` : ''} ingested in ${seconds}.`;
  if (result.state === 'succeeded') return `${result.rows.toLocaleString('en-US')} rows copied into ${files(result.files.length)} in ${seconds}${result.readMode ? ` (${result.readMode})` : ''}.`;
  if (result.state === 'canceled') return 'Cancelled; nothing partial was left in the output. Resume it from the Jobs view.';
  return `Failed: ${result.error ?? 'unknown error'}`;
}


export interface LiveJob {
  jobId: string;
  title: string;
  state: LiveState;
  progress?: ProgressEvent;
  process?: JobProcess;
}

/** How often the Jobs view and the status bar may redraw for progress. */
const REDRAW_MS = 1000;

/**
 * Runs copy jobs for this window, each in a job process of its own (src/jobHost), never on the
 * extension host's thread: a queue bounded by `kustoDataMover.maxConcurrentJobs`, live progress
 * for the Jobs view and the status bar, cancel over the channel, and a message at the end.
 */
export class JobRunner implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a job is queued, starts, ends, or (at most about once a second) progresses. */
  readonly onDidChangeJobs = this.changed.event;
  private readonly live = new Map<string, LiveJob>();
  private readonly waiting: Array<() => void> = [];
  private redrawTimer: ReturnType<typeof setTimeout> | undefined;
  readonly reader: JobsFolderReader;

  constructor(private readonly context: vscode.ExtensionContext, private readonly credentials: CredentialResolver) {
    // The index the last window left lets this one open the Jobs view without reading every journal.
    this.reader = new JobsFolderReader(jobsDir(context), join(context.globalStorageUri.fsPath, 'jobs-view-index.json'));
  }

  liveJobs(): LiveJob[] {
    return [...this.live.values()];
  }

  liveJob(jobId: string): LiveJob | undefined {
    return this.live.get(jobId);
  }

  run(spec: JobSpec): Promise<JobResult | undefined> {
    return this.execute(spec.id, spec.name ?? spec.id, { authId: authIdOf(spec), storageCredentialIds: storageCredentialIdsOf(spec) }, { kind: 'run', spec });
  }

  async resume(jobId: string): Promise<JobResult | undefined> {
    const entry = await this.reader.read(jobId);
    const ids = entry ? { authId: authIdOf(entry.record.spec), storageCredentialIds: storageCredentialIdsOf(entry.record.spec) } : { authId: undefined };
    return this.execute(jobId, entry?.record.spec.name ?? jobId, ids, { kind: 'resume', jobId });
  }

  cancel(jobId: string): void {
    const job = this.live.get(jobId);
    if (!job) return;
    if (job.state === 'queued') {
      this.live.delete(jobId);
      this.release();
    } else {
      job.state = 'cancelling';
      job.process?.cancel();
    }
    this.changed.fire();
  }

  private maxConcurrent(): number {
    const value = vscode.workspace.getConfiguration('kustoDataMover').get<number>('maxConcurrentJobs', 2);
    return Math.max(1, Math.floor(value));
  }

  private async slot(job: LiveJob): Promise<boolean> {
    while ([...this.live.values()].filter((j) => j !== job && j.state !== 'queued').length >= this.maxConcurrent()) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      if (!this.live.has(job.jobId)) return false; // cancelled while queued
    }
    return this.live.has(job.jobId);
  }

  private release(): void {
    for (const wake of this.waiting.splice(0)) wake();
  }

  private scheduleRedraw(): void {
    this.redrawTimer ??= setTimeout(() => {
      this.redrawTimer = undefined;
      this.changed.fire();
    }, REDRAW_MS);
  }

  private async execute(jobId: string, title: string, ids: { authId: string | undefined; storageCredentialIds?: string[] }, request: JobRequest): Promise<JobResult | undefined> {
    const { authId } = ids;
    if (this.live.has(jobId)) {
      void vscode.window.showWarningMessage(`Job ${jobId} is already running in this window.`);
      return undefined;
    }
    const log = getLog();
    const job: LiveJob = { jobId, title, state: 'queued' };
    this.live.set(jobId, job);
    this.changed.fire();
    try {
      if (!(await this.slot(job))) {
        log.info(`[${jobId}] cancelled while queued`);
        return undefined;
      }
      job.state = 'running';
      this.changed.fire();
      const hosted = new JobProcess({
        entry: join(this.context.extensionPath, 'dist', 'jobProcess.js'),
        jobsDir: jobsDir(this.context),
        request,
        authId,
        storageCredentialIds: ids.storageCredentialIds,
        credentials: this.credentials,
        secrets: windowSecrets(this.context.secrets),
        whenWindowCloses: vscode.workspace.getConfiguration('kustoDataMover').get<string>('jobs.whenLastWindowCloses') === 'stopResumably' ? 'stopResumably' : 'continue',
        onProgress: (event) => {
          job.progress = event;
          this.scheduleRedraw();
        },
        onLog: (level, message) => log[level](`[${jobId}] ${message}`),
      });
      job.process = hosted;
      log.info(`[${jobId}] started in job process ${hosted.pid}`);
      const { result, warnings } = await hosted.result;
      const summary = summarize(result) + (warnings.length > 0 ? ` ${warnings.length} warning${warnings.length === 1 ? '' : 's'} (see the log).` : '');
      log.info(`[${jobId}] ${result.state}: ${summary}`);
      void this.announce(result, title, summary, authId);
      return result;
    } catch (err) {
      // Bad specs and a job running elsewhere are user errors: a message, never a stack trace.
      const message = (err as Error).message ?? String(err);
      log.error(`[${jobId}] ${message}`);
      if (err instanceof JobProcessExitedError) await noteInterruptedOnce(this.jobFolder(jobId), message);
      if (err instanceof JobProcessExitedError) void this.offerResume(`Kusto Data Mover: ${title} was interrupted: ${message}`, jobId);
      else void vscode.window.showErrorMessage(`Kusto Data Mover: ${message}`);
      return undefined;
    } finally {
      this.live.delete(jobId);
      this.release();
      this.changed.fire();
    }
  }

  private async offerResume(text: string, jobId: string): Promise<void> {
    const choice = await vscode.window.showWarningMessage(text, 'Resume', 'Show Log');
    if (choice === 'Resume') void this.resume(jobId);
    if (choice === 'Show Log') getLog().show();
  }

  private async announce(result: JobResult, title: string, summary: string, authId?: string): Promise<void> {
    const text = `Kusto Data Mover: ${title}: ${summary}`;
    if (result.state === 'failed') {
      // A job that needs the user to sign in stops resumably; resuming after signing in finishes it.
      const choice = await vscode.window.showErrorMessage(text, result.errorCode === 'SIGN_IN_REQUIRED' ? 'Sign In and Resume' : 'Resume', 'Show Log');
      if (choice === 'Show Log') getLog().show();
      // The user's click is the action that may prompt: sign in as the job's connection, then resume.
      if (choice === 'Sign In and Resume' && authId) await vscode.commands.executeCommand('kustoDataMover.signIn', { kind: 'connection', connection: { id: authId } });
      if (choice === 'Resume' || choice === 'Sign In and Resume') void this.resume(result.jobId);
      return;
    }
    if (result.state === 'canceled') {
      const choice = await vscode.window.showWarningMessage(text, 'Resume');
      if (choice === 'Resume') void this.resume(result.jobId);
      return;
    }
    const actions = result.direction === 'kustoToFiles' && result.files.length > 0 ? ['Reveal Output', 'Show Log'] : ['Show Log'];
    const choice = await vscode.window.showInformationMessage(text, ...actions);
    if (choice === 'Show Log') getLog().show();
    if (choice === 'Reveal Output') await revealOutput(result.files[0]);
  }

  /** Where a job keeps its journal and log. */
  jobFolder(jobId: string): string {
    return join(jobsDir(this.context), jobId);
  }

  dispose(): void {
    if (this.redrawTimer) clearTimeout(this.redrawTimer);
    this.changed.dispose();
  }
}

export async function revealOutput(path: string | undefined): Promise<void> {
  if (!path) return;
  await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(path)).then(undefined, () =>
    vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(path)),
  );
}
