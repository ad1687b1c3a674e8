// Finds the files a job ingests: a single file, a glob, or a folder — plain, Spark batch output
// (part files, _SUCCESS, .crc, Hive partitions) or Structured Streaming output (only files listed
// in _spark_metadata) — on local disk or in blob storage (through a FolderTree). Each file gets
// its format, partition values and batch id. Its identity (from its content, its path and its
// partition values) names its `ingest-by:` tag, so that a retry or resume never ingests the same
// rows twice. Listing hashes nothing: a blob's hash comes with the listing, and a local file is
// hashed only when the sink needs it (or its upload reports one), so uploads start right away.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import type { FilesSource } from '../engine/jobSpec';
import { type ByteRangeSource, localByteSource } from '../formats/byteRangeReader';
import { type Compression, type DataFormat, sniffFile } from '../formats/formatSniffReader';
import { globToRegExp, splitGlobPath } from './sparkFolderReaderGlob';
import { parsePartitionFolder, partitionValuesOf } from './hivePartitionPathParser';
import { localPathOfLogEntry, localSinkLogFolder, readSinkLog, type SinkLogFolder, SPARK_METADATA_DIR } from './sparkMetadataLog';

export interface SourceFile {
  /** Absolute local path, or the blob name for a blob source. */
  path: string;
  /** Blob sources: the blob's URL, without any SAS. */
  url?: string;
  /** Path below the source root, "/"-separated (the file name itself for a single file). */
  relativePath: string;
  size: number;
  format: DataFormat;
  compression: Compression;
  /** Hive partition values from the folders above the file (null for __HIVE_DEFAULT_PARTITION__). */
  partitionValues: Record<string, string | null>;
  /** Structured Streaming: the batch that committed the file. */
  batchId?: number;
  /** Blob: "md5:<Content-MD5>" or, without one, "etag:<ETag>", from the listing. Local: not known until hashed (SourceListing.contentHash). */
  contentHash?: string;
  /** "<size>:<last modified, ms>". With the relative path, what says a local file is the one an earlier run of the job saw (a blob goes by its listed hash). */
  fingerprint: string;
}

export type DetectedLayout = 'single' | 'plain' | 'spark' | 'sparkStreaming';

export interface SourceListing {
  root: string;
  layout: DetectedLayout;
  files: SourceFile[];
  /** Partition column names in folder order. */
  partitionColumns: string[];
  warnings: string[];
  /** Structured Streaming: latest committed batch id. */
  latestBatchId?: number;
  /** Random access to a listed file's bytes (footers, samples). */
  open(file: SourceFile): ByteRangeSource;
  /** The file's content hash: the listing's when it has one, else the sha256 of its bytes (hex), computed once. */
  contentHash(file: SourceFile, signal?: AbortSignal): Promise<string>;
}

export interface ListOptions {
  /** Files sniffed at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
}

/** One file found in a tree. */
export interface TreeEntry {
  relativePath: string;
  size: number;
  /** Last modified, ms since the epoch. */
  modifiedMs?: number;
}

/** A folder to list, local or in blob storage. Relative paths use "/". */
export interface FolderTree {
  root: string;
  /** Every file below the root whose path has no ignored segment, sorted by path. */
  files(signal?: AbortSignal): Promise<TreeEntry[]>;
  exists(relativePath: string): Promise<boolean>;
  sinkLog(): SinkLogFolder;
  /** The relative path of a file named in the sink log, when it is in this tree. */
  locateLogged(loggedPath: string, known: Set<string>): string | undefined;
  open(relativePath: string): ByteRangeSource;
  contentHash(entry: TreeEntry, signal?: AbortSignal): Promise<string>;
  /** The tree lists content hashes (blob trees): contentHash costs nothing, so the listing fills SourceFile.contentHash. */
  listsHashes?: boolean;
  /** Set for blob trees. */
  urlOf?(relativePath: string): string;
}

/** Spark (Hadoop's FileInputFormat and Spark's InMemoryFileIndex) ignores these names. */
export function isIgnoredName(name: string): boolean {
  if (name.startsWith('.')) return true;
  if (name.startsWith('_') && !name.includes('=')) return true;
  return name.endsWith('.crc') || name.endsWith('._COPYING_');
}

export async function hashFile(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** 32 hex chars from the content hash, the relative path and the partition values: two equal files in different partitions are different rows. */
export function fileIdentity(contentHash: string, relativePath: string, partitionValues: Record<string, string | null>): string {
  return createHash('sha256').update(`${contentHash}\n${relativePath}\n${JSON.stringify(partitionValues)}`).digest('hex').slice(0, 32);
}

export function identityOf(file: SourceFile, contentHash: string): string {
  return fileIdentity(contentHash, file.relativePath, file.partitionValues);
}

export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** The trailing partition folders and file name of a logged path: where the file is if the output folder moved. */
export function partitionTail(path: string): string {
  const segments = path.split('/');
  const tail: string[] = [segments.pop() ?? ''];
  while (segments.length > 0 && parsePartitionFolder(segments[segments.length - 1])) tail.unshift(segments.pop() as string);
  return tail.join('/');
}

export function localFolderTree(root: string): FolderTree {
  const exists = (path: string): Promise<boolean> =>
    fs.stat(path).then(
      () => true,
      () => false,
    );
  return {
    root,
    async files(signal) {
      const out: TreeEntry[] = [];
      const visit = async (dir: string): Promise<void> => {
        signal?.throwIfAborted();
        const entries = await fs.readdir(dir, { withFileTypes: true });
        entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const entry of entries) {
          if (isIgnoredName(entry.name)) continue;
          const full = join(dir, entry.name);
          if (entry.isDirectory()) await visit(full);
          else if (entry.isFile()) {
            const stat = await fs.stat(full);
            out.push({ relativePath: toPosix(relative(root, full)), size: stat.size, modifiedMs: stat.mtimeMs });
          }
        }
      };
      await visit(root);
      return out;
    },
    exists: (relativePath) => exists(join(root, relativePath)),
    sinkLog: () => localSinkLogFolder(root),
    locateLogged(loggedPath, known) {
      const local = localPathOfLogEntry(loggedPath);
      if (local && resolve(local).startsWith(root + sep)) {
        const rel = toPosix(relative(root, resolve(local)));
        if (known.has(rel)) return rel;
      }
      const tail = partitionTail(local ?? decodeURIComponent(new URL(loggedPath).pathname));
      return known.has(tail) ? tail : undefined;
    },
    open: (relativePath) => localByteSource(join(root, relativePath)),
    contentHash: (entry, signal) => hashFile(join(root, entry.relativePath), signal),
  };
}

/** Lists the files of a FilesSource with a local location. */
export async function listSourceFiles(source: FilesSource, options: ListOptions = {}): Promise<SourceListing> {
  if (source.location.kind !== 'local') throw new Error('listSourceFiles reads local folders; use listBlobSourceFiles for blob sources');
  const split = splitGlobPath(source.location.path);
  const root = resolve(split.base);
  const stat = await fs.stat(root).catch(() => undefined);
  if (!stat) throw Object.assign(new Error(`the source "${root}" does not exist`), { code: 'SourceNotFound' });
  if (stat.isFile()) {
    const tree = localFolderTree(resolve(root, '..'));
    const entry = { relativePath: basename(root), size: stat.size, modifiedMs: stat.mtimeMs };
    return listTree(tree, source, [], options, entry);
  }
  const patterns = [split.pattern, source.pattern].filter((p): p is string => p !== undefined && p !== '');
  return listTree(localFolderTree(root), source, patterns, options);
}

/** The listing of a tree (or of one file in it, `single`), by the rules above. */
export async function listTree(tree: FolderTree, source: FilesSource, patterns: string[], options: ListOptions, single?: TreeEntry): Promise<SourceListing> {
  const warnings: string[] = [];
  const hint = source.format && source.format !== 'auto' ? source.format : undefined;
  let layout: DetectedLayout;
  let candidates: Array<TreeEntry & { batchId?: number }>;
  let latestBatchId: number | undefined;
  if (single) {
    layout = 'single';
    candidates = [single];
  } else {
    const requested = source.layout ?? 'auto';
    const hasLog = await tree.exists(SPARK_METADATA_DIR);
    const all = await tree.files(options.signal);
    if (requested === 'sparkStreaming' || (requested === 'auto' && hasLog)) {
      if (!hasLog) throw new Error(`"${tree.root}" has no ${SPARK_METADATA_DIR} folder: it is not the output of a Spark streaming query`);
      layout = 'sparkStreaming';
      const log = await readSinkLog(tree.sinkLog());
      latestBatchId = log.latestBatchId;
      const byPath = new Map(all.map((e) => [e.relativePath, e]));
      const known = new Set(byPath.keys());
      candidates = [];
      for (const entry of log.entries) {
        const rel = tree.locateLogged(entry.path, known);
        const found = rel === undefined ? undefined : byPath.get(rel);
        if (!found) {
          warnings.push(`committed file ${entry.path} (batch ${entry.batchId}) is missing; it was skipped`);
          continue;
        }
        candidates.push({ ...found, batchId: entry.batchId });
      }
      const listed = new Set(candidates.map((c) => c.relativePath));
      const strays = all.filter((e) => !listed.has(e.relativePath));
      if (strays.length > 0) warnings.push(`${strays.length} file(s) not committed by the streaming query were skipped (e.g. ${strays[0].relativePath})`);
    } else {
      const hasSuccess = await tree.exists('_SUCCESS');
      const looksSpark = hasSuccess || all.some((e) => /^part-/.test(basename(e.relativePath)) || e.relativePath.split('/').slice(0, -1).some((s) => parsePartitionFolder(s)));
      layout = requested === 'spark' || (requested === 'auto' && looksSpark) ? 'spark' : 'plain';
      if (layout === 'spark' && !hasSuccess) warnings.push(`"${tree.root}" has no _SUCCESS file: the Spark job may not have finished writing`);
      candidates = all;
    }
  }
  if (patterns.length > 0 && layout !== 'single') {
    const regexps = patterns.map(globToRegExp);
    candidates = candidates.filter((c) => regexps.every((r) => r.test(c.relativePath)));
  }
  candidates.sort((a, b) => (a.batchId ?? 0) - (b.batchId ?? 0) || (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0));

  const emptyCount = candidates.filter((c) => c.size === 0).length;
  if (emptyCount > 0) warnings.push(`${emptyCount} empty file(s) hold no rows and were skipped`);
  const files = await mapLimit(
    candidates.filter((c) => c.size > 0),
    options.concurrency ?? 4,
    async (candidate): Promise<SourceFile> => {
      const [sniffed, contentHash] = await Promise.all([sniffFile(tree.open(candidate.relativePath), hint), tree.listsHashes ? tree.contentHash(candidate, options.signal) : undefined]);
      const partitionValues = layout === 'single' ? {} : partitionValuesOf(candidate.relativePath);
      return {
        path: tree.urlOf ? candidate.relativePath : join(tree.root, candidate.relativePath),
        url: tree.urlOf?.(candidate.relativePath),
        relativePath: candidate.relativePath,
        size: candidate.size,
        format: sniffed.format,
        compression: sniffed.compression,
        partitionValues,
        batchId: candidate.batchId,
        contentHash,
        fingerprint: `${candidate.size}:${candidate.modifiedMs ?? ''}`,
      };
    },
  );
  const partitionColumns: string[] = [];
  for (const file of files) for (const column of Object.keys(file.partitionValues)) if (!partitionColumns.includes(column)) partitionColumns.push(column);
  const formats = new Set(files.map((f) => f.format));
  if (formats.size > 1) warnings.push(`the source mixes formats (${[...formats].join(', ')}); each file is ingested in its own format`);
  const hashing = new Map<string, Promise<string>>();
  const contentHash = (file: SourceFile, signal?: AbortSignal): Promise<string> => {
    if (file.contentHash !== undefined) return Promise.resolve(file.contentHash);
    let hash = hashing.get(file.relativePath);
    if (!hash) {
      hash = tree.contentHash({ relativePath: file.relativePath, size: file.size }, signal);
      hashing.set(file.relativePath, hash);
      // A failed or cancelled hash is not kept: the next caller hashes again.
      hash.catch(() => hashing.delete(file.relativePath));
    }
    return hash;
  };
  return { root: tree.root, layout, files, partitionColumns, warnings, latestBatchId, open: (file) => tree.open(file.relativePath), contentHash };
}
