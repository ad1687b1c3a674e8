// Discard of an interrupted or failed job: removes the hidden temporary output its runs left
// beside the output (`.<name>.kdm-tmp-<job>`, which also holds an export's downloaded files) and
// says what it removed. It never touches the published output, and keeps what only looks like
// scratch but may be the user's data: `.<name>.kdm-old-<job>` is an earlier output moved aside
// during a swap, the only copy of it if the swap was cut short. The journal and log go last.
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { JournalRecord } from '../engine/journal';

/** The engine's hidden sibling name (src/formats/fileOutput.ts, not imported: it pulls the writers in). */
export function hiddenSibling(finalPath: string, kind: 'tmp' | 'old', jobId: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.kdm-${kind}-${jobId}`);
}

export interface DiscardReport {
  removed: Array<{ path: string; files: number; bytes: number }>;
  /** Things left in place on purpose, each with why. */
  kept: string[];
}

async function measure(path: string): Promise<{ files: number; bytes: number }> {
  const stat = await fs.lstat(path);
  if (!stat.isDirectory()) return { files: 1, bytes: stat.size };
  let files = 0;
  let bytes = 0;
  for (const name of await fs.readdir(path)) {
    const inner = await measure(join(path, name));
    files += inner.files;
    bytes += inner.bytes;
  }
  return { files, bytes };
}

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(
    () => true,
    () => false,
  );
}

/** Removes the job's hidden temporary output and then its folder in the jobs folder. */
export async function discardJob(jobsDir: string, record: JournalRecord): Promise<DiscardReport> {
  const report: DiscardReport = { removed: [], kept: [] };
  const { spec } = record;
  const destination = spec.destination;
  if (destination.kind === 'files' && destination.location.kind === 'local') {
    const temp = hiddenSibling(destination.location.path, 'tmp', spec.id);
    if (await exists(temp)) {
      const size = await measure(temp);
      await fs.rm(temp, { recursive: true, force: true, maxRetries: 3 });
      report.removed.push({ path: temp, ...size });
    }
    const old = hiddenSibling(destination.location.path, 'old', spec.id);
    if (await exists(old)) report.kept.push(`${old}: an earlier output moved aside while being replaced (kept: it may be the only copy)`);
  } else if (destination.kind === 'files' && destination.location.kind === 'blob') {
    report.kept.push(`${destination.location.url}: temporary blobs in remote storage are not removed from the window (Resume or Rerun replaces them)`);
  }
  if (record.export?.files?.length && !record.export.cleanedUp && record.export.storage?.kind === 'staging') report.kept.push(`${record.export.files.length} exported files in your staging (${record.export.folderUrl ?? 'staging'}): delete them there, or Resume to reuse them`);
  const sink = await fs.readFile(join(jobsDir, spec.id, 'sink-state.json'), 'utf8').then((t) => JSON.parse(t) as { tempTable?: string; transactionPhase?: string }, () => undefined);
  if (destination.kind === 'kustoTable' && sink?.tempTable && sink.transactionPhase !== 'done') report.kept.push(`the temp table ${sink.tempTable} in ${destination.connection.database} (drop it with .drop table ${sink.tempTable} ifexists, or Resume to finish the move)`);
  await fs.rm(join(jobsDir, spec.id), { recursive: true, force: true, maxRetries: 3 });
  return report;
}

export function describeDiscard(jobId: string, report: DiscardReport): string {
  const removed = report.removed.length === 0 ? 'no hidden temporary output was left' : `removed ${report.removed.map((r) => `${r.path} (${r.files} file${r.files === 1 ? '' : 's'}, ${r.bytes.toLocaleString('en-US')} bytes)`).join(', ')}`;
  const kept = report.kept.length > 0 ? ` Kept: ${report.kept.join('; ')}.` : '';
  return `Discarded job ${jobId}: ${removed}, and its journal and log. The output itself was not touched.${kept}`;
}
