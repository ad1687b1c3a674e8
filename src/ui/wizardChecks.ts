// The wizard's host-side checks, as the user types: what can be found wrong before a job exists
// (an unknown host, a missing database, table or source folder, a query the service refuses, an
// output that is there already) is found here and shown inline, not as a failed job.
import { promises as dns } from 'node:dns';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import type { TokenProvider } from '../engine/jobContext';
import type { FilesSource } from '../engine/jobSpec';
import { type SourceSummary, type WizardForm, type WizardValidation, optionsOf, validateWizardForm } from '../webviewProtocol/wizardProtocol';
import type { Engine } from './engine';

/** What the checks need of the engine bundle: a narrow slice, so tests can pass the real one. */
export type WizardEngine = Pick<Engine, 'listDatabases' | 'databaseTables' | 'executeManagement' | 'listSourceFiles'>;

export interface CheckContext {
  engine: WizardEngine;
  tokenProvider?: TokenProvider;
  signal?: AbortSignal;
  /** Look the cluster's host name up (the user left the field, or Run was pressed). */
  resolveHost: boolean;
  /** Cached lookups for this panel (a cluster's databases, a database's tables). */
  cache: Map<string, Promise<string[]>>;
}

/** The message a user reads for an error: the service's own text, without a stack or a code dump. */
export function plainError(err: unknown): string {
  const message = (err as Error)?.message ?? String(err);
  return message.split('\n')[0].replace(/^Error:\s*/, '');
}

/** Looks the host name up; a plain sentence when it does not resolve. */
export async function hostProblem(clusterUrl: string): Promise<string | undefined> {
  let host: string;
  try {
    host = new URL(clusterUrl.trim()).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
  if (!host || isIP(host) || host === 'localhost') return undefined;
  try {
    await dns.lookup(host);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'EAI_NONAME' || code === 'EAI_FAIL' || code === 'EAI_AGAIN') {
      return `No cluster answers to "${host}": check the cluster URL for a typo, or your network.`;
    }
    return `The host "${host}" could not be looked up (${code ?? 'unknown reason'}).`;
  }
}

function cached(ctx: CheckContext, key: string, load: () => Promise<string[]>): Promise<string[]> {
  let found = ctx.cache.get(key);
  if (!found) {
    found = load();
    ctx.cache.set(key, found);
    // A failure is not kept: the next keystroke asks again.
    found.catch(() => ctx.cache.delete(key));
  }
  return found;
}

export function databasesOf(ctx: Pick<CheckContext, 'engine' | 'tokenProvider' | 'cache' | 'signal'>, clusterUrl: string): Promise<string[]> {
  const url = clusterUrl.trim();
  return cached(ctx as CheckContext, `db|${url}`, () => ctx.engine.listDatabases({ clusterUrl: url, tokenProvider: ctx.tokenProvider }));
}

export function tablesOf(ctx: Pick<CheckContext, 'engine' | 'tokenProvider' | 'cache' | 'signal'>, clusterUrl: string, database: string): Promise<string[]> {
  const url = clusterUrl.trim();
  return cached(ctx as CheckContext, `t|${url}|${database}`, async () => (await ctx.engine.databaseTables({ clusterUrl: url, tokenProvider: ctx.tokenProvider }, database)).map((t) => t.name));
}

/** The query's result columns, from `<query> | take 0` (no rows are read); throws the service's error. */
export async function queryColumns(ctx: CheckContext, form: WizardForm): Promise<string[]> {
  const query = form.query.trim().replace(/;\s*$/, '');
  const [first] = await ctx.engine.executeManagement(
    { clusterUrl: form.clusterUrl.trim(), database: form.database.trim(), tokenProvider: ctx.tokenProvider, signal: ctx.signal, serverTimeoutMs: 30_000 },
    `${query}\n| take 0`,
    'v1/rest/query',
  );
  return first?.columns ?? [];
}

/** The local source as the engine's Spark folder reader sees it. */
export async function summarizeSource(engine: WizardEngine, path: string, format: FilesSource['format'], signal?: AbortSignal): Promise<SourceSummary> {
  const listing = await engine.listSourceFiles({ kind: 'files', location: { kind: 'local', path }, format, layout: 'auto' }, { signal });
  const values = new Map<string, Set<string>>();
  for (const column of listing.partitionColumns) values.set(column, new Set());
  for (const file of listing.files) {
    for (const [column, value] of Object.entries(file.partitionValues)) values.get(column)?.add(value ?? 'null');
  }
  const batches = new Set(listing.files.map((f) => f.batchId).filter((b): b is number => b !== undefined));
  return {
    layout: listing.layout,
    files: listing.files.length,
    bytes: listing.files.reduce((sum, f) => sum + f.size, 0),
    formats: [...new Set(listing.files.map((f) => f.format))].sort(),
    partitions: listing.partitionColumns.map((column) => ({ column, values: [...(values.get(column) ?? [])].sort() })),
    successMarker: listing.layout !== 'single' && existsSync(join(resolve(listing.root), '_SUCCESS')),
    batches: listing.layout === 'sparkStreaming' ? batches.size : undefined,
    latestBatchId: listing.latestBatchId,
    warnings: listing.warnings,
  };
}

/**
 * Every check of a form: the field rules first, then what the cluster and the disk say. Checks of
 * one field stop at that field's first problem; Run is possible only when none is left.
 */
export async function checkWizardForm(form: WizardForm, seq: number, ctx: CheckContext): Promise<WizardValidation> {
  const errors = validateWizardForm(form);
  const result: WizardValidation = { seq, errors, canRun: false };
  const options = optionsOf(form);
  const tasks: Array<Promise<void>> = [];

  // The cluster: its host, then its databases (which also proves it answers).
  let clusterOk = !errors.clusterUrl;
  if (clusterOk && ctx.resolveHost) {
    const problem = await hostProblem(form.clusterUrl);
    if (problem) {
      errors.clusterUrl = problem;
      clusterOk = false;
    }
  }
  let databaseOk = clusterOk && !errors.database;
  if (databaseOk) {
    try {
      const databases = await databasesOf(ctx, form.clusterUrl);
      const wanted = form.database.trim();
      if (!databases.some((d) => d === wanted)) {
        const near = databases.find((d) => d.toLowerCase() === wanted.toLowerCase());
        errors.database = near ? `There is no database "${wanted}"; did you mean "${near}"? (names are case-sensitive)` : `There is no database "${wanted}" on this cluster (or you may not see it).`;
        databaseOk = false;
      }
    } catch (err) {
      errors.clusterUrl ??= `The cluster did not answer: ${plainError(err)}`;
      databaseOk = false;
    }
  }

  if (form.direction === 'kustoToFiles') {
    if (databaseOk && !errors.query) {
      tasks.push(
        queryColumns(ctx, form).then(
          (columns) => {
            result.columns = columns;
            const missing = options.partitionBy.filter((c) => !columns.includes(c));
            if (missing.length) errors.partitionBy = `The query has no column ${missing.map((c) => `"${c}"`).join(', ')} to partition by.`;
          },
          (err: unknown) => {
            if ((err as Error)?.name !== 'AbortError') errors.query = plainError(err);
          },
        ),
      );
    }
    const output = form.outputPath.trim();
    if (output && existsSync(resolve(output))) {
      result.outputExists = true;
      if (options.ifExists !== 'replace') errors.outputPath = `"${output}" exists already: choose another folder, or replace it (Options → If the output exists).`;
    }
  } else {
    const source = form.sourcePath.trim();
    if (source) {
      tasks.push(
        summarizeSource(ctx.engine, source, options.sourceFormat, ctx.signal).then(
          (summary) => {
            result.source = summary;
            if (summary.files === 0) errors.sourcePath = `"${source}" holds no file to ingest${summary.warnings[0] ? `: ${summary.warnings[0]}` : '.'}`;
          },
          (err: unknown) => {
            errors.sourcePath = (err as { code?: string }).code === 'SourceNotFound' ? `"${source}" does not exist: choose a file or folder that does.` : plainError(err);
          },
        ),
      );
    }
    if (databaseOk && !errors.table) {
      tasks.push(
        tablesOf(ctx, form.clusterUrl, form.database.trim()).then(
          (tables) => {
            result.tableExists = tables.includes(form.table.trim());
            if (!result.tableExists && options.tableCreation === 'failIfNotExists') {
              errors.table = `There is no table "${form.table.trim()}" in ${form.database.trim()}: pick one from the list, or let the job create it (Options → Table creation).`;
            }
          },
          (err: unknown) => {
            errors.table = plainError(err);
          },
        ),
      );
    }
  }
  await Promise.all(tasks);
  result.canRun = Object.keys(errors).length === 0;
  return result;
}
