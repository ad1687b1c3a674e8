// The stream read mode: run the query, parse the v2 frames as they arrive and write them through a
// FileOutput (temp names, renamed at commit). A transient fault mid-way restarts the query and
// the output from scratch: a query has no stable position to resume from, and the temp-then-rename
// output guarantees that nothing of the failed attempt is ever visible.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { type FileOutput, type FileOutputSummary, hiddenSiblingPath } from '../formats/fileOutput';
import { KustoError } from '../kusto/kustoError';
import type { ParquetSpanOptions, TextSpanOptions } from '../kusto/queryEvents';
import { streamQuery } from '../kusto/streamingQueryReader';
import { DEFAULT_PAGE_BYTES } from '../formats/parquet/parquetWriter';
import { finishPublishing } from '../spark/outputFolder';
import { openFileOutput } from '../spark/sparkFolderWriter';
import type { FilesDestination, JobOptions, KustoQuerySource } from './jobSpec';
import type { ColumnSchema } from './rows';
import { withRetries } from './retry';
import type { StepEnvironment } from './stepEnvironment';

export function localDestinationPath(destination: FilesDestination): string {
  if (destination.location.kind !== 'local') throw new Error('this step writes to a local folder');
  return resolve(destination.location.path);
}

/** The query as sent: `set notruncation;` first unless the job opts out (a copy wants every row). */
export function queryText(source: KustoQuerySource): string {
  const query = source.query.trim();
  return source.noTruncation === false || /^\s*set\s+notruncation\s*;/i.test(query) ? query : `set notruncation;\n${query}`;
}

/**
 * A previous run was killed while committing: the output it published, or finished publishing
 * now from its complete temp folder (Spark folder: the marker names the run's output; single
 * file: the temp file is gone, or is the same file as the final one, so the rename was done).
 * Undefined when nothing complete of that run is left: write it again.
 */
export async function publishedByEarlierRun(env: StepEnvironment, destination: FilesDestination): Promise<FileOutputSummary | undefined> {
  const { spec, journal } = env;
  const path = localDestinationPath(destination);
  const ifExists = destination.ifExists ?? 'fail';
  if ((destination.layout ?? 'sparkFolder') === 'sparkFolder') {
    const outputId = journal.record.outputId;
    const marker = outputId ? await finishPublishing(path, spec.id, outputId, ifExists) : undefined;
    return marker && { rows: marker.rows, bytes: marker.bytes, files: marker.files.map((f) => resolve(path, f)) };
  }
  const temp = hiddenSiblingPath(path, 'tmp', spec.id);
  const [final, pending] = await Promise.all([fs.stat(path).catch(() => undefined), fs.stat(temp).catch(() => undefined)]);
  if (!final?.isFile() || (pending && pending.ino !== final.ino)) return undefined;
  if (pending) await fs.unlink(temp); // "fail" links then unlinks: killed in between
  return { rows: journal.record.result?.rows ?? 0, bytes: final.size, files: [path] };
}

/**
 * Parquet output takes rows parsed straight from the response's bytes. Without partitions, as row
 * groups: on the job's thread by default, or on options.parseWorkers worker threads (opt-in: on
 * the 2-core machines measured they add about 100 MB of peak memory each for little gain). With
 * partitions, as column buffers the output routes to partition files (on the job's thread), where
 * the partition columns' types allow it (partitionedSpans.ts).
 */
function parquetSpansFor(options: JobOptions | undefined, destination: FilesDestination): ParquetSpanOptions | undefined {
  if (destination.format !== 'parquet') return undefined;
  const codec = destination.compression === 'none' || destination.compression === 'gzip' ? destination.compression : 'snappy';
  const maxRowsPerFile = (destination.maxRowsPerFile ?? 0) > 0 ? destination.maxRowsPerFile : undefined;
  const partitionBy = destination.partitionBy?.length ? destination.partitionBy : undefined;
  return { codec, pageBytes: DEFAULT_PAGE_BYTES, spanBytes: options?.spanBytes, workers: options?.parseWorkers ?? 0, maxRowsPerFile, partitionBy };
}

/** CSV and JSON lines without partitions or a rows-per-file limit: text written straight from the response's bytes. */
function textSpansFor(destination: FilesDestination): TextSpanOptions | undefined {
  if (destination.format === 'parquet' || (destination.partitionBy?.length ?? 0) > 0 || (destination.maxRowsPerFile ?? 0) > 0) return undefined;
  return { format: destination.format };
}

export async function streamToFiles(env: StepEnvironment, source: KustoQuerySource, destination: FilesDestination): Promise<FileOutputSummary> {
  const { spec, journal, tracker, log, signal } = env;
  const finalPath = localDestinationPath(destination);
  // A run killed while writing leaves its hidden temp sibling behind: nobody else reads it.
  await fs.rm(hiddenSiblingPath(finalPath, 'tmp', spec.id), { recursive: true, force: true });

  let outputId = randomUUID();
  const open = (columns: ColumnSchema[]): Promise<FileOutput> => {
    outputId = randomUUID();
    return openFileOutput({
      folder: finalPath,
      layout: destination.layout ?? 'sparkFolder',
      format: destination.format,
      columns,
      compression: destination.compression === 'zstd' ? undefined : destination.compression,
      partitionBy: destination.partitionBy,
      maxRowsPerFile: destination.maxRowsPerFile,
      jobId: spec.id,
      ifExists: destination.ifExists ?? 'fail',
      signal,
      outputId,
    });
  };

  return withRetries(
    async (attempt) => {
      if (attempt > 1) tracker.resetRows();
      tracker.setPhase('reading', attempt > 1 ? `attempt ${attempt}` : undefined);
      let output: FileOutput | undefined;
      let columns: ColumnSchema[] | undefined;
      try {
        for await (const event of streamQuery({
          clusterUrl: source.connection.clusterUrl,
          database: source.connection.database,
          query: queryText(source),
          tokenProvider: env.tokenProvider,
          signal,
          serverTimeoutMs: spec.options?.queryTimeoutMs,
          onBytes: (bytes) => (tracker.bytes += bytes),
          parquetSpans: parquetSpansFor(spec.options, destination),
          textSpans: textSpansFor(destination),
        })) {
          switch (event.kind) {
            case 'table':
              if (output) throw new KustoError({ code: 'MultipleResultSets', message: 'the query returns more than one result set; a copy writes exactly one (remove the extra statements, or fork)' });
              columns = event.columns;
              output = await open(columns);
              tracker.setPhase('writing');
              break;
            case 'rows':
              await (output as FileOutput).write(event.rows);
              tracker.addRows(event.rows.length);
              break;
            case 'encodedRows':
              await (output as FileOutput).writeRowGroup(event.group);
              tracker.addRows(event.rows - event.announced);
              break;
            case 'parsedColumns':
              await (output as FileOutput).writeColumns(event.columns, event.rows);
              tracker.addRows(event.rows - event.announced);
              break;
            case 'encodedText':
              await (output as FileOutput).writeText(event.text, event.rows, event.release);
              tracker.addRows(event.rows - event.announced);
              break;
            case 'rowsParsed':
              tracker.addRows(event.rows);
              break;
            case 'replace':
              // Progressive results may redo a table from the start: so does the output.
              await output?.abort();
              output = await open(columns ?? []);
              tracker.resetRows();
              break;
            case 'progress':
              tracker.fraction = event.percent / 100;
              break;
            case 'done':
              if (event.cancelled) throw new KustoError({ code: 'QueryCancelled', message: 'the service cancelled the query', permanent: true });
              break;
            case 'tableEnd':
              break;
          }
        }
        if (!output) throw new KustoError({ code: 'NoResultSet', message: 'the query returned no result set', permanent: true });
        // Rows are known before the rename: a run killed right after it can still report them.
        await journal.update({ phase: 'committing', outputId, result: { rows: tracker.rows, bytes: 0, files: [], seconds: 0 } });
        tracker.setPhase('committing');
        const summary = await output.commit();
        tracker.files = summary.files.length;
        return summary;
      } catch (err) {
        await output?.abort();
        throw err;
      }
    },
    {
      policy: env.retryPolicy,
      signal,
      onRetry: ({ attempt, delayMs, error }) => log.warn(`attempt ${attempt} failed (${(error as Error).message}); retrying in ${delayMs} ms`),
    },
  );
}
