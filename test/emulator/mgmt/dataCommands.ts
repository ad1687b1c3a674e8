// `.set`, `.append`, `.set-or-append`, `.set-or-replace` and the extent commands
// (`.show table T extents`, `.move extents`, `.drop extents`).
import type { CompiledResult, KustoColumn, KustoType } from '../kql/contract';
import { compileQuery } from '../kql/compiler';
import { quoteIdent } from '../kql/sqlText';
import { duckdbType } from '../kql/values';
import { canIngestInto, forbidden, hasDatabaseRole, isTableAdmin, queryPrincipal, type Principal } from '../server/auth';
import type { EmulatorContext, RequestContext } from '../server/context';
import { badRequest } from '../server/errors';
import type { DatabaseMeta, ExtentMeta, TableMeta } from '../store/store';
import { createdExtentsTable, extentsTable, type MgmtTable } from './results';
import { Cursor, splitPipe } from './tokens';
import { splitCommandPipe } from './commandPipe';

/** Compiles a query for a command and checks that the principal may read every table it uses. */
export function compileForRead(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, text: string, operation: string): CompiledResult[] {
  const used: TableMeta[] = [];
  const compiled = compileQuery(text, { ...ctx.store.catalog(db, (t) => used.push(t)), principal: queryPrincipal(req.principal) }, req.properties.Parameters);
  assertCanRead(db, req.principal, used, operation);
  return compiled.results;
}

export function assertCanRead(db: DatabaseMeta, p: Principal, used: TableMeta[], operation: string): void {
  if (hasDatabaseRole(db, p, 'viewers')) return;
  if (used.length > 0 && used.every((t) => isTableAdmin(db, t, p))) return;
  throw forbidden(p, operation, db, 'database viewer (or admin of every table the query reads)');
}

const NUMERIC: KustoType[] = ['int', 'long', 'real'];

/** The query's rows as the table's columns, in order: by name when all names match, else by position. */
export function conformToTable(result: CompiledResult, table: TableMeta): string {
  const byName = result.columns.every((c) => table.columns.some((t) => t.name === c.name));
  const exprs = table.columns.map((target, index) => {
    const source: KustoColumn | undefined = byName ? result.columns.find((c) => c.name === target.name) : result.columns[index];
    if (!source) return target.type === 'string' ? "''" : `CAST(NULL AS ${duckdbType(target.type)})`;
    const ref = quoteIdent(source.name);
    if (source.type === target.type) return ref;
    if (NUMERIC.includes(source.type) && NUMERIC.includes(target.type)) return `TRY_CAST(${ref} AS ${duckdbType(target.type)})`;
    if (target.type === 'string') return `COALESCE(CAST(${ref} AS VARCHAR), '')`;
    throw badRequest(`Semantic error: column '${source.name}' of type '${source.type}' cannot be stored in column '${target.name}' of type '${target.type}' of table '${table.name}'`);
  });
  return `SELECT ${exprs.join(', ')} FROM (${result.sql}) AS _q`;
}

/** Tags from `with (tags='["a","b"]')`. */
export function parseTags(text: string | undefined): string[] {
  if (!text) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {
    // not JSON
  }
  throw badRequest(`Syntax error: tags must be a JSON array of strings, got ${text}`);
}

export async function setOrAppend(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, verb: string, text: string): Promise<MgmtTable> {
  const { head, tail } = splitPipe(text);
  if (!tail) throw badRequest(`Syntax error: '${verb}' needs '<| query'`);
  const c = Cursor.of(head);
  c.expect('.', verb.slice(1));
  c.accept('async');
  const name = c.name();
  const props = c.withProperties();
  c.end();
  const tags = parseTags(props.tags);
  const creationTime = props.creationtime;
  const results = compileForRead(ctx, db, req, tail, verb);
  if (results.length !== 1) throw badRequest(`'${verb}' needs a query with exactly one result set`);
  const [result] = results;
  return ctx.store.write(async () => {
    let table = ctx.store.findTable(db, name);
    if (!table && verb === '.append') throw badRequest(`Semantic error: SEM0100: Failed to resolve table '${name}'`);
    if (!table && !hasDatabaseRole(db, req.principal, 'users')) throw forbidden(req.principal, verb, db, 'database user (to create a table)');
    if (!canIngestInto(db, table, req.principal) && !(table === undefined && hasDatabaseRole(db, req.principal, 'users'))) {
      throw forbidden(req.principal, verb, db, 'database ingestor');
    }
    if (!table) {
      table = await ctx.store.createTable(db, name, result.columns);
      table.roles.admins.push(req.principal.fqn);
    }
    if (verb === '.set' && ctx.store.extentsOf(table).length > 0) {
      throw badRequest(`'.set' requires that table '${name}' is empty or new`);
    }
    if (verb === '.set-or-replace') await ctx.store.clearTable(db, table);
    const extent = await ctx.store.appendExtent(db, table, conformToTable(result, table), { tags, creationTime });
    return createdExtentsTable(extent ? [extent] : []);
  });
}

// ---- extents --------------------------------------------------------------------------------

/** `where tags has 'x'` / `where tags contains 'x'` / `where tags !has 'x'` filters. */
function filterByTags(c: Cursor, extents: ExtentMeta[]): ExtentMeta[] {
  let out = extents;
  while (c.accept('where') || c.accept('and')) {
    c.expect('tags');
    const op = c.accept('!') ? `!${c.word().toLowerCase()}` : c.word().toLowerCase();
    const value = c.string();
    const lower = value.toLowerCase();
    const test = (e: ExtentMeta) => {
      switch (op) {
        case 'has': return e.tags.some((t) => t.toLowerCase() === lower);
        case '!has': return !e.tags.some((t) => t.toLowerCase() === lower);
        case 'contains': return e.tags.some((t) => t.toLowerCase().includes(lower));
        case '!contains': return !e.tags.some((t) => t.toLowerCase().includes(lower));
        case 'has_cs': return e.tags.includes(value);
        default: throw c.error(`unsupported tags operator '${op}'`);
      }
    };
    out = out.filter(test);
  }
  return out;
}

/** `.show table T extents [(ids)] [where tags ...]` and `.show database extents`. */
export function showExtents(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, c: Cursor): { table?: TableMeta; extents: ExtentMeta[] } {
  let table: TableMeta | undefined;
  let extents: ExtentMeta[];
  if (c.accept('table')) {
    table = ctx.store.table(db, c.name());
    c.expect('extents');
    extents = ctx.store.extentsOf(table);
    if (!hasDatabaseRole(db, req.principal, 'viewers') && !isTableAdmin(db, table, req.principal)) throw forbidden(req.principal, '.show table extents', db, 'database viewer');
  } else {
    c.accept('database');
    c.expect('extents');
    if (!hasDatabaseRole(db, req.principal, 'viewers')) throw forbidden(req.principal, '.show database extents', db, 'database viewer');
    extents = ctx.store.extentsOfDatabase(db);
  }
  if (c.peek()?.text === '(') {
    const ids = new Set(c.idList().map((s) => s.toLowerCase()));
    extents = extents.filter((e) => ids.has(e.id));
  }
  // `with (extentsShowFilteringRuntimePolicy='{"MaximumResultsCount":N}')` (the Spark connector's batches).
  const limit = maximumResults(c.withProperties().extentsshowfilteringruntimepolicy);
  extents = filterByTags(c, extents);
  if (limit !== undefined) extents = extents.slice(0, limit);
  c.end();
  return { table, extents };
}

function maximumResults(policy: string | undefined): number | undefined {
  if (policy === undefined) return undefined;
  try {
    const n = (JSON.parse(policy) as { MaximumResultsCount?: unknown }).MaximumResultsCount;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return n;
  } catch {
    // reported below
  }
  throw badRequest(`extentsShowFilteringRuntimePolicy must be JSON with an integer MaximumResultsCount, got ${policy}`);
}

export function showExtentsCommand(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, c: Cursor): MgmtTable {
  return extentsTable(ctx.store, db, showExtents(ctx, db, req, c).extents);
}

/**
 * `.move [async] extents all from table A to table B`,
 * `.move extents (id, ...) from table A to table B`,
 * `.move extents to table B <| .show table A extents where tags has 'x'`.
 */
export async function moveExtents(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, text: string, runCommand: (text: string) => Promise<MgmtTable>): Promise<MgmtTable> {
  const { head, tail } = splitPipe(text);
  const c = Cursor.of(head);
  c.expect('.', 'move');
  const isAsync = c.accept('async');
  c.expect('extents');
  let source: TableMeta;
  let selected: ExtentMeta[];
  let target: TableMeta;
  if (tail) {
    c.expect('to', 'table');
    target = ctx.store.table(db, c.name());
    const props: Record<string, string> = {};
    while (c.peek()?.text.toLowerCase() === 'with') Object.assign(props, c.withProperties());
    c.end();
    if (splitCommandPipe(tail)) {
      // `.show table A extents ...; $command_results | distinct ExtentId`: the extents the query names.
      const shown = await runCommand(tail);
      const at = shown.columns.findIndex(([name]) => name === 'ExtentId');
      if (at < 0) throw badRequest("'.move extents <|' needs a result with an ExtentId column");
      const ids = new Set(shown.rows.map((r) => String(r[at]).toLowerCase()));
      selected = ctx.store.extentsOfDatabase(db).filter((e) => ids.has(e.id));
      const tables = new Set(selected.map((e) => e.tableId));
      if (tables.size > 1) throw badRequest("'.move extents' moves extents of one source table at a time");
      const found = db.tables.find((t) => tables.has(t.id));
      if (!found) return movedExtentsResult(ctx, db, req, isAsync, []);
      source = found;
    } else {
      const inner = Cursor.of(tail);
      inner.expect('.', 'show');
      const shown = showExtents(ctx, db, req, inner);
      if (!shown.table) throw badRequest("'.move extents <|' needs '.show table T extents ...'");
      source = shown.table;
      selected = shown.extents;
    }
    const from = props.extentcreatedonfrom ? Date.parse(props.extentcreatedonfrom) : -Infinity;
    const to = props.extentcreatedonto ? Date.parse(props.extentcreatedonto) : Infinity;
    if (Number.isNaN(from) || Number.isNaN(to)) throw badRequest('extentCreatedOnFrom / extentCreatedOnTo must be datetimes');
    selected = selected.filter((e) => Date.parse(e.createdOn) >= from && Date.parse(e.createdOn) <= to);
  } else {
    const all = c.accept('all');
    const ids = all ? undefined : new Set(c.idList().map((s) => s.toLowerCase()));
    c.expect('from', 'table');
    source = ctx.store.table(db, c.name());
    c.expect('to', 'table');
    target = ctx.store.table(db, c.name());
    c.end();
    selected = ctx.store.extentsOf(source).filter((e) => !ids || ids.has(e.id));
    if (ids && selected.length !== ids.size) throw badRequest(`Some of the extents (${[...ids].join(', ')}) are not in table '${source.name}'`);
  }
  if (!isTableAdmin(db, target, req.principal)) throw forbidden(req.principal, '.move extents', db, `table admin of '${target.name}' or database admin`);
  const moved = selected.map((e) => ({ ...e }));
  await ctx.store.write(() => ctx.store.moveExtents(db, source, target, selected));
  return movedExtentsResult(ctx, db, req, isAsync, moved);
}

/** Sync: one row per moved extent. Async: the move is done already; its operation id, whose details are those rows. */
function movedExtentsResult(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, isAsync: boolean, moved: ExtentMeta[]): MgmtTable {
  const rows: MgmtTable = { columns: [['OriginalExtentId', 'string'], ['ResultExtentId', 'string'], ['Details', 'string']], rows: moved.map((e) => [e.id, e.id, '']) };
  if (!isAsync) return rows;
  const op = ctx.operations.start('MoveExtents', db.name, req.principal.fqn);
  op.details = rows;
  ctx.operations.finish(op, 'Completed');
  return { columns: [['OperationId', 'guid']], rows: [[op.id]] };
}

/** `.drop extents <| .show table T extents ...`, `.drop extents (ids) from T`, `.drop extent id [from T]`. */
export async function dropExtents(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, text: string): Promise<MgmtTable> {
  const { head, tail } = splitPipe(text);
  const c = Cursor.of(head);
  c.expect('.', 'drop');
  let selected: ExtentMeta[];
  if (tail) {
    c.expect('extents');
    c.end();
    const inner = Cursor.of(tail);
    inner.expect('.', 'show');
    selected = showExtents(ctx, db, req, inner).extents;
  } else if (c.accept('extent')) {
    const id = c.id().toLowerCase();
    if (c.accept('from')) { c.accept('table'); c.name(); }
    c.end();
    selected = ctx.store.extentsOfDatabase(db).filter((e) => e.id === id);
  } else {
    c.expect('extents');
    const ids = c.peek()?.text === '(' ? new Set(c.idList().map((s) => s.toLowerCase())) : undefined;
    c.expect('from');
    c.accept('table');
    const table = ctx.store.table(db, c.name());
    c.end();
    selected = ctx.store.extentsOf(table).filter((e) => !ids || ids.has(e.id));
  }
  for (const e of selected) {
    const table = db.tables.find((t) => t.id === e.tableId);
    if (table && !isTableAdmin(db, table, req.principal)) throw forbidden(req.principal, '.drop extents', db, `table admin of '${table.name}' or database admin`);
  }
  const dropped = selected.map((e) => ({ ...e }));
  await ctx.store.write(() => ctx.store.dropExtents(db, selected));
  const nameOf = (id: number) => db.tables.find((t) => t.id === id)?.name ?? '';
  return {
    columns: [['ExtentId', 'guid'], ['TableName', 'string'], ['CreatedOn', 'datetime']],
    rows: dropped.map((e) => [e.id, nameOf(e.tableId), e.createdOn]),
  };
}
