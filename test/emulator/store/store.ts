// The emulator's storage: one DuckDB instance; a Kusto database is a DuckDB schema, a Kusto table a
// DuckDB table (columns in the contract's storage representation plus a hidden `__extent` column).
// Names in DuckDB are internal (db_N, t_N) because DuckDB identifiers are case-insensitive while
// Kusto table names are not; the Kusto names, schemas, policies, mappings, roles and extents live
// in the metadata kept here (and in a JSON file beside the DuckDB file when persisted).
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import type { Catalog, KustoColumn } from '../kql/contract';
import { quoteIdent } from '../kql/sqlText';
import { duckdbType } from '../kql/values';
import { KustoRequestError } from '../server/errors';
import { assertEntityName } from './entityNames';

export const EXTENT_COLUMN = '__extent';

export type DatabaseRole = 'admins' | 'users' | 'viewers' | 'ingestors' | 'unrestrictedviewers';
export type TableRole = 'admins' | 'ingestors';

export interface IngestionMapping {
  name: string;
  kind: string; // Csv, Json, Parquet, ...
  mapping: string; // JSON text as given
  lastUpdatedOn: string;
}

export interface TableMeta {
  id: number;
  name: string;
  columns: KustoColumn[];
  folder: string;
  docString: string;
  policies: Record<string, string>;
  mappings: IngestionMapping[];
  roles: Record<TableRole, string[]>;
  /** `.create table T (...) with (hidden=true)`: left out of `.show tables` unless IncludeHiddenTables. */
  hidden?: boolean;
}

export interface DatabaseMeta {
  id: number;
  name: string;
  tables: TableMeta[];
  policies: Record<string, string>;
  roles: Record<DatabaseRole, string[]>;
}

export interface ExtentMeta {
  id: string;
  database: string;
  tableId: number;
  rowCount: number;
  tags: string[];
  createdOn: string; // ISO
  minCreatedOn: string;
}

interface Metadata {
  nextId: number;
  databases: DatabaseMeta[];
  extents: ExtentMeta[];
}

function emptyDatabaseRoles(): Record<DatabaseRole, string[]> {
  return { admins: [], users: [], viewers: [], ingestors: [], unrestrictedviewers: [] };
}

/** Serializes writers: DuckDB's optimistic concurrency would abort concurrent appends to one table. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async run<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release: () => void = () => undefined;
    this.tail = new Promise<void>((r) => (release = r));
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }
}

export class Store {
  private readonly meta: Metadata;
  private readonly writeLock = new Mutex();

  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    private readonly metaPath: string | undefined,
    meta: Metadata,
  ) {
    this.meta = meta;
  }

  static async open(dataDir?: string): Promise<Store> {
    let file = ':memory:';
    let metaPath: string | undefined;
    let meta: Metadata = { nextId: 1, databases: [], extents: [] };
    if (dataDir) {
      mkdirSync(dataDir, { recursive: true });
      file = join(dataDir, 'kusto.duckdb');
      metaPath = join(dataDir, 'metadata.json');
      if (existsSync(metaPath)) meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Metadata;
    }
    const instance = await DuckDBInstance.create(file);
    const connection = await instance.connect();
    return new Store(instance, connection, metaPath, meta);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  /** A separate connection, so that a streaming read does not block other requests. */
  connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  write<T>(work: () => Promise<T>): Promise<T> {
    return this.writeLock.run(async () => {
      const result = await work();
      this.persist();
      return result;
    });
  }

  private persist(): void {
    if (this.metaPath) writeFileSync(this.metaPath, JSON.stringify(this.meta));
  }

  // ---- databases ----------------------------------------------------------------------------

  databases(): DatabaseMeta[] {
    return this.meta.databases;
  }

  findDatabase(name: string): DatabaseMeta | undefined {
    return this.meta.databases.find((d) => d.name.toLowerCase() === name.toLowerCase());
  }

  database(name: string): DatabaseMeta {
    const db = this.findDatabase(name);
    if (!db) throw new KustoRequestError(404, 'BadRequest_EntityNotFound', `Database '${name}' was not found.`, 'Kusto.Data.Exceptions.EntityNotFoundException');
    return db;
  }

  async createDatabase(name: string): Promise<DatabaseMeta> {
    const existing = this.findDatabase(name);
    if (existing) return existing;
    assertEntityName('Database', name);
    const db: DatabaseMeta = { id: this.meta.nextId++, name, tables: [], policies: {}, roles: emptyDatabaseRoles() };
    await this.connection.run(`CREATE SCHEMA IF NOT EXISTS ${schemaName(db)}`);
    this.meta.databases.push(db);
    return db;
  }

  async dropDatabase(name: string): Promise<void> {
    const db = this.database(name);
    await this.connection.run(`DROP SCHEMA IF EXISTS ${schemaName(db)} CASCADE`);
    this.meta.databases = this.meta.databases.filter((d) => d !== db);
    this.meta.extents = this.meta.extents.filter((e) => e.database !== db.name);
  }

  // ---- tables -------------------------------------------------------------------------------

  findTable(db: DatabaseMeta, name: string): TableMeta | undefined {
    return db.tables.find((t) => t.name === name);
  }

  table(db: DatabaseMeta, name: string): TableMeta {
    const table = this.findTable(db, name);
    if (!table) {
      throw new KustoRequestError(400, 'General_BadRequest', `Semantic error: SEM0100: Failed to resolve table or column expression named '${name}'`);
    }
    return table;
  }

  /** The DuckDB name of a table, qualified by its database's schema. */
  relation(db: DatabaseMeta, table: TableMeta): string {
    return `${schemaName(db)}.${quoteIdent(`t_${table.id}`)}`;
  }

  catalog(db: DatabaseMeta, onTableUsed?: (table: TableMeta) => void): Catalog {
    return {
      database: db.name,
      tableColumns: (name) => {
        const table = this.findTable(db, name);
        if (table) onTableUsed?.(table);
        return table?.columns;
      },
      tableRelation: (name) => this.relation(db, this.table(db, name)),
      tableNames: () => db.tables.map((t) => t.name),
    };
  }

  async createTable(db: DatabaseMeta, name: string, columns: KustoColumn[], props: { folder?: string; docString?: string; hidden?: boolean } = {}): Promise<TableMeta> {
    assertEntityName('Table', name);
    assertUniqueColumns(columns);
    const table: TableMeta = {
      id: this.meta.nextId++, name, columns: columns.map((c) => ({ ...c })), folder: props.folder ?? '', docString: props.docString ?? '',
      policies: {}, mappings: [], roles: { admins: [], ingestors: [] }, ...(props.hidden ? { hidden: true } : {}),
    };
    const defs = [...columns.map((c) => `${quoteIdent(c.name)} ${duckdbType(c.type)}`), `${quoteIdent(EXTENT_COLUMN)} VARCHAR`];
    await this.connection.run(`CREATE TABLE ${this.relation(db, table)} (${defs.join(', ')})`);
    db.tables.push(table);
    return table;
  }

  /** `.create-merge` / `.alter-merge`: adds the columns that are new; a type change is an error. */
  async mergeColumns(db: DatabaseMeta, table: TableMeta, columns: KustoColumn[]): Promise<void> {
    assertUniqueColumns(columns);
    for (const column of columns) {
      const existing = table.columns.find((c) => c.name === column.name);
      if (existing) {
        if (existing.type !== column.type) {
          throw new KustoRequestError(400, 'General_BadRequest', `Column '${column.name}' of table '${table.name}' is of type '${existing.type}', cannot merge with type '${column.type}'`);
        }
        continue;
      }
      await this.connection.run(`ALTER TABLE ${this.relation(db, table)} ADD COLUMN ${quoteIdent(column.name)} ${duckdbType(column.type)}`);
      table.columns.push({ ...column });
      // Keep `__extent` the last physical column: the appender writes the table's columns, then it.
      const rel = this.relation(db, table);
      await this.connection.run(`ALTER TABLE ${rel} RENAME COLUMN ${quoteIdent(EXTENT_COLUMN)} TO __extent_moving`);
      await this.connection.run(`ALTER TABLE ${rel} ADD COLUMN ${quoteIdent(EXTENT_COLUMN)} VARCHAR`);
      await this.connection.run(`UPDATE ${rel} SET ${quoteIdent(EXTENT_COLUMN)} = __extent_moving`);
      await this.connection.run(`ALTER TABLE ${rel} DROP COLUMN __extent_moving`);
    }
  }

  /** `.alter table T (...)`: the new schema, in its order; data of kept columns stays. */
  async alterColumns(db: DatabaseMeta, table: TableMeta, columns: KustoColumn[]): Promise<void> {
    assertUniqueColumns(columns);
    const rel = this.relation(db, table);
    const tmp = `${schemaName(db)}.${quoteIdent(`t_${table.id}_alter`)}`;
    const select = columns.map((c) => {
      const old = table.columns.find((o) => o.name === c.name);
      if (old && old.type === c.type) return quoteIdent(c.name);
      if (c.type === 'string') return `CAST('' AS VARCHAR) AS ${quoteIdent(c.name)}`;
      return `CAST(NULL AS ${duckdbType(c.type)}) AS ${quoteIdent(c.name)}`;
    });
    await this.connection.run(`CREATE TABLE ${tmp} AS SELECT ${[...select, quoteIdent(EXTENT_COLUMN)].join(', ')} FROM ${rel}`);
    await this.connection.run(`DROP TABLE ${rel}`);
    await this.connection.run(`ALTER TABLE ${tmp} RENAME TO ${quoteIdent(`t_${table.id}`)}`);
    table.columns = columns.map((c) => ({ ...c }));
  }

  async dropTable(db: DatabaseMeta, table: TableMeta): Promise<void> {
    await this.connection.run(`DROP TABLE IF EXISTS ${this.relation(db, table)}`);
    db.tables = db.tables.filter((t) => t !== table);
    this.meta.extents = this.meta.extents.filter((e) => e.tableId !== table.id);
  }

  renameTable(db: DatabaseMeta, table: TableMeta, newName: string): void {
    assertEntityName('Table', newName);
    if (this.findTable(db, newName)) throw new KustoRequestError(400, 'General_BadRequest', `Table '${newName}' already exists in database '${db.name}'`);
    table.name = newName;
  }

  // ---- extents ------------------------------------------------------------------------------

  extentsOf(table: TableMeta): ExtentMeta[] {
    return this.meta.extents.filter((e) => e.tableId === table.id);
  }

  extentsOfDatabase(db: DatabaseMeta): ExtentMeta[] {
    return this.meta.extents.filter((e) => e.database === db.name);
  }

  hasIngestByTag(table: TableMeta, tag: string): boolean {
    const wanted = `ingest-by:${tag}`;
    return this.extentsOf(table).some((e) => e.tags.includes(wanted));
  }

  /**
   * Appends the rows of `selectSql` (columns in the table's order, storage representation) as one
   * new extent. Call inside `write`. Returns undefined when no row came (Kusto creates no extent).
   */
  async appendExtent(db: DatabaseMeta, table: TableMeta, selectSql: string, opts: { tags?: string[]; creationTime?: string } = {}): Promise<ExtentMeta | undefined> {
    const id = randomUUID();
    const names = table.columns.map((c) => quoteIdent(c.name));
    const result = await this.connection.run(
      `INSERT INTO ${this.relation(db, table)} (${[...names, quoteIdent(EXTENT_COLUMN)].join(', ')}) SELECT *, '${id}' FROM (${selectSql}) AS _src`,
    );
    const rowCount = Number(result.rowsChanged);
    return this.recordExtent(db, table, id, rowCount, opts);
  }

  /** Registers an extent whose rows were already inserted with `__extent = id`. */
  recordExtent(db: DatabaseMeta, table: TableMeta, id: string, rowCount: number, opts: { tags?: string[]; creationTime?: string } = {}): ExtentMeta | undefined {
    if (rowCount === 0) return undefined;
    const created = opts.creationTime ? new Date(opts.creationTime).toISOString() : new Date().toISOString();
    const extent: ExtentMeta = { id, database: db.name, tableId: table.id, rowCount, tags: [...new Set(opts.tags ?? [])], createdOn: new Date().toISOString(), minCreatedOn: created };
    this.meta.extents.push(extent);
    return extent;
  }

  /** Drops every row and extent of a table (`.set-or-replace`, `.clear table data`). */
  async clearTable(db: DatabaseMeta, table: TableMeta): Promise<void> {
    await this.connection.run(`DELETE FROM ${this.relation(db, table)}`);
    this.meta.extents = this.meta.extents.filter((e) => e.tableId !== table.id);
  }

  async dropExtents(db: DatabaseMeta, extents: ExtentMeta[]): Promise<void> {
    for (const [tableId, ids] of groupByTable(extents)) {
      const table = db.tables.find((t) => t.id === tableId);
      if (table) await this.connection.run(`DELETE FROM ${this.relation(db, table)} WHERE ${quoteIdent(EXTENT_COLUMN)} IN (${ids.map((i) => `'${i}'`).join(', ')})`);
    }
    const gone = new Set(extents.map((e) => e.id));
    this.meta.extents = this.meta.extents.filter((e) => !gone.has(e.id));
  }

  /** Moves extents between tables: the rows change table, the extent ids and tags stay. */
  async moveExtents(db: DatabaseMeta, source: TableMeta, target: TableMeta, extents: ExtentMeta[]): Promise<void> {
    if (extents.length === 0) return;
    for (const column of source.columns) {
      const t = target.columns.find((c) => c.name === column.name);
      if (!t || t.type !== column.type) {
        throw new KustoRequestError(400, 'General_BadRequest', `Cannot move extents from '${source.name}' to '${target.name}': schemas differ (column '${column.name}')`);
      }
    }
    const ids = extents.map((e) => `'${e.id}'`).join(', ');
    const names = [...source.columns.map((c) => quoteIdent(c.name)), quoteIdent(EXTENT_COLUMN)].join(', ');
    await this.connection.run('BEGIN TRANSACTION');
    try {
      await this.connection.run(`INSERT INTO ${this.relation(db, target)} (${names}) SELECT ${names} FROM ${this.relation(db, source)} WHERE ${quoteIdent(EXTENT_COLUMN)} IN (${ids})`);
      await this.connection.run(`DELETE FROM ${this.relation(db, source)} WHERE ${quoteIdent(EXTENT_COLUMN)} IN (${ids})`);
      await this.connection.run('COMMIT');
    } catch (error) {
      await this.connection.run('ROLLBACK');
      throw error;
    }
    for (const extent of extents) extent.tableId = target.id;
  }

  /** A DuckDB appender over a table's columns in order, then `__extent`. Call inside `write`. */
  appender(db: DatabaseMeta, table: TableMeta): Promise<DuckDBAppender> {
    return this.connection.createAppender(`t_${table.id}`, `db_${db.id}`);
  }

  async rowCount(db: DatabaseMeta, table: TableMeta): Promise<number> {
    const reader = await this.connection.runAndReadAll(`SELECT count(*) FROM ${this.relation(db, table)}`);
    return Number(reader.getRows()[0][0]);
  }
}

function schemaName(db: DatabaseMeta): string {
  return quoteIdent(`db_${db.id}`);
}

/** Valid column names (the service's entity-name rules), none given twice. */
export function assertUniqueColumns(columns: KustoColumn[]): void {
  const seen = new Set<string>();
  for (const c of columns) {
    assertEntityName('Column', c.name);
    const key = c.name.toLowerCase();
    if (seen.has(key) || key === EXTENT_COLUMN) throw new KustoRequestError(400, 'General_BadRequest', `Column '${c.name}' is given more than once (the emulator treats column names case-insensitively)`);
    seen.add(key);
  }
}

function groupByTable(extents: ExtentMeta[]): Map<number, string[]> {
  const map = new Map<number, string[]>();
  for (const e of extents) map.set(e.tableId, [...(map.get(e.tableId) ?? []), e.id]);
  return map;
}
