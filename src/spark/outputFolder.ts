// A finished output folder carries `_kdm_output.json` (Spark and our reader skip `_` names): which
// job and which run wrote it, its rows and files. It is written into the hidden temp folder before
// `_SUCCESS`, so a temp folder with both is complete, and a final folder whose marker names this
// run is our own published output. `ifExists: "replace"` replaces only a folder that is
// recognisably an earlier output: our marker, or a Spark output folder holding nothing but Spark's
// own files. Anything else (a folder of the user's files) is refused, never deleted.
import { promises as fs } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { type IfExists, OutputExistsError, hiddenSiblingPath, pathExists } from '../formats/fileOutput';

export const OUTPUT_MARKER = '_kdm_output.json';
const WRITTEN_BY = 'kusto-data-mover';

export interface OutputMarker {
  writtenBy: typeof WRITTEN_BY;
  jobId: string;
  /** One per output written: a resume tells this run's output from an earlier run's. */
  outputId: string;
  rows: number;
  bytes: number;
  /** Data files, relative to the folder, "/"-separated. */
  files: string[];
}

export class OutputNotReplaceableError extends Error {
  readonly code = 'OutputNotReplaceable';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(
      `will not replace ${path}: ${reason}. "replace" only replaces an earlier output of Kusto Data Mover or a Spark output folder; ` +
        'choose a new or empty folder, or remove this one yourself if you mean to replace it',
    );
    this.name = 'OutputNotReplaceableError';
  }
}

export async function writeOutputMarker(folder: string, marker: Omit<OutputMarker, 'writtenBy'>): Promise<void> {
  await fs.writeFile(join(folder, OUTPUT_MARKER), JSON.stringify({ writtenBy: WRITTEN_BY, ...marker }));
}

export async function readOutputMarker(folder: string): Promise<OutputMarker | undefined> {
  try {
    const value = JSON.parse(await fs.readFile(join(folder, OUTPUT_MARKER), 'utf8')) as Partial<OutputMarker>;
    if (value.writtenBy !== WRITTEN_BY || typeof value.jobId !== 'string' || typeof value.outputId !== 'string' || !Array.isArray(value.files)) return undefined;
    return value as OutputMarker;
  } catch {
    return undefined;
  }
}

/** Names Spark itself writes into an output folder (Hadoop's committers, checksums, the streaming sink's log), and our marker. */
function isOutputFileName(name: string): boolean {
  return /^part-/.test(name) || /^\..*\.crc$/.test(name) || name === '_SUCCESS' || name === OUTPUT_MARKER || /^_(committed|started)_/.test(name);
}

export interface FolderEntry {
  /** Relative to the folder, "/"-separated. */
  path: string;
  directory: boolean;
}

/**
 * Why a folder holding `entries` is not an output that "replace" may delete, or undefined when it
 * is one: only Spark's own names (and our marker), with _SUCCESS or _spark_metadata at the top.
 */
export function replaceRefusal(entries: readonly FolderEntry[]): string | undefined {
  if (entries.length === 0) return undefined;
  const top = new Set(entries.map((e) => e.path.split('/')[0]));
  const foreign = entries.filter((entry) => {
    const segments = entry.path.split('/');
    // The streaming sink's log and committers' scratch space are Spark's whatever they hold.
    if (segments[0] === '_spark_metadata' || segments[0] === '_temporary') return false;
    const folders = entry.directory ? segments : segments.slice(0, -1);
    if (!folders.every((f) => /^[^=]+=/.test(f))) return true;
    return !entry.directory && !isOutputFileName(segments.at(-1) as string);
  });
  if (foreign.length > 0) {
    const named = foreign.slice(0, 3).map((e) => e.path);
    return `it holds files that are not an output of ours nor Spark's (${named.join(', ')}${foreign.length > 3 ? ', …' : ''})`;
  }
  if (!top.has('_SUCCESS') && !top.has('_spark_metadata')) return 'it holds part files but no _SUCCESS or _spark_metadata, so it is not a finished Spark output';
  return undefined;
}

/** Throws OutputNotReplaceableError unless `folder` is absent, empty, our marked output, or a Spark output folder. */
export async function checkReplaceable(folder: string): Promise<void> {
  let stat;
  try {
    stat = await fs.lstat(folder);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!stat.isDirectory()) throw new OutputNotReplaceableError(folder, 'it is a file, not an output folder');
  if (await readOutputMarker(folder)) return;
  const entries = (await fs.readdir(folder, { recursive: true, withFileTypes: true })).map((e) => ({
    path: relative(folder, join(e.parentPath, e.name)).split(sep).join('/'),
    directory: e.isDirectory(),
  }));
  const refusal = replaceRefusal(entries);
  if (refusal) throw new OutputNotReplaceableError(folder, refusal);
}

/**
 * Moves a complete temp folder to `folder`. With "replace", an existing folder (checked replaceable)
 * is first renamed to a hidden `.kdm-old` sibling, removed after the swap; a run killed between the
 * two renames is finished by `finishPublishing` on resume.
 */
export async function publishFolder(tempFolder: string, folder: string, jobId: string, ifExists: IfExists): Promise<void> {
  const old = hiddenSiblingPath(folder, 'old', jobId);
  if (ifExists === 'fail') {
    // rename() refuses a non-empty target folder, so a folder created meanwhile is not overwritten.
    await fs.rename(tempFolder, folder).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOTEMPTY' || err.code === 'EEXIST' || err.code === 'ENOTDIR' ? new OutputExistsError(folder) : err;
    });
    return;
  }
  if (await pathExists(folder)) {
    await checkReplaceable(folder);
    // An old sibling from a killed run is the earlier output already moved aside.
    await fs.rm(old, { recursive: true, force: true, maxRetries: 3 });
    await fs.rename(folder, old);
  }
  await fs.rename(tempFolder, folder);
  await fs.rm(old, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * After a run was killed while committing: the output it published (its marker is in `folder`), or,
 * when its temp folder is complete (marker + _SUCCESS), the swap finished now. Undefined when the
 * earlier run had not finished writing: the output must be written again.
 */
export async function finishPublishing(folder: string, jobId: string, outputId: string, ifExists: IfExists): Promise<OutputMarker | undefined> {
  const published = await readOutputMarker(folder);
  if (published?.outputId === outputId) {
    await fs.rm(hiddenSiblingPath(folder, 'old', jobId), { recursive: true, force: true, maxRetries: 3 });
    await fs.rm(hiddenSiblingPath(folder, 'tmp', jobId), { recursive: true, force: true, maxRetries: 3 });
    return published;
  }
  const tempFolder = hiddenSiblingPath(folder, 'tmp', jobId);
  const pending = await readOutputMarker(tempFolder);
  if (pending?.outputId !== outputId || !(await pathExists(join(tempFolder, '_SUCCESS')))) return undefined;
  await publishFolder(tempFolder, folder, jobId, ifExists);
  return pending;
}
