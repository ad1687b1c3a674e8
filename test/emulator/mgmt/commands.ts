// Dispatches a management command (text starting with '.') to its handler.
import { authorizationContextFor, forbidden, hasAnyRole, hasDatabaseRole, isTableAdmin } from '../server/auth';
import { runExportCommand } from '../export/exportCommand';
import type { EmulatorContext, OperationRecord, RequestContext } from '../server/context';
import { badRequest } from '../server/errors';
import { clearTableData, createDatabase, createMapping, createOrAlterTables, dropDatabase, dropMapping, dropTables, policyCommand, renameTable, showMappings, showSchema } from './schemaCommands';
import { dropExtents, moveExtents, setOrAppend, showExtentsCommand } from './dataCommands';
import { changeRoles, principalRoles, scopedPrincipalRoles, showPrincipals } from './securityCommands';
import { runQueryOverResult, splitCommandPipe } from './commandPipe';
import { ingestCommand } from './ingestCommand';
import type { MgmtTable } from './results';
import type { DatabaseMeta } from '../store/store';
import { Cursor } from './tokens';

const ROLE_WORDS = ['admins', 'users', 'viewers', 'ingestors', 'unrestrictedviewers'];
/** A command the service has and the emulator does not (test/emulator/README.md lists them). */
const unsupported = (text: string) => badRequest(`The command is not supported by the emulator: '${text.slice(0, 80)}' (see test/emulator/README.md for the commands it supports)`);

export async function executeCommand(ctx: EmulatorContext, req: RequestContext): Promise<MgmtTable> {
  const text = req.text.trim();
  // Inline data is not command text: it is not tokenized (an unbalanced quote in a CSV is fine).
  if (/^\.ingest\s+inline\b/i.test(text)) return ingestCommand(ctx, ctx.store.database(req.database), req, text);
  const pipe = splitCommandPipe(text);
  if (pipe) {
    if (!/^\.show\b/i.test(pipe.command)) throw badRequest(`Syntax error: SYN0002: only .show commands can be followed by query operators, in '${text.slice(0, 80)}'`);
    return runQueryOverResult(ctx, await executeCommand(ctx, { ...req, text: pipe.command }), pipe.query);
  }
  const c = Cursor.of(text);
  c.expect('.');
  const verb = `.${c.word().toLowerCase()}`;

  // Commands that need no database.
  if (verb === '.get') {
    if (c.accept('ingestion', 'resources')) return ingestionResources(ctx);
    if (c.accept('kusto', 'identity', 'token')) {
      return { columns: [['AuthorizationContext', 'string']], rows: [[authorizationContextFor(req.principal)]] };
    }
    throw unsupported(text);
  }
  if (verb === '.create' && c.peek()?.text.toLowerCase() === 'database' && c.peek(2)?.text.toLowerCase() === 'ingestion') throw unsupported(text); // database-level mappings
  if (verb === '.create' && c.accept('database')) return createDatabase(ctx, req, c);
  if (verb === '.drop' && c.peek()?.text.toLowerCase() === 'database' && !ROLE_WORDS.includes(c.peek(2)?.text.toLowerCase() ?? '')) {
    c.expect('database');
    return dropDatabase(ctx, req, c);
  }
  if (verb === '.show' && c.accept('export', 'containers')) {
    c.end();
    return storageRoots(ctx, 'exportContainer');
  }
  if (verb === '.create' && c.accept('tempstorage')) {
    c.end();
    return storageRoots(ctx, 'tempContainer');
  }
  if (verb === '.show' && c.peek()?.text.toLowerCase() === 'cluster') {
    if (c.peek(1)?.text.toLowerCase() === 'principal') return scopedPrincipalRoles(ctx, undefined, req, c);
    c.expect('cluster');
    c.end();
    return showCluster();
  }
  if (verb === '.show') {
    if (c.accept('operations')) return showOperations(ctx, req, c);
    if (c.accept('operation')) return showOperationDetails(ctx, c);
    if (c.accept('principal', 'roles')) return principalRoles(ctx, req);
    if (c.accept('version')) return { columns: [['BuildVersion', 'string'], ['BuildTime', 'datetime'], ['ServiceType', 'string'], ['ProductVersion', 'string']], rows: [['1.0.0.0', '2026-01-01T00:00:00Z', 'Engine', 'KustoEmulator']] };
  }

  const db = ctx.store.database(req.database);
  switch (verb) {
    case '.set': case '.append': case '.set-or-append': case '.set-or-replace':
      return setOrAppend(ctx, db, req, verb, text);
    case '.create': case '.create-merge': case '.alter': case '.alter-merge': case '.create-or-alter': {
      if (!['table', 'tables', 'database'].includes(c.peek()?.text.toLowerCase() ?? '')) throw unsupported(text); // functions, external tables, extent tags...
      const policy = await policyCommand(ctx, db, req, c, verb);
      if (policy) return policy;
      if (c.peek()?.text.toLowerCase() === 'table' && c.peek(2)?.text.toLowerCase() === 'ingestion') {
        c.expect('table');
        const table = ctx.store.table(db, c.name());
        c.expect('ingestion');
        return createMapping(ctx, db, req, table, c);
      }
      if (verb === '.create-or-alter') throw unsupported(text);
      return createOrAlterTables(ctx, db, req, c, verb);
    }
    case '.delete': {
      const policy = await policyCommand(ctx, db, req, c, verb);
      if (policy) return policy;
      throw unsupported(text);
    }
    case '.drop': {
      if (c.peek()?.text.toLowerCase() === 'async' || (c.peek()?.text.toLowerCase() === 'extent' && c.peek(1)?.text.toLowerCase() === 'tags')) throw unsupported(text);
      if (!['table', 'tables', 'database', 'extent', 'extents'].includes(c.peek()?.text.toLowerCase() ?? '')) throw unsupported(text); // functions, external tables...
      if (c.peek()?.text.toLowerCase() === 'extents' || c.peek()?.text.toLowerCase() === 'extent') return dropExtents(ctx, db, req, text);
      if (c.peek()?.text.toLowerCase() === 'table' && c.peek(2)?.text.toLowerCase() === 'ingestion') {
        c.expect('table');
        const table = ctx.store.table(db, c.name());
        c.expect('ingestion');
        return dropMapping(ctx, db, req, table, c);
      }
      if (c.peek()?.text.toLowerCase() === 'table' && ['admins', 'ingestors'].includes(c.peek(2)?.text.toLowerCase() ?? '')) return changeRoles(ctx, db, req, c, false);
      if (c.peek()?.text.toLowerCase() === 'database' && c.peek(2)?.text !== undefined) return changeRoles(ctx, db, req, c, false);
      return dropTables(ctx, db, req, c);
    }
    case '.add':
      return changeRoles(ctx, db, req, c, true);
    case '.rename':
      return renameTable(ctx, db, req, c);
    case '.clear':
      if (c.peek()?.text.toLowerCase() === 'database' || (c.peek()?.text.toLowerCase() === 'table' && c.peek(2)?.text.toLowerCase() === 'cache')) return clearCache(db, req, c, text);
      return clearTableData(ctx, db, req, c);
    case '.refresh':
      return refreshCache(ctx, req, c, text);
    case '.move':
      return moveExtents(ctx, db, req, text, (inner) => executeCommand(ctx, { ...req, text: inner }));
    case '.ingest':
      return ingestCommand(ctx, db, req, text);
    case '.export':
      return runExportCommand(ctx, db, req, text);
    case '.show': {
      const roleScope = ['database', 'table'].includes(c.peek()?.text.toLowerCase() ?? '') && [1, 2].some((k) => c.peek(k)?.text.toLowerCase() === 'principal' && c.peek(k + 1)?.text.toLowerCase() === 'roles');
      if (roleScope) return scopedPrincipalRoles(ctx, db, req, c);
      if (c.accept('materialized-views')) {
        c.end();
        if (!hasAnyRole(db, req.principal)) throw forbidden(req.principal, '.show materialized-views', db, 'database viewer');
        return { columns: MATERIALIZED_VIEW_COLUMNS, rows: [] };
      }
      const policy = await policyCommand(ctx, db, req, c, verb);
      if (policy) return policy;
      const schema = showSchema(ctx, db, req, c);
      if (schema) return schema;
      if (c.peek()?.text.toLowerCase() === 'ingestion' && c.peek(1)?.text.toLowerCase() === 'failures') return showIngestionFailures(ctx, req);
      if (c.peek(2)?.text.toLowerCase() === 'principals' || c.peek(1)?.text.toLowerCase() === 'principals') return showPrincipals(ctx, db, req, c);
      if (c.peek()?.text.toLowerCase() === 'table' && c.peek(2)?.text.toLowerCase() === 'ingestion') {
        c.expect('table');
        const table = ctx.store.table(db, c.name());
        c.expect('ingestion');
        return showMappings(db, table, c);
      }
      const next = c.peek()?.text.toLowerCase();
      const extentsAt = next === 'extents' ? 0 : next === 'database' ? (c.peek(1)?.text.toLowerCase() === 'extents' ? 1 : 2) : next === 'table' ? 2 : -1;
      if (extentsAt < 0 || c.peek(extentsAt)?.text.toLowerCase() !== 'extents') throw unsupported(text);
      return showExtentsCommand(ctx, db, req, c);
    }
    default:
      throw unsupported(text);
  }
}

/** `.show export containers` / `.create tempstorage`: the storage the emulator provisioned in Azurite. */
function storageRoots(ctx: EmulatorContext, which: 'exportContainer' | 'tempContainer'): MgmtTable {
  const r = ctx.ingestionResources;
  if (!r) throw badRequest('Export and temporary storage are not available: the emulator runs without storage');
  return { columns: [['StorageRoot', 'string']], rows: [[r[which]]] };
}

function showCluster(): MgmtTable {
  return {
    columns: [['NodeId', 'string'], ['Address', 'string'], ['Name', 'string'], ['StartTime', 'datetime'], ['IsAdmin', 'bool'], ['MachineTotalMemory', 'long'], ['MachineAvailableMemory', 'long'], ['ProcessorCount', 'int'], ['EnvironmentDescription', 'dynamic'], ['ProductVersion', 'string']],
    rows: [['emulator', '127.0.0.1', 'KustoEmulator', STARTED_ON, true, 0, 0, 1, null, 'KustoEmulator']],
  };
}

const STARTED_ON = new Date().toISOString();

const MATERIALIZED_VIEW_COLUMNS: MgmtTable['columns'] = [
  ['Name', 'string'], ['SourceTable', 'string'], ['Query', 'string'], ['MaterializedTo', 'datetime'], ['LastRun', 'datetime'], ['LastRunResult', 'string'], ['IsHealthy', 'bool'],
  ['IsEnabled', 'bool'], ['Folder', 'string'], ['DocString', 'string'], ['AutoUpdateSchema', 'bool'], ['EffectiveDateTime', 'datetime'], ['Lookback', 'timespan'],
];

/**
 * `.clear database cache streamingingestion schema`, `.clear table T cache streamingingestion schema`
 * (database ingestor, as the service documents) and `.clear database cache query_results`
 * (database admin). The emulator keeps no such caches: the answer says every node succeeded.
 */
function clearCache(db: DatabaseMeta, req: RequestContext, c: Cursor, text: string): MgmtTable {
  let table: string | undefined;
  if (c.accept('table')) table = c.name();
  else c.expect('database');
  c.expect('cache');
  if (c.accept('streamingingestion', 'schema')) {
    c.end();
    if (!hasDatabaseRole(db, req.principal, 'ingestors') && !hasDatabaseRole(db, req.principal, 'admins')) throw forbidden(req.principal, `.clear ${table ? 'table' : 'database'} cache streamingingestion schema`, db, 'database ingestor');
    return { columns: [['NodeId', 'string'], ['Status', 'string']], rows: [['emulator', 'Succeeded']] };
  }
  if (!table && c.accept('query_results')) {
    c.end();
    if (!hasDatabaseRole(db, req.principal, 'admins')) throw forbidden(req.principal, '.clear database cache query_results', db, 'database admin');
    return { columns: [['NodeId', 'string'], ['Count', 'long']], rows: [['emulator', 0]] };
  }
  throw unsupported(text);
}

/**
 * `.refresh database 'Db' [table 'T'] cache ingestionbatchingpolicy` (the data-management side
 * re-reads the batching policy; the emulator reads it fresh anyway): accepted for the table's
 * admin or the database's.
 */
function refreshCache(ctx: EmulatorContext, req: RequestContext, c: Cursor, text: string): MgmtTable {
  c.expect('database');
  const db = ctx.store.database(c.name());
  const table = c.accept('table') ? ctx.store.table(db, c.name()) : undefined;
  c.expect('cache');
  if (!c.accept('ingestionbatchingpolicy')) throw unsupported(text);
  c.end();
  const allowed = table ? isTableAdmin(db, table, req.principal) : hasDatabaseRole(db, req.principal, 'admins');
  if (!allowed) throw forbidden(req.principal, '.refresh cache ingestionbatchingpolicy', db, table ? `table admin of '${table.name}' or database admin` : 'database admin');
  return { columns: [['DatabaseName', 'string'], ['TableName', 'string'], ['Status', 'string']], rows: [[db.name, table?.name ?? '', 'Succeeded']] };
}

function ingestionResources(ctx: EmulatorContext): MgmtTable {
  const r = ctx.ingestionResources;
  if (!r) throw badRequest('Queued ingestion is not available: the emulator runs without storage');
  return {
    columns: [['ResourceTypeName', 'string'], ['StorageRoot', 'string']],
    rows: [
      ['SecuredReadyForAggregationQueue', r.readyQueue],
      ['FailedIngestionsQueue', r.failedQueue],
      ['SuccessfulIngestionsQueue', r.successQueue],
      ['TempStorage', r.tempContainer],
      ['IngestionsStatusTable', r.statusTable],
    ],
  };
}

const OPERATION_COLUMNS: MgmtTable['columns'] = [
  ['OperationId', 'guid'], ['Operation', 'string'], ['NodeId', 'string'], ['StartedOn', 'datetime'], ['LastUpdatedOn', 'datetime'], ['Duration', 'timespan'],
  ['State', 'string'], ['Status', 'string'], ['RootActivityId', 'guid'], ['ShouldRetry', 'bool'], ['Database', 'string'], ['Principal', 'string'], ['User', 'string'],
];

function timespanText(ms: number): string {
  const ticks = Math.max(0, Math.round(ms * 10_000));
  const totalSeconds = Math.floor(ticks / 10_000_000);
  const frac = String(ticks % 10_000_000).padStart(7, '0');
  const h = Math.floor(totalSeconds / 3600), m = Math.floor((totalSeconds % 3600) / 60), s = totalSeconds % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${frac}`;
}

function operationRow(op: OperationRecord): unknown[] {
  return [
    op.id, op.operation, 'emulator', op.startedOn.toISOString(), op.lastUpdatedOn.toISOString(), timespanText(op.lastUpdatedOn.getTime() - op.startedOn.getTime()),
    op.state, op.status, op.id, false, op.database, op.principal, op.principal,
  ];
}

function showOperations(ctx: EmulatorContext, req: RequestContext, c: Cursor): MgmtTable {
  let ops = ctx.operations.list().filter((op) => req.principal.clusterAdmin || op.principal === req.principal.fqn);
  if (!c.done) {
    const ids = c.peek()?.text === '(' ? c.idList() : [c.id()];
    ops = ops.filter((op) => ids.some((id) => id.toLowerCase() === op.id));
  }
  c.end();
  return { columns: OPERATION_COLUMNS, rows: ops.map(operationRow) };
}

function showOperationDetails(ctx: EmulatorContext, c: Cursor): MgmtTable {
  const id = c.id().toLowerCase();
  c.expect('details');
  c.end();
  const op = ctx.operations.get(id);
  if (!op) throw badRequest(`Operation '${id}' was not found`);
  if (!op.details) throw badRequest(`Operation '${id}' has no details${op.state === 'InProgress' ? ' yet (still in progress)' : ''}`);
  return op.details;
}

function showIngestionFailures(ctx: EmulatorContext, req: RequestContext): MgmtTable {
  return {
    columns: [['OperationId', 'guid'], ['Database', 'string'], ['Table', 'string'], ['FailedOn', 'datetime'], ['IngestionSourcePath', 'string'], ['Details', 'string'], ['FailureKind', 'string'], ['RootActivityId', 'guid'], ['OperationKind', 'string'], ['OriginatesFromUpdatePolicy', 'bool'], ['ErrorCode', 'string'], ['Principal', 'string'], ['ShouldRetry', 'bool'], ['User', 'string'], ['IngestionProperties', 'string'], ['NumberOfSources', 'int']],
    rows: ctx.ingestionFailures
      .filter((f) => f.database.toLowerCase() === req.database.toLowerCase() || req.database === 'NetDefaultDB')
      .map((f) => [f.operationId, f.database, f.table, f.failedOn.toISOString(), f.ingestionSourcePath, f.details, f.failureKind, f.rootActivityId, 'DataIngestPull', false, f.errorCode, '', f.failureKind === 'Transient', '', '', 1]),
  };
}
