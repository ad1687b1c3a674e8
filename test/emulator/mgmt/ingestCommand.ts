// Direct ingestion, the service's documented commands for small or test loads:
//   .ingest [async] into table T (h'<blob url with SAS>' [, ...]) [with (format=..., ...)]
//   .ingest inline into table T [with (...)] <| <data>
// Each source becomes one extent through the same reader queued and streaming ingestion use.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobClient } from '@azure/storage-blob';
import { ingestFile, type IngestSpec } from '../ingest/ingestData';
import { IngestError } from '../ingest/ingestError';
import { canIngestInto, forbidden } from '../server/auth';
import type { EmulatorContext, RequestContext } from '../server/context';
import { badRequest, KustoRequestError } from '../server/errors';
import type { DatabaseMeta } from '../store/store';
import { parseTags } from './dataCommands';
import type { MgmtTable } from './results';
import { Cursor } from './tokens';

const RESULT_COLUMNS: MgmtTable['columns'] = [['ExtentId', 'guid'], ['ItemLoaded', 'string'], ['Duration', 'timespan'], ['HasErrors', 'bool'], ['OperationId', 'guid']];

function specOf(db: DatabaseMeta, table: string, props: Record<string, string>): IngestSpec {
  const list = (text: string | undefined) => (text === undefined ? undefined : parseTags(text));
  return {
    database: db.name,
    table,
    format: props.format ?? 'csv',
    mappingReference: props.ingestionmappingreference,
    mappingJson: props.ingestionmapping,
    ignoreFirstRecord: (props.ignorefirstrecord ?? '').toLowerCase() === 'true',
    tags: list(props.tags),
    ingestIfNotExists: list(props.ingestifnotexists),
    creationTime: props.creationtime,
  };
}

export async function ingestCommand(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, text: string): Promise<MgmtTable> {
  const inlineAt = /^\.ingest\s+inline\b/i.test(text) ? text.indexOf('<|') : -1;
  const c = Cursor.of(inlineAt >= 0 ? text.slice(0, inlineAt) : text);
  c.expect('.', 'ingest');
  const isAsync = c.accept('async');
  const inline = c.accept('inline');
  c.expect('into', 'table');
  const tableName = c.name();
  const sources: string[] = [];
  if (!inline) {
    c.expect('(');
    do sources.push(c.string()); while (c.accept(','));
    c.expect(')');
  }
  const props = c.withProperties();
  c.end();
  if (inline && inlineAt < 0) throw badRequest("Syntax error: '.ingest inline' needs '<| data'");
  const table = ctx.store.findTable(db, tableName);
  if (!canIngestInto(db, table, req.principal)) throw forbidden(req.principal, '.ingest', db, 'database ingestor (or table ingestor)');
  if (!table) throw badRequest(`Semantic error: SEM0100: Failed to resolve table '${tableName}'`);
  for (const s of sources) {
    if (!s.includes('?')) throw badRequest(`Ingesting '${s.split(';')[0]}' without a SAS is not supported by the emulator: it reads .ingest sources by SAS URL only (no account keys or managed identities)`);
  }
  const spec = specOf(db, table.name, props);
  const op = ctx.operations.start('DataIngestPull', db.name, req.principal.fqn);
  const dir = await mkdtemp(join(tmpdir(), 'kusto-emulator-ingest-'));
  const rows: unknown[][] = [];
  try {
    const files: Array<{ file: string; item: string }> = [];
    if (inline) {
      const file = join(dir, 'inline');
      await writeFile(file, text.slice(inlineAt + 2).replace(/^[ \t]*\r?\n/, ''));
      files.push({ file, item: 'inline' });
    }
    for (const [i, uri] of sources.entries()) {
      const file = join(dir, `source-${i}`);
      try {
        await new BlobClient(uri).downloadToFile(file);
      } catch (error) {
        throw new KustoRequestError(400, 'BadRequest_SourceNotFound', `Failed to download ${uri.split('?')[0]}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
      files.push({ file, item: uri.split('?')[0] });
    }
    for (const { file, item } of files) {
      const result = await ingestFile(ctx, spec, file);
      rows.push([result.extentId ?? '00000000-0000-0000-0000-000000000000', item, '00:00:00', false, op.id]);
    }
    ctx.operations.finish(op, 'Completed');
  } catch (error) {
    ctx.operations.finish(op, 'Failed', error instanceof Error ? error.message : String(error));
    if (error instanceof IngestError) throw new KustoRequestError(400, error.code, error.message, undefined, error.permanent);
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  op.details = { columns: RESULT_COLUMNS, rows };
  return isAsync ? { columns: [['OperationId', 'guid']], rows: [[op.id]] } : op.details;
}
