// Reads the commit log a Structured Streaming file sink keeps in `<output>/_spark_metadata/`: only
// the files it lists were committed; anything else in the folder (a task that died, a batch that
// never committed) must not be ingested. Layout, as Spark's FileStreamSinkLog writes it:
//   - one file per batch, named by batch id ("0", "1", ...); every `compactInterval` batches (10 by
//     default) a "<id>.compact" file replaces the batch file and holds every live entry up to it,
//     so older batch files may be deleted;
//   - content: a first line "v1", then one JSON object per line: {path, size, isDir,
//     modificationTime, blockReplication, blockSize, action: "add" | "delete"};
//   - files are written atomically (temp file, then rename), so a visible file is complete; temp
//     files start with "." and are ignored here.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

export const SPARK_METADATA_DIR = '_spark_metadata';

export interface SinkLogEntry {
  /** As Spark recorded it: a URI such as "file:///out/part-0000.parquet" or an abfss:// one. */
  path: string;
  size: number;
  modificationTime: number;
  /** The batch whose log lists the file; for entries read from a compact file, that compact batch. */
  batchId: number;
}

export interface SinkLog {
  entries: SinkLogEntry[];
  /** Highest committed batch id, or -1 when the log is empty. */
  latestBatchId: number;
  /** Batch ids whose log was read (the compact one and every later batch). */
  batchesRead: number[];
}

interface RawEntry {
  path?: unknown;
  size?: unknown;
  isDir?: unknown;
  modificationTime?: unknown;
  action?: unknown;
}

/** Parses one log file's text; throws on a version this reader does not know. */
export function parseSinkLogFile(text: string, batchId: number, fileName: string): Array<SinkLogEntry & { action: 'add' | 'delete' }> {
  const lines = text.split('\n');
  const version = lines[0]?.trim() ?? '';
  const match = /^v(\d+)$/.exec(version);
  if (!match) throw new Error(`${fileName}: not a Spark sink log (first line "${version.slice(0, 20)}")`);
  if (Number(match[1]) > 1) throw new Error(`${fileName}: sink log version ${version} is newer than this reader supports (v1)`);
  const out: Array<SinkLogEntry & { action: 'add' | 'delete' }> = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let raw: RawEntry;
    try {
      raw = JSON.parse(line) as RawEntry;
    } catch {
      throw new Error(`${fileName}: line ${i + 1} is not JSON`);
    }
    if (typeof raw.path !== 'string') throw new Error(`${fileName}: line ${i + 1} has no path`);
    if (raw.isDir === true) continue;
    out.push({
      path: raw.path,
      size: typeof raw.size === 'number' ? raw.size : 0,
      modificationTime: typeof raw.modificationTime === 'number' ? raw.modificationTime : 0,
      batchId,
      action: raw.action === 'delete' ? 'delete' : 'add',
    });
  }
  return out;
}

/** Access to the `_spark_metadata` folder, local or in blob storage. */
export interface SinkLogFolder {
  /** Display name for messages. */
  name: string;
  list(): Promise<string[]>;
  read(fileName: string): Promise<string>;
}

export function localSinkLogFolder(outputDir: string): SinkLogFolder {
  const metadataDir = join(outputDir, SPARK_METADATA_DIR);
  return { name: metadataDir, list: () => fs.readdir(metadataDir), read: (fileName) => fs.readFile(join(metadataDir, fileName), 'utf8') };
}

/** Batch ids present in the log folder: plain ones and compact ones. */
function indexLogFiles(names: string[]): { batches: Map<number, string>; compacts: number[] } {
  const batches = new Map<number, string>();
  const compacts: number[] = [];
  for (const name of names) {
    const m = /^(\d+)(\.compact)?$/.exec(name);
    if (!m) continue;
    const id = Number(m[1]);
    if (m[2]) compacts.push(id);
    // A compact file wins over a plain file of the same batch.
    if (m[2] || !batches.has(id)) batches.set(id, name);
  }
  return { batches, compacts };
}

/**
 * The committed files: entries of the latest compact file plus those of every later batch, with
 * deletions applied. Throws when a batch between the compact file and the latest one is missing
 * (the log would be incomplete, and silently skipping a batch would lose its rows).
 */
export async function readSinkLog(output: string | SinkLogFolder): Promise<SinkLog> {
  const folder = typeof output === 'string' ? localSinkLogFolder(output) : output;
  const { batches, compacts } = indexLogFiles(await folder.list());
  if (batches.size === 0) return { entries: [], latestBatchId: -1, batchesRead: [] };
  const latestBatchId = Math.max(...batches.keys());
  const startAt = compacts.length > 0 ? Math.max(...compacts) : 0;
  const live = new Map<string, SinkLogEntry>();
  const batchesRead: number[] = [];
  for (let id = startAt; id <= latestBatchId; id++) {
    const name = batches.get(id);
    if (!name) throw new Error(`the Spark commit log in ${folder.name} lacks batch ${id} (found up to ${latestBatchId}); it cannot be read completely`);
    const text = await folder.read(name);
    for (const entry of parseSinkLogFile(text, id, name)) {
      if (entry.action === 'delete') live.delete(entry.path);
      else live.set(entry.path, { path: entry.path, size: entry.size, modificationTime: entry.modificationTime, batchId: entry.batchId });
    }
    batchesRead.push(id);
  }
  return { entries: [...live.values()], latestBatchId, batchesRead };
}

/** Turns a logged path URI into a local path ("file:/x", "file:///x", or a bare "/x"); undefined for remote URIs. */
export function localPathOfLogEntry(path: string): string | undefined {
  if (path.startsWith('/')) return path;
  const m = /^file:(\/*)(.*)$/.exec(path);
  if (!m) return undefined;
  return decodeURIComponent(`/${m[2]}`);
}
