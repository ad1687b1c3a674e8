import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CredentialResolver, JobLogger, ProgressEvent } from '../engine/jobContext';
import type { JobSpec } from '../engine/jobSpec';
import type { JobResult } from '../engine/runner';
import { windowSecrets } from './credentials';
import { jobsDir, loadEngine } from './engine';
import { getLog } from './log';

const phaseLabels: Record<ProgressEvent['phase'], string> = {
  planning: 'Planning',
  estimating: 'Estimating the result size',
  reading: 'Reading',
  writing: 'Writing',
  exporting: 'Exporting on the cluster',
  downloading: 'Downloading',
  uploading: 'Uploading',
  ingesting: 'Ingesting',
  committing: 'Committing',
  cleaning: 'Cleaning up',
  done: 'Done',
};

/** "1 file", "3 files". */
export function files(n: number): string {
  return `${n.toLocaleString('en-US')} file${n === 1 ? '' : 's'}`;
}

export function describeProgress(e: ProgressEvent): string {
  const parts: string[] = [phaseLabels[e.phase]];
  if (e.rows) parts.push(`${e.rows.toLocaleString('en-US')} rows`);
  if (e.filesTotal) parts.push(`${e.files ?? 0}/${e.filesTotal} files`);
  else if (e.files) parts.push(`${e.files} files`);
  if (e.rate && e.rows) parts.push(`${Math.round(e.rate).toLocaleString('en-US')} rows/s`);
  if (e.etaSeconds !== undefined) parts.push(`about ${e.etaSeconds} s left`);
  return e.message ? `${parts.join(', ')} (${e.message})` : parts.join(', ');
}

function summarize(result: JobResult): string {
  const seconds = `${result.seconds.toFixed(1)} s`;
  if (result.state === 'succeeded' && result.direction === 'filesToKusto') return `${files(result.files.length)}${result.rows > 0 ? ` (${result.rows.toLocaleString('en-US')} rows)` : ''} ingested in ${seconds}.`;
  if (result.state === 'succeeded') return `${result.rows.toLocaleString('en-US')} rows copied into ${files(result.files.length)} in ${seconds}${result.readMode ? ` (${result.readMode})` : ''}.`;
  if (result.state === 'canceled') return 'Cancelled; nothing partial was left in the output. Resume it from the Jobs view.';
  return `Failed: ${result.error ?? 'unknown error'}`;
}

/** Runs copy jobs in this window: a cancellable notification, the log, and the Jobs view. */
export class JobRunner implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a job starts, ends or its journal changes, so the Jobs view refreshes. */
  readonly onDidChangeJobs = this.changed.event;
  private readonly running = new Set<string>();

  constructor(private readonly context: vscode.ExtensionContext, private readonly credentials: CredentialResolver) {}

  runningJobIds(): string[] {
    return [...this.running];
  }

  run(spec: JobSpec): Promise<JobResult | undefined> {
    return this.execute(spec.id, spec.name ?? spec.id, (engine, options) => engine.runJob(spec, options));
  }

  resume(jobId: string): Promise<JobResult | undefined> {
    return this.execute(jobId, jobId, (engine, options) => engine.resumeJob(jobId, options));
  }

  private async execute(
    jobId: string,
    title: string,
    start: (engine: ReturnType<typeof loadEngine>, options: Parameters<ReturnType<typeof loadEngine>['runJob']>[1]) => Promise<JobResult>,
  ): Promise<JobResult | undefined> {
    if (this.running.has(jobId)) {
      void vscode.window.showWarningMessage(`Job ${jobId} is already running in this window.`);
      return undefined;
    }
    const log = getLog();
    const engine = loadEngine(this.context);
    const logger: JobLogger = {
      info: (m) => log.info(`[${jobId}] ${m}`),
      warn: (m) => log.warn(`[${jobId}] ${m}`),
      error: (m) => log.error(`[${jobId}] ${m}`),
      debug: (m) => log.debug(`[${jobId}] ${m}`),
    };
    this.running.add(jobId);
    this.changed.fire();
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Kusto Data Mover: ${title}`, cancellable: true },
        async (progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          return start(engine, {
            jobsDir: jobsDir(this.context),
            signal: controller.signal,
            credentials: this.credentials,
            secrets: windowSecrets(this.context.secrets),
            log: logger,
            onProgress: (event) => progress.report({ message: describeProgress(event) }),
          });
        },
      );
      const summary = summarize(result);
      log.info(`[${jobId}] ${result.state}: ${summary}`);
      void this.announce(result, title, summary);
      return result;
    } catch (err) {
      // Bad specs and a job running elsewhere are user errors: a message, never a stack trace.
      const message = engine.redactSecrets((err as Error).message ?? String(err));
      log.error(`[${jobId}] ${message}`);
      void vscode.window.showErrorMessage(`Kusto Data Mover: ${message}`);
      return undefined;
    } finally {
      this.running.delete(jobId);
      this.changed.fire();
    }
  }

  private async announce(result: JobResult, title: string, summary: string): Promise<void> {
    const text = `Kusto Data Mover: ${title}: ${summary}`;
    if (result.state === 'failed') {
      const choice = await vscode.window.showErrorMessage(text, 'Show Log', 'Resume');
      if (choice === 'Show Log') getLog().show();
      if (choice === 'Resume') void this.resume(result.jobId);
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
    this.changed.dispose();
  }
}

export async function revealOutput(path: string | undefined): Promise<void> {
  if (!path) return;
  await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(path)).then(undefined, () =>
    vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(path)),
  );
}
