// Tables, databases, ingestion mappings and policies.
import { forbidden, hasAnyRole, hasDatabaseRole, isTableAdmin } from '../server/auth';
import type { EmulatorContext, RequestContext } from '../server/context';
import { badRequest, KustoRequestError } from '../server/errors';
import { assertEntityName } from '../store/entityNames';
import { assertUniqueColumns, type DatabaseMeta, type TableMeta } from '../store/store';
import { cslSchemaTable, databaseSchemaJson, schemaAsJsonTable, tablesTable, type MgmtTable } from './results';
import type { Cursor } from './tokens';

function tableProps(props: Record<string, string>): { folder?: string; docString?: string; hidden?: boolean } {
  return { folder: props.folder, docString: props.docstring, hidden: (props.hidden ?? '').toLowerCase() === 'true' };
}

/** `.create|.create-merge|.alter|.alter-merge table T (...)` and `.create[-merge] tables A (...), B (...)`. */
export async function createOrAlterTables(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, c: Cursor, verb: string): Promise<MgmtTable> {
  const plural = c.accept('tables');
  if (!plural) c.expect('table');
  const specs: Array<{ name: string; columns: ReturnType<Cursor['columns']> }> = [];
  do specs.push({ name: c.name(), columns: c.columns() }); while (plural && c.accept(','));
  const props = tableProps(c.withProperties());
  c.end();
  // Every name is checked before the first table is touched: a refused name changes nothing.
  for (const spec of specs) {
    if (!ctx.store.findTable(db, spec.name)) assertEntityName('Table', spec.name);
    assertUniqueColumns(spec.columns);
  }
  const touched: TableMeta[] = [];
  await ctx.store.write(async () => {
    for (const spec of specs) {
      const existing = ctx.store.findTable(db, spec.name);
      if (!existing) {
        if (verb === '.alter' || verb === '.alter-merge') throw badRequest(`Semantic error: SEM0100: Failed to resolve table '${spec.name}'`);
        if (!hasDatabaseRole(db, req.principal, 'users')) throw forbidden(req.principal, `${verb} table`, db, 'database user');
        const table = await ctx.store.createTable(db, spec.name, spec.columns, props);
        table.roles.admins.push(req.principal.fqn);
        touched.push(table);
        continue;
      }
      if (!isTableAdmin(db, existing, req.principal) && !(verb === '.create' && hasDatabaseRole(db, req.principal, 'users'))) {
        throw forbidden(req.principal, `${verb} table`, db, `table admin of '${existing.name}' or database admin`);
      }
      if (verb === '.create') {
        // Kusto: creating an existing table with the same schema is a no-op; a different one fails.
        const same = existing.columns.length === spec.columns.length && existing.columns.every((col, i) => col.name === spec.columns[i].name && col.type === spec.columns[i].type);
        if (!same) throw badRequest(`Table '${spec.name}' already exists with a different schema; use .create-merge or .alter`);
      } else if (verb === '.alter') {
        await ctx.store.alterColumns(db, existing, spec.columns);
      } else {
        await ctx.store.mergeColumns(db, existing, spec.columns);
      }
      if (props.folder !== undefined) existing.folder = props.folder;
      if (props.docString !== undefined) existing.docString = props.docString;
      touched.push(existing);
    }
  });
  return plural ? tablesTable(db, touched) : schemaAsJsonTable(db, touched);
}

/** `.drop table T [ifexists]`, `.drop tables (A, B) [ifexists]`. */
export async function dropTables(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, c: Cursor): Promise<MgmtTable> {
  const plural = c.accept('tables');
  if (!plural) c.expect('table');
  const names = plural ? c.nameList() : [c.name()];
  const ifExists = c.accept('ifexists');
  c.end();
  await ctx.store.write(async () => {
    const tables: TableMeta[] = [];
    for (const name of names) {
      const table = ctx.store.findTable(db, name);
      if (!table) {
        if (!ifExists) throw badRequest(`Semantic error: SEM0100: Failed to resolve table '${name}'`);
        continue;
      }
      if (!isTableAdmin(db, table, req.principal)) throw forbidden(req.principal, '.drop table', db, `table admin of '${table.name}' or database admin`);
      tables.push(table);
    }
    for (const table of tables) await ctx.store.dropTable(db, table);
  });
  return tablesTable(db, db.tables);
}

export async function renameTable(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, c: Cursor): Promise<MgmtTable> {
  c.expect('table');
  const table = ctx.store.table(db, c.name());
  c.expect('to');
  const newName = c.name();
  c.end();
  if (!isTableAdmin(db, table, req.principal)) throw forbidden(req.principal, '.rename table', db, `table admin of '${table.name}' or database admin`);
  await ctx.store.write(async () => ctx.store.renameTable(db, table, newName));
  return tablesTable(db, [table]);
}

export async function clearTableData(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, c: Cursor): Promise<MgmtTable> {
  c.expect('table');
  const table = ctx.store.table(db, c.name());
  c.expect('data');
  c.end();
  if (!isTableAdmin(db, table, req.principal)) throw forbidden(req.principal, '.clear table data', db, `table admin of '${table.name}' or database admin`);
  await ctx.store.write(() => ctx.store.clearTable(db, table));
  return { columns: [['Status', 'string']], rows: [['Success']] };
}

/** `.show tables`, `.show table T schema as json | cslschema`, `.show database [Db] schema as json`, `.show databases`. */
export function showSchema(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, c: Cursor): MgmtTable | undefined {
  if (c.accept('tables')) {
    if (!hasAnyRole(db, req.principal)) throw forbidden(req.principal, '.show tables', db, 'database viewer');
    if (c.accept('details')) {
      c.end();
      return tableDetails(ctx, db, db.tables.filter((t) => !t.hidden));
    }
    const names = c.peek()?.text === '(' ? c.nameList() : undefined;
    const includeHidden = (c.withProperties().includehiddentables ?? '').toLowerCase() === 'true';
    c.end();
    return tablesTable(db, names ? db.tables.filter((t) => names.includes(t.name)) : db.tables.filter((t) => includeHidden || !t.hidden));
  }
  if (c.accept('databases')) {
    c.end();
    const visible = ctx.store.databases().filter((d) => hasAnyRole(d, req.principal));
    return {
      columns: [['DatabaseName', 'string'], ['PersistentStorage', 'string'], ['Version', 'string'], ['IsCurrent', 'bool'], ['DatabaseAccessMode', 'string'], ['PrettyName', 'string'], ['ReservedSlot1', 'bool'], ['DatabaseId', 'guid'], ['InTransitionTo', 'string'], ['SuspensionState', 'dynamic']],
      rows: visible.map((d) => [d.name, 'emulator', 'v1.0', d === db, 'ReadWrite', d.name, false, `00000000-0000-0000-0000-${String(d.id).padStart(12, '0')}`, '', null]),
    };
  }
  if (c.peek()?.text.toLowerCase() === 'table' && c.peek(2)?.text.toLowerCase() !== 'extents' && c.peek(2)?.text.toLowerCase() !== 'principals' && c.peek(2)?.text.toLowerCase() !== 'ingestion' && c.peek(2)?.text.toLowerCase() !== 'policy') {
    c.expect('table');
    const table = ctx.store.table(db, c.name());
    if (!hasAnyRole(db, req.principal)) throw forbidden(req.principal, '.show table schema', db, 'database viewer');
    if (c.accept('cslschema')) {
      c.end();
      return cslSchemaTable(db, [table]);
    }
    if (c.accept('schema', 'as', 'json')) {
      c.end();
      return schemaAsJsonTable(db, [table]);
    }
    if (c.accept('details')) {
      c.end();
      return tableDetails(ctx, db, [table]);
    }
    c.end();
    return {
      columns: [['AttributeName', 'string'], ['AttributeType', 'string'], ['CslType', 'string']],
      rows: table.columns.map((col) => [col.name, col.type, col.type]),
    };
  }
  if (c.peek()?.text.toLowerCase() === 'database' && c.peek(1)?.text.toLowerCase() !== 'extents' && c.peek(1)?.text.toLowerCase() !== 'principals') {
    const save = c.peek(2)?.text.toLowerCase();
    if (c.peek(1)?.text.toLowerCase() === 'schema' || save === 'schema') {
      c.expect('database');
      const target = c.peek()?.text.toLowerCase() === 'schema' ? db : ctx.store.database(c.name());
      c.expect('schema');
      const asJson = c.accept('as', 'json');
      c.end();
      if (!hasAnyRole(target, req.principal)) throw forbidden(req.principal, '.show database schema', target, 'database viewer');
      if (asJson) return { columns: [['DatabaseSchema', 'string']], rows: [[databaseSchemaJson(target)]] };
      return {
        columns: [['DatabaseName', 'string'], ['TableName', 'string'], ['ColumnName', 'string'], ['ColumnType', 'string'], ['IsDefaultTable', 'bool'], ['IsDefaultColumn', 'bool'], ['PrettyName', 'string'], ['Version', 'string'], ['Folder', 'string'], ['DocString', 'string']],
        rows: target.tables.flatMap((t) => t.columns.map((col) => [target.name, t.name, col.name, `System.${col.type}`, false, false, '', 'v1.0', t.folder, t.docString])),
      };
    }
  }
  return undefined;
}

export async function createDatabase(ctx: EmulatorContext, req: RequestContext, c: Cursor): Promise<MgmtTable> {
  const name = c.name();
  if (c.accept('persist')) c.nameList();
  c.accept('volatile');
  const ifNotExists = c.accept('ifnotexists');
  c.withProperties();
  c.end();
  if (!req.principal.clusterAdmin) {
    throw new KustoRequestError(403, 'Forbidden', `Principal '${req.principal.fqn}' is not authorized to perform operation '.create database': requires cluster admin`, undefined, true);
  }
  if (ctx.store.findDatabase(name) && !ifNotExists) throw badRequest(`Database '${name}' already exists`);
  await ctx.store.write(() => ctx.store.createDatabase(name));
  return { columns: [['DatabaseName', 'string'], ['PersistentStorage', 'string']], rows: [[name, 'emulator']] };
}

export async function dropDatabase(ctx: EmulatorContext, req: RequestContext, c: Cursor): Promise<MgmtTable> {
  const name = c.name();
  const ifExists = c.accept('ifexists');
  c.end();
  if (!req.principal.clusterAdmin) {
    throw new KustoRequestError(403, 'Forbidden', `Principal '${req.principal.fqn}' is not authorized to perform operation '.drop database': requires cluster admin`, undefined, true);
  }
  if (!ctx.store.findDatabase(name)) {
    if (ifExists) return { columns: [['DatabaseName', 'string']], rows: [] };
    ctx.store.database(name);
  }
  await ctx.store.write(() => ctx.store.dropDatabase(name));
  return { columns: [['DatabaseName', 'string']], rows: [[name]] };
}

// ---- ingestion mappings ---------------------------------------------------------------------

const MAPPING_KINDS: Record<string, string> = { csv: 'Csv', json: 'Json', parquet: 'Parquet', avro: 'Avro', orc: 'Orc', w3clogfile: 'W3CLogFile', apacheavro: 'ApacheAvro' };

function mappingsTable(db: DatabaseMeta, table: TableMeta, kind?: string): MgmtTable {
  return {
    columns: [['Name', 'string'], ['Kind', 'string'], ['Mapping', 'string'], ['LastUpdatedOn', 'datetime'], ['Database', 'string'], ['Table', 'string']],
    rows: table.mappings.filter((m) => !kind || m.kind === kind).map((m) => [m.name, m.kind, m.mapping, m.lastUpdatedOn, db.name, table.name]),
  };
}

/** `.create|.create-or-alter|.alter table T ingestion csv mapping "m" '[...]'` (c after `table`). */
export async function createMapping(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, table: TableMeta, c: Cursor): Promise<MgmtTable> {
  const kind = MAPPING_KINDS[c.word().toLowerCase()];
  if (!kind) throw c.error('unknown mapping kind');
  c.expect('mapping');
  const name = c.name();
  const mapping = c.string();
  c.withProperties();
  c.end();
  try {
    if (!Array.isArray(JSON.parse(mapping))) throw new Error('not an array');
  } catch {
    throw badRequest(`Ingestion mapping '${name}' is not a JSON array of column mappings`);
  }
  if (!isTableAdmin(db, table, req.principal)) throw forbidden(req.principal, '.create table ingestion mapping', db, `table admin of '${table.name}' or database admin`);
  await ctx.store.write(async () => {
    table.mappings = table.mappings.filter((m) => !(m.name === name && m.kind === kind));
    table.mappings.push({ name, kind, mapping, lastUpdatedOn: new Date().toISOString() });
  });
  return mappingsTable(db, table, kind);
}

/** `.show table T ingestion [kind] mappings` (c after `ingestion`). */
export function showMappings(db: DatabaseMeta, table: TableMeta, c: Cursor): MgmtTable {
  let kind: string | undefined;
  if (!c.accept('mappings')) {
    kind = MAPPING_KINDS[c.word().toLowerCase()];
    c.expect('mappings');
  }
  c.end();
  return mappingsTable(db, table, kind);
}

export async function dropMapping(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, table: TableMeta, c: Cursor): Promise<MgmtTable> {
  const kind = MAPPING_KINDS[c.word().toLowerCase()];
  c.expect('mapping');
  const name = c.name();
  c.end();
  if (!isTableAdmin(db, table, req.principal)) throw forbidden(req.principal, '.drop table ingestion mapping', db, `table admin of '${table.name}' or database admin`);
  await ctx.store.write(async () => {
    table.mappings = table.mappings.filter((m) => !(m.name === name && m.kind === kind));
  });
  return mappingsTable(db, table, kind);
}

// ---- policies -------------------------------------------------------------------------------

const POLICY_NAMES = ['retention', 'auto_delete', 'streamingingestion', 'ingestionbatching', 'merge', 'caching', 'sharding', 'update', 'partitioning', 'extent_tags_retention', 'restricted_view_access', 'row_level_security'];

function policyValue(c: Cursor, kind: string): string {
  if (c.accept('enable')) return JSON.stringify({ IsEnabled: true, HintAllocatedRate: null });
  if (c.accept('disable')) return JSON.stringify({ IsEnabled: false, HintAllocatedRate: null });
  if (c.peek()?.kind === 'string') {
    const text = c.string();
    try {
      return JSON.stringify(JSON.parse(text));
    } catch {
      throw badRequest(`Policy '${kind}' is not valid JSON`);
    }
  }
  // `softdelete = 10d recoverability = disabled` style: kept as given.
  const parts: Record<string, string> = {};
  while (!c.done) {
    const key = c.key();
    c.expect('=');
    parts[key] = c.value();
  }
  return JSON.stringify(parts);
}

function policiesTable(entity: string, kind: string, policies: Record<string, string>): MgmtTable {
  const names = kind === '*' ? Object.keys(policies) : [kind];
  return {
    columns: [['PolicyName', 'string'], ['EntityName', 'string'], ['Policy', 'string'], ['ChildEntities', 'string'], ['EntityType', 'string']],
    rows: names.map((n) => [policyDisplayName(n), entity, policies[n] ?? 'null', '', entity.includes('.') ? 'Table' : 'Database']),
  };
}

function policyDisplayName(kind: string): string {
  const names: Record<string, string> = { streamingingestion: 'StreamingIngestionPolicy', retention: 'RetentionPolicy', auto_delete: 'AutoDeletePolicy', ingestionbatching: 'IngestionBatchingPolicy' };
  return names[kind] ?? `${kind}Policy`;
}

/**
 * `.alter[-merge] table T policy K ...`, `.alter[-merge] database Db policy K ...`,
 * `.show table T policy K`, `.show database Db policy K`, `.delete table T policy K`.
 * c is after the verb; returns undefined when this is not a policy command.
 */
export async function policyCommand(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, c: Cursor, verb: string): Promise<MgmtTable | undefined> {
  const onTable = c.peek()?.text.toLowerCase() === 'table';
  if (!onTable && c.peek()?.text.toLowerCase() !== 'database') return undefined;
  const policyAt = onTable || c.peek(2)?.text.toLowerCase() === 'policy' ? 2 : 1;
  if (c.peek(policyAt)?.text.toLowerCase() !== 'policy') return undefined;
  c.word();
  let table: TableMeta | undefined;
  let target = db;
  if (onTable) table = ctx.store.table(db, c.name());
  else if (policyAt === 2) target = ctx.store.database(c.name());
  c.expect('policy');
  const kind = c.word().toLowerCase();
  if (kind !== '*' && !POLICY_NAMES.includes(kind)) throw badRequest(`Unknown policy '${kind}'`);
  const policies = table ? table.policies : target.policies;
  const entity = table ? `[${target.name}].[${table.name}]` : `[${target.name}]`;
  if (verb === '.show') {
    c.end();
    if (!hasAnyRole(target, req.principal)) throw forbidden(req.principal, '.show policy', target, 'database viewer');
    return policiesTable(entity, kind, policies);
  }
  const allowed = table ? isTableAdmin(target, table, req.principal) : hasDatabaseRole(target, req.principal, 'admins');
  if (!allowed) throw forbidden(req.principal, `${verb} policy ${kind}`, target, table ? `table admin of '${table.name}' or database admin` : 'database admin');
  if (verb === '.delete') {
    c.end();
    await ctx.store.write(async () => { delete policies[kind]; });
    return policiesTable(entity, kind, policies);
  }
  const value = policyValue(c, kind);
  c.end();
  await ctx.store.write(async () => {
    if (verb === '.alter-merge' && policies[kind]) policies[kind] = JSON.stringify({ ...(JSON.parse(policies[kind]) as object), ...(JSON.parse(value) as object) });
    else policies[kind] = value;
  });
  return policiesTable(entity, kind, policies);
}

/** Streaming ingestion is allowed when the table's policy, or else the database's, is enabled. */
export function streamingIngestionEnabled(db: DatabaseMeta, table: TableMeta | undefined): boolean {
  const enabled = (text: string | undefined) => {
    if (!text) return undefined;
    try {
      return (JSON.parse(text) as { IsEnabled?: boolean }).IsEnabled === true;
    } catch {
      return false;
    }
  };
  return enabled(table?.policies.streamingingestion) ?? enabled(db.policies.streamingingestion) ?? false;
}

/** `.show table T details` / `.show tables details`: one row per table, TotalRowCount from its extents. */
function tableDetails(ctx: EmulatorContext, db: DatabaseMeta, tables: readonly TableMeta[]): MgmtTable {
  return {
    columns: [
      ['TableName', 'string'], ['DatabaseName', 'string'], ['TotalExtents', 'long'], ['TotalExtentSize', 'real'], ['TotalOriginalSize', 'real'], ['TotalRowCount', 'long'],
      ['HotExtents', 'long'], ['HotExtentSize', 'real'], ['HotOriginalSize', 'real'], ['HotRowCount', 'long'], ['AuthorizedPrincipals', 'string'], ['RetentionPolicy', 'string'],
      ['CachingPolicy', 'string'], ['ShardingPolicy', 'string'], ['MergePolicy', 'string'], ['StreamingIngestionPolicy', 'string'], ['IngestionBatchingPolicy', 'string'],
      ['MinExtentsCreationTime', 'datetime'], ['MaxExtentsCreationTime', 'datetime'], ['RowOrderPolicy', 'string'], ['TableId', 'string'], ['Folder', 'string'], ['DocString', 'string'],
    ],
    rows: tables.map((table) => {
      const extents = ctx.store.extentsOf(table);
      const rowCount = extents.reduce((n, e) => n + e.rowCount, 0);
      const policy = (kind: string) => table.policies[kind] ?? null;
      const created = extents.map((e) => e.createdOn).sort();
      return [
        table.name, db.name, extents.length, rowCount * 5, rowCount * 10, rowCount, extents.length, rowCount * 5, rowCount * 10, rowCount, '[]', policy('retention'),
        policy('caching'), policy('sharding'), policy('merge'), policy('streamingingestion'), policy('ingestionbatching'),
        created[0] ?? null, created[created.length - 1] ?? null, null, `00000000-0000-0000-0000-${String(table.id).padStart(12, '0')}`, table.folder, table.docString,
      ];
    }),
  };
}
