// The read-only details of one job (the Jobs view's "Show Details"): its state, route, timings,
// figures per phase, the error with its likely cause and what to do, and its spec with secrets
// redacted. A pure function over what the journal reader gives, so it is tested without VS Code
// and costs nothing until a job is selected.
import type { ProgressEvent } from '../engine/jobContext';
import { redactSecrets } from '../engine/redact';
import type { JobEntry } from './journalReader';
import { describeJob, formatBytes, type JobViewState, stateLabels } from './jobStatusText';

export interface Advice {
  cause: string;
  action: string;
}

/** What most likely went wrong and what to do about it, from the state, error code and message. */
export function adviceFor(state: JobViewState, error: string | undefined, errorCode: string | undefined, failedFiles: number): Advice | undefined {
  if (state === 'interrupted') return { cause: 'the job process ended without finishing (killed, crashed, or the machine restarted).', action: 'Resume Job continues from the journal without duplicating rows and removes the hidden temporary output; Discard Job removes that temporary output instead.' };
  if (state === 'canceled') return { cause: error && error !== 'the job was cancelled' ? error : 'the job was cancelled.', action: 'Resume Job continues it; nothing partial is in the output.' };
  if (state !== 'failed') return undefined;
  const text = error ?? '';
  if (errorCode === 'SIGN_IN_REQUIRED' || /sign[ -]?in|access token/i.test(text)) return { cause: 'the job needed a new access token and no window could give one (or the sign-in lapsed).', action: 'Sign in to the connection (Connections view), then Resume Job.' };
  if (/\b403\b|forbidden|not authori[sz]ed|privilege|permission/i.test(text)) return { cause: 'the principal lacks a role the job needs on the database or table.', action: 'Ask an admin for the role named in the error (Test Connection shows what you have), then Resume Job.' };
  if (/\b401\b|unauthori[sz]ed/i.test(text)) return { cause: 'the cluster refused the credential.', action: 'Check the connection\'s sign-in (Test Connection), then Resume Job.' };
  if (failedFiles > 0) return { cause: `${failedFiles} file${failedFiles === 1 ? '' : 's'} failed to ingest (the service's reason is under each file).`, action: 'Fix or remove the failed files, then Resume Job: files already ingested are skipped.' };
  if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|ECONNRESET|socket hang up|network/i.test(text)) return { cause: 'the cluster or the storage could not be reached.', action: 'Check the URL and the network, then Resume Job.' };
  if (/JobSpec|not a valid|invalid/i.test(text)) return { cause: 'the job\'s spec or its input was refused.', action: 'Edit Job as JSON, fix the field named in the error, and run it with Run Copy Job from JSON File.' };
  return { cause: text || 'unknown (see the job log).', action: 'Open Job Log for the full account; fix the cause, then Resume Job.' };
}

function duration(fromIso: string, toIso: string | undefined): string | undefined {
  if (!toIso) return undefined;
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  return Number.isFinite(ms) && ms >= 0 ? `${(ms / 1000).toFixed(1)} s` : undefined;
}

function location(l: { kind: 'local'; path: string } | { kind: 'blob'; url: string }): string {
  return l.kind === 'local' ? l.path : l.url;
}

/** Markdown for the details view. */
export function jobDetailsText(jobId: string, entry: JobEntry | undefined, state: JobViewState, progress?: ProgressEvent): string {
  const out: string[] = [];
  const record = entry?.record;
  out.push(`# ${record?.spec.name ?? jobId}`, '');
  out.push(`- **State:** ${stateLabels[state]}${state === 'running' || state === 'cancelling' ? ` (${describeJob(state, entry, progress)})` : ''}`);
  out.push(`- **Job id:** ${jobId}`);
  if (!record) {
    out.push('', 'This job is queued in this window and has no journal yet.');
    return redactSecrets(out.join('\n')) + '\n';
  }
  const { spec } = record;
  const from = spec.source.kind === 'kustoQuery' ? `${spec.source.connection.clusterUrl} / ${spec.source.connection.database}` : `${location(spec.source.location)} (${spec.source.format ?? 'auto'})`;
  const to = spec.destination.kind === 'kustoTable' ? `${spec.destination.connection.clusterUrl} / ${spec.destination.connection.database}.${spec.destination.table} (${spec.destination.mode ?? 'queued'})` : `${location(spec.destination.location)} (${spec.destination.format}, ${spec.destination.layout ?? 'sparkFolder'})`;
  out.push(`- **From:** ${from}`, `- **To:** ${to}`);
  if (spec.source.kind === 'kustoQuery') out.push(`- **Query:** \`${spec.source.query.replace(/`/g, "'").replace(/\s+/g, ' ').slice(0, 400)}\``);

  out.push('', '## Timings', '');
  out.push(`- **Started:** ${record.startedAt}${record.runs > 1 ? ` (run ${record.runs})` : ''}`);
  const ended = entry?.result?.endedAt ?? (record.state !== 'running' ? record.updatedAt : undefined);
  if (ended) out.push(`- **Ended:** ${ended}`);
  else out.push(`- **Last update:** ${record.updatedAt}`);
  const took = entry?.result ? `${entry.result.seconds.toFixed(1)} s (this run)` : duration(record.startedAt, ended);
  if (took) out.push(`- **Took:** ${took}`);
  if (record.state === 'running' && record.pid) out.push(`- **Process:** ${record.pid}${entry?.processAlive ? '' : ' (gone)'}`);

  out.push('', '## Figures by phase', '');
  out.push(`- **Phase in the journal:** ${record.phase}`);
  if (record.readMode || record.estimatedRows !== undefined) out.push(`- **Planning:** read mode ${record.readMode ?? 'not chosen yet'}${record.estimatedRows !== undefined ? `, about ${record.estimatedRows.toLocaleString('en-US')} rows estimated` : ''}`);
  const ex = record.export;
  if (ex) {
    const rows = (ex.files ?? []).reduce((a, f) => a + f.rows, 0);
    const bytes = (ex.files ?? []).reduce((a, f) => a + f.bytes, 0);
    out.push(`- **Exporting:** ${ex.files ? `${ex.files.length} exported files, ${rows.toLocaleString('en-US')} rows, ${formatBytes(bytes)}` : 'not finished'}${ex.storage ? ` via ${ex.storage.kind} storage (${ex.storage.reason})` : ''}${ex.reused ? ', reused from an earlier run' : ''}`);
    if (ex.files) out.push(`- **Downloading:** ${(ex.downloaded ?? []).length} of ${ex.files.length} files in place`);
  }
  const result = entry?.result ?? (record.result && { ...record.result, warnings: [] as string[] });
  if (result && spec.destination.kind === 'files') out.push(`- **Writing:** ${result.rows.toLocaleString('en-US')} rows, ${formatBytes(result.bytes)}, ${result.files.length} file${result.files.length === 1 ? '' : 's'}`);
  const fileResults = entry?.result?.fileResults ?? [];
  if (spec.destination.kind === 'kustoTable' && (fileResults.length > 0 || result)) {
    const counts = new Map<string, number>();
    for (const f of fileResults) counts.set(f.status, (counts.get(f.status) ?? 0) + 1);
    const byStatus = [...counts].map(([s, n]) => `${n} ${s.toLowerCase()}`).join(', ');
    out.push(`- **Ingesting:** ${fileResults.length > 0 ? `${fileResults.length} files: ${byStatus}` : `${result?.files.length ?? 0} files`}${result && result.rows > 0 ? `, ${result.rows.toLocaleString('en-US')} rows` : ''}`);
  }
  if (progress && (state === 'running' || state === 'cancelling')) out.push(`- **Now (${progress.phase}):** ${describeJob('running', entry, progress)}`);

  const error = entry?.result?.error ?? record.error;
  const advice = adviceFor(state, error, entry?.result?.errorCode, fileResults.filter((f) => f.status === 'Failed').length);
  if (error || advice) {
    out.push('', state === 'failed' ? '## Error' : '## Why it stopped', '');
    if (error) out.push(`- **Message:** ${error}`);
    if (entry?.result?.errorCode) out.push(`- **Code:** ${entry.result.errorCode}`);
    if (advice) out.push(`- **Likely cause:** ${advice.cause}`, `- **What to do:** ${advice.action}`);
    for (const f of fileResults.filter((x) => x.status === 'Failed').slice(0, 20)) out.push(`- **${f.relativePath}:** ${f.details ?? 'failed'}`);
  }
  const warnings = entry?.result?.warnings ?? [];
  if (warnings.length > 0) {
    out.push('', `## Warnings (${warnings.length})`, '');
    for (const w of warnings.slice(0, 20)) out.push(`- ${w}`);
  }

  out.push('', '## Spec (secrets redacted)', '', '```json', JSON.stringify(spec, null, 2), '```');
  // Shapes of secrets (SAS signatures, keys, tokens) never reach the view, wherever they hide.
  return redactSecrets(out.join('\n')) + '\n';
}
