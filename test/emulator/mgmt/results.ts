// The v1 tables management commands answer with, and the rows several commands share.
import type { KustoType } from '../kql/contract';
import { clrTypeName, v2JsonText } from '../kql/values';
import { v1DataType } from '../server/queryRunner';
import { KEYWORD_NAMES } from '../store/entityNames';
import type { DatabaseMeta, ExtentMeta, Store, TableMeta } from '../store/store';

export interface MgmtTable {
  columns: Array<[string, KustoType]>;
  rows: unknown[][];
}

/** The v1 body; rows may hold bigint longs and raw JSON (a piped query's result), written exactly. */
export function v1Body(tables: MgmtTable[]): string {
  const parts = tables.map((t, i) => {
    const columns = JSON.stringify(t.columns.map(([name, type]) => ({ ColumnName: name, DataType: v1DataType(type), ColumnType: type })));
    return `{"TableName":"Table_${i}","Columns":${columns},"Rows":[${t.rows.map((row) => v2JsonText(row)).join(',')}]}`;
  });
  return `{"Tables":[${parts.join(',')}]}`;
}

export function tableSchemaJson(table: TableMeta): string {
  return JSON.stringify({
    Name: table.name,
    OrderedColumns: table.columns.map((c) => ({ Name: c.name, Type: clrTypeName(c.type), CslType: c.type })),
  });
}

export function cslSchema(table: TableMeta): string {
  return table.columns.map((c) => `${/^[A-Za-z_]\w*$/.test(c.name) && !KEYWORD_NAMES.has(c.name) ? c.name : `['${c.name}']`}:${c.type}`).join(',');
}

export function schemaAsJsonTable(db: DatabaseMeta, tables: TableMeta[]): MgmtTable {
  return {
    columns: [['TableName', 'string'], ['Schema', 'string'], ['DatabaseName', 'string'], ['Folder', 'string'], ['DocString', 'string']],
    rows: tables.map((t) => [t.name, tableSchemaJson(t), db.name, t.folder, t.docString]),
  };
}

export function cslSchemaTable(db: DatabaseMeta, tables: TableMeta[]): MgmtTable {
  return {
    columns: [['TableName', 'string'], ['Schema', 'string'], ['DatabaseName', 'string'], ['Folder', 'string'], ['DocString', 'string']],
    rows: tables.map((t) => [t.name, cslSchema(t), db.name, t.folder, t.docString]),
  };
}

export function tablesTable(db: DatabaseMeta, tables: TableMeta[]): MgmtTable {
  return {
    columns: [['TableName', 'string'], ['DatabaseName', 'string'], ['Folder', 'string'], ['DocString', 'string']],
    rows: tables.map((t) => [t.name, db.name, t.folder, t.docString]),
  };
}

export function databaseSchemaJson(db: DatabaseMeta): string {
  const tables: Record<string, unknown> = {};
  for (const t of db.tables) {
    tables[t.name] = {
      Name: t.name, EntityType: 'Table', Folder: t.folder, DocString: t.docString,
      OrderedColumns: t.columns.map((c) => ({ Name: c.name, Type: clrTypeName(c.type), CslType: c.type })),
    };
  }
  return JSON.stringify({
    Databases: { [db.name]: { Name: db.name, Tables: tables, ExternalTables: {}, MaterializedViews: {}, Functions: {}, MajorVersion: 1, MinorVersion: 0 } },
  });
}

export function extentsTable(store: Store, db: DatabaseMeta, extents: ExtentMeta[]): MgmtTable {
  const nameOf = (id: number) => db.tables.find((t) => t.id === id)?.name ?? '';
  return {
    columns: [
      ['ExtentId', 'guid'], ['DatabaseName', 'string'], ['TableName', 'string'], ['MaxCreatedOn', 'datetime'], ['OriginalSize', 'real'],
      ['ExtentSize', 'real'], ['CompressedSize', 'real'], ['IndexSize', 'real'], ['Blocks', 'long'], ['Segments', 'long'], ['ExtentContainerId', 'string'],
      ['RowCount', 'long'], ['MinCreatedOn', 'datetime'], ['Tags', 'string'], ['Kind', 'string'], ['DeletedRowCount', 'long'],
    ],
    rows: extents.map((e) => [
      e.id, db.name, nameOf(e.tableId), e.createdOn, e.rowCount * 10, e.rowCount * 5, e.rowCount * 4, e.rowCount, 1, 1, store ? 'emulator' : '',
      e.rowCount, e.minCreatedOn, e.tags.join('\r\n'), 'StorageV3', 0,
    ]),
  };
}

/** What `.set-or-append` and friends answer: the extents they created. */
export function createdExtentsTable(extents: ExtentMeta[]): MgmtTable {
  return {
    columns: [['ExtentId', 'guid'], ['OriginalSize', 'real'], ['ExtentSize', 'real'], ['ColumnSize', 'real'], ['IndexSize', 'real'], ['RowCount', 'long']],
    rows: extents.map((e) => [e.id, e.rowCount * 10, e.rowCount * 5, e.rowCount * 4, e.rowCount, e.rowCount]),
  };
}
