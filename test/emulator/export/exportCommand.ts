// `.export [async] [compressed] to csv|tsv|json|parquet (h@"<container url>?<sas>" | h@"<url>;<key>"
// | h@"<url>;impersonate") with (...) <| query` (kusto-protocol.md §6): DuckDB writes the files (split
// at sizeLimit), then they are uploaded to the blob storage given.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { CompiledResult, KustoColumn } from '../kql/contract';
import { formatDatetimeSql, formatTimespanSql, quoteIdent } from '../kql/sqlText';
import { compileForRead } from '../mgmt/dataCommands';
import type { MgmtTable } from '../mgmt/results';
import { Cursor, splitPipe } from '../mgmt/tokens';
import { holds, type Principal } from '../server/auth';
import type { EmulatorContext, RequestContext } from '../server/context';
import { badRequest, KustoRequestError } from '../server/errors';
import type { DatabaseMeta } from '../store/store';

const FORMATS = ['csv', 'tsv', 'json', 'parquet'] as const;
type ExportFormat = (typeof FORMATS)[number];
const DEFAULT_SIZE_LIMIT = 1024 * 1024 * 1024;
const UNIX_EPOCH_TICKS = '621355968000000000';

interface ExportSpec {
  isAsync: boolean;
  compressed: boolean;
  format: ExportFormat;
  target: string;
  props: Record<string, string>;
  query: string;
}

function parseExport(text: string): ExportSpec {
  const { head, tail } = splitPipe(text);
  if (!tail) throw badRequest("Syntax error: '.export' needs '<| query'");
  const c = Cursor.of(head);
  c.expect('.', 'export');
  const isAsync = c.accept('async');
  const compressed = c.accept('compressed');
  c.expect('to');
  const format = c.word().toLowerCase() as ExportFormat;
  if (!FORMATS.includes(format)) throw badRequest(`Export to '${format}' is not supported by the emulator (it exports to csv, tsv, json and parquet storage)`);
  c.expect('(');
  const target = c.string();
  while (c.accept(',')) c.string(); // further storage URLs: the emulator writes to the first
  c.expect(')');
  const props = c.withProperties();
  c.end();
  return { isAsync, compressed, format, target, props, query: tail };
}

const IMPERSONATE = ';impersonate';

/**
 * A container client and folder for `https://acct/container/dir?sas`, `.../container/dir;key` or
 * `.../container/dir;impersonate`. Impersonation writes as the caller: the emulator stands in for
 * the caller's identity with the account key it holds, and, as the storage would, refuses a caller
 * who is not a Storage Blob Data Contributor there (tokens mode; open mode lets everyone write).
 */
function storageTarget(ctx: EmulatorContext, url: string, caller: Principal): { container: ContainerClient; folder: string; display: string } {
  const impersonate = url.toLowerCase().endsWith(IMPERSONATE);
  const connection = impersonate ? url.slice(0, -IMPERSONATE.length) : url;
  const [address, key] = connection.includes(';') && !connection.includes('?') ? [connection.slice(0, connection.indexOf(';')), connection.slice(connection.indexOf(';') + 1)] : [connection, undefined];
  const parsed = new URL(address);
  const segments = parsed.pathname.split('/').filter(Boolean);
  const pathStyle = /^\d+\.\d+\.\d+\.\d+$|^localhost$/.test(parsed.hostname);
  const account = pathStyle ? segments.shift() ?? '' : parsed.hostname.split('.')[0];
  const containerName = segments.shift();
  if (!containerName) throw badRequest('Export storage URL names no container');
  const base = `${parsed.protocol}//${parsed.host}${pathStyle ? `/${account}` : ''}/${containerName}`;
  let accountKey = key;
  if (impersonate) {
    accountKey = ctx.storageAccountKeys[account];
    if (!accountKey) throw badRequest(`Export storage '${base}' with impersonation: the emulator holds no key for storage account '${account}' to stand in for the caller's identity`);
    if (ctx.authMode === 'tokens' && !holds(ctx.storageBlobDataContributors, caller)) {
      throw new KustoRequestError(403, 'Forbidden', `Export to storage '${base}' failed: this request is not authorized to perform this operation using this permission (AuthorizationPermissionMismatch). Principal '${caller.fqn}' is impersonated and needs the Storage Blob Data Contributor role on the container or its account.`);
    }
  }
  const container = accountKey
    ? new ContainerClient(base, new StorageSharedKeyCredential(account, accountKey))
    : new ContainerClient(`${base}${parsed.search}`);
  const folder = segments.map(decodeURIComponent).join('/');
  return { container, folder, display: base };
}

/** Columns converted from storage representation to what each format carries. */
function exportColumns(columns: KustoColumn[], format: ExportFormat, precision: string): string {
  return columns.map((c) => {
    const ref = quoteIdent(c.name);
    let sql = ref;
    if (format === 'parquet') {
      if (c.type === 'datetime') {
        const micros = `make_timestamp((${ref} - ${UNIX_EPOCH_TICKS}) // 10)`;
        // Kusto datetimes are UTC: microsecond precision is written as TIMESTAMP(isAdjustedToUTC=true),
        // which DuckDB does for TIMESTAMPTZ (Spark reads it as TimestampType, not timestamp_ntz).
        sql = precision === 'microsecond' ? `CAST(${micros} AS TIMESTAMPTZ)` : `CAST(${micros} AS TIMESTAMP_MS)`;
      } else if (c.type === 'decimal') sql = `CAST(${ref} AS DECIMAL(38,18))`;
    } else {
      if (c.type === 'datetime') sql = formatDatetimeSql(ref);
      else if (c.type === 'timespan') sql = formatTimespanSql(ref);
      else if (c.type === 'dynamic' && format === 'json') sql = `CAST(${ref} AS JSON)`;
    }
    return `${sql} AS ${ref}`;
  }).join(', ');
}

interface ExportedFile {
  Path: string;
  NumRecords: number;
  SizeInBytes: number;
}

async function runExport(ctx: EmulatorContext, spec: ExportSpec, result: CompiledResult, caller: Principal): Promise<ExportedFile[]> {
  const sizeLimit = spec.props.sizelimit ? Number(spec.props.sizelimit) : DEFAULT_SIZE_LIMIT;
  if (!Number.isFinite(sizeLimit) || sizeLimit < ctx.exportMinSizeLimit) {
    throw badRequest(`sizeLimit must be at least ${ctx.exportMinSizeLimit} bytes, got '${spec.props.sizelimit}'`);
  }
  // The storage refuses a caller before anything is written.
  const target = storageTarget(ctx, spec.target, caller);
  const precision = (spec.props.parquetdatetimeprecision ?? 'millisecond').toLowerCase();
  const headers = (spec.props.includeheaders ?? 'none').toLowerCase();
  const dir = await mkdtemp(join(tmpdir(), 'kusto-emulator-export-'));
  const connection = await ctx.store.connect();
  try {
    const options: string[] = [`FILE_SIZE_BYTES ${Math.floor(sizeLimit)}`];
    if (spec.format === 'parquet') {
      options.unshift('FORMAT parquet', `COMPRESSION ${(spec.props.compressiontype ?? 'snappy').toLowerCase()}`);
    } else if (spec.format === 'json') {
      options.unshift('FORMAT json');
      if (spec.compressed) options.push('COMPRESSION gzip');
    } else {
      options.unshift('FORMAT csv', `DELIMITER '${spec.format === 'tsv' ? '\t' : ','}'`, `HEADER ${headers !== 'none'}`);
      if (spec.compressed) options.push('COMPRESSION gzip');
    }
    const out = join(dir, 'out');
    await connection.run(`COPY (SELECT ${exportColumns(result.columns, spec.format, precision)} FROM (${result.sql}) AS _q) TO '${out}' (${options.join(', ')})`);
    const prefix = spec.props.nameprefix ?? 'export';
    const extension = spec.props.fileextension ?? spec.format;
    const gz = spec.compressed && spec.format !== 'parquet' ? '.gz' : '';
    const files = (await readdir(out)).sort((a, b) => Number(/\d+/.exec(a)?.[0]) - Number(/\d+/.exec(b)?.[0]));
    const runId = randomUUID().slice(0, 8);
    const exported: ExportedFile[] = [];
    for (const [index, name] of files.entries()) {
      const local = join(out, name);
      const reader = spec.format === 'parquet' ? `read_parquet('${local}')`
        : spec.format === 'json' ? `read_json_objects('${local}')`
        : `read_csv('${local}', header=${headers !== 'none'}, all_varchar=true, delim='${spec.format === 'tsv' ? '\t' : ','}', quote='"', escape='"')`;
      const records = Number((await connection.runAndReadAll(`SELECT count(*) FROM ${reader}`)).getRows()[0][0]);
      const blobName = `${target.folder ? `${target.folder}/` : ''}${prefix}_${index}_${runId}.${extension}${gz}`;
      const blob = target.container.getBlockBlobClient(blobName);
      await blob.uploadFile(local);
      const size = (await blob.getProperties()).contentLength ?? 0;
      exported.push({ Path: `${target.display}/${blobName}`, NumRecords: records, SizeInBytes: size });
    }
    return exported;
  } finally {
    connection.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

function filesTable(files: ExportedFile[]): MgmtTable {
  return { columns: [['Path', 'string'], ['NumRecords', 'long'], ['SizeInBytes', 'long']], rows: files.map((f) => [f.Path, f.NumRecords, f.SizeInBytes]) };
}

export async function runExportCommand(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, text: string): Promise<MgmtTable> {
  const spec = parseExport(text);
  const results = compileForRead(ctx, db, req, spec.query, '.export');
  if (results.length !== 1) throw badRequest('.export needs a query with exactly one result set');
  if (!spec.isAsync) return filesTable(await runExport(ctx, spec, results[0], req.principal));
  const op = ctx.operations.start('DataExportCommand', db.name, req.principal.fqn);
  const work = runExport(ctx, spec, results[0], req.principal).then(
    (files) => {
      op.details = filesTable(files);
      ctx.operations.finish(op, 'Completed');
    },
    (error: unknown) => ctx.operations.finish(op, 'Failed', error instanceof Error ? error.message : String(error)),
  );
  ctx.background.add(work);
  void work.finally(() => ctx.background.delete(work));
  return { columns: [['OperationId', 'guid']], rows: [[op.id]] };
}
