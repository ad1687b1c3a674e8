// How a job reads in the Jobs view and the status bar: its state (as task views name them) and a
// one-line description of its progress. Pure functions over the journal, the result file and the
// live progress, so they are tested without VS Code.
import type { ProgressEvent } from '../engine/jobContext';
import type { JobEntry } from './journalReader';

export type JobViewState = 'queued' | 'running' | 'cancelling' | 'canceled' | 'succeeded' | 'succeededWithWarnings' | 'failed' | 'interrupted';

export const stateLabels: Record<JobViewState, string> = {
  queued: 'queued',
  running: 'running',
  cancelling: 'cancelling',
  canceled: 'cancelled',
  succeeded: 'succeeded',
  succeededWithWarnings: 'succeeded with warnings',
  failed: 'failed',
  interrupted: 'interrupted',
};

/** Codicon per state (the names VS Code's task and test views use). */
export const stateIcons: Record<JobViewState, string> = {
  queued: 'clock',
  running: 'sync~spin',
  cancelling: 'loading~spin',
  canceled: 'circle-slash',
  succeeded: 'pass',
  succeededWithWarnings: 'warning',
  failed: 'error',
  interrupted: 'debug-disconnect',
};

/** This window's own view of a job it runs: queued, running, or asked to cancel. */
export type LiveState = 'queued' | 'running' | 'cancelling';

export function viewState(entry: JobEntry | undefined, live: LiveState | undefined): JobViewState {
  if (live) return live;
  if (!entry) return 'queued';
  const { record } = entry;
  if (record.state === 'running') return entry.processAlive ? 'running' : 'interrupted';
  if (record.state === 'succeeded') return (entry.result?.warnings.length ?? 0) > 0 ? 'succeededWithWarnings' : 'succeeded';
  return record.state;
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KB`;
  return `${n} B`;
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return Math.round(n).toLocaleString('en-US');
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** Share done (0..100) where a total is known: the row estimate, or the file count. */
export function percentDone(progress: ProgressEvent | undefined, estimatedRows: number | undefined): number | undefined {
  if (!progress) return undefined;
  if (progress.filesTotal) return Math.min(100, Math.floor(((progress.files ?? 0) / progress.filesTotal) * 100));
  if (estimatedRows && progress.rows !== undefined) return Math.min(99, Math.floor((progress.rows / estimatedRows) * 100));
  return undefined;
}

/** Overall percent of running jobs (the status bar), or undefined when one of them has no total. */
export function overallPercent(jobs: ReadonlyArray<{ jobId: string; progress?: ProgressEvent }>, estimatedRows: (jobId: string) => number | undefined): number | undefined {
  if (jobs.length === 0) return undefined;
  const percents = jobs.map((j) => percentDone(j.progress, estimatedRows(j.jobId)));
  if (percents.some((p) => p === undefined)) return undefined;
  return Math.floor((percents as number[]).reduce((a, b) => a + b, 0) / percents.length);
}

/** "42% · 1.20M rows · 35.0 MB · 210k rows/s · 12 s left", or the outcome of a finished job. */
export function describeJob(state: JobViewState, entry: JobEntry | undefined, progress: ProgressEvent | undefined): string {
  const label = stateLabels[state];
  if (state === 'running' || state === 'cancelling') {
    if (!progress) return entry ? `${label} · ${entry.record.phase}` : label;
    const parts: string[] = [];
    const percent = percentDone(progress, entry?.record.estimatedRows);
    if (percent !== undefined) parts.push(`${percent}%`);
    // A streamed copy's total is the planner's row estimate (kept in the journal).
    const total = entry?.record.estimatedRows;
    if (progress.rows) parts.push(total && !progress.filesTotal ? `${formatCount(progress.rows)} of ${formatCount(total)} rows` : `${formatCount(progress.rows)} rows`);
    if (progress.filesTotal) parts.push(`${progress.files ?? 0}/${progress.filesTotal} files`);
    else if (progress.files) parts.push(`${progress.files} files`);
    if (progress.bytes) parts.push(formatBytes(progress.bytes));
    if (progress.rate && progress.rows) parts.push(`${formatCount(progress.rate)} rows/s`);
    if (progress.etaSeconds !== undefined) parts.push(`${formatDuration(progress.etaSeconds)} left`);
    if (parts.length === 0) parts.push(progress.phase);
    return state === 'cancelling' ? `${label} · ${parts.join(' · ')}` : parts.join(' · ');
  }
  const result = entry?.result ?? entry?.record.result;
  if ((state === 'succeeded' || state === 'succeededWithWarnings') && result) {
    const what = entry?.record.spec.source.kind === 'files' ? `${result.files.length} file${result.files.length === 1 ? '' : 's'}` : `${result.rows.toLocaleString('en-US')} rows`;
    const warnings = entry?.result?.warnings.length ? ` · ${entry.result.warnings.length} warning${entry.result.warnings.length === 1 ? '' : 's'}` : '';
    return `${label} · ${what}${warnings}`;
  }
  // A failed job reads "failed", never "failed · planning": the phase it stopped in is in the tooltip.
  return label;
}
