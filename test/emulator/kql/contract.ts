// The contract between the emulator's KQL compiler (test/emulator/kql/) and the rest of the
// emulator (server, store, ingestion, export). Both sides code against this file; change it only
// in ways both sides follow.
//
// Storage of Kusto values in DuckDB (one representation everywhere: tables, query results,
// ingestion, export):
//   bool -> BOOLEAN, int -> INTEGER, long -> BIGINT, real -> DOUBLE,
//   decimal -> VARCHAR (canonical .NET decimal text, e.g. "2.00000000000001"; exact, per-value scale),
//   string -> VARCHAR (never NULL: Kusto has no null string, store ''),
//   datetime -> BIGINT ticks (100 ns) since 0001-01-01T00:00:00Z,
//   timespan -> BIGINT ticks (100 ns), may be negative,
//   guid -> VARCHAR (lowercase canonical 8-4-4-4-12),
//   dynamic -> VARCHAR holding JSON text (NULL for a null dynamic).
// A SQL NULL is a Kusto null of that type.

export type KustoType = 'bool' | 'int' | 'long' | 'real' | 'decimal' | 'string' | 'datetime' | 'timespan' | 'guid' | 'dynamic';

export interface KustoColumn {
  name: string;
  type: KustoType;
}

/** What the compiler needs to know about the database a query runs in. */
export interface Catalog {
  database: string;
  /** Columns of a table in this database, or undefined when it does not exist. */
  tableColumns(table: string): KustoColumn[] | undefined;
  /** A SQL expression (usually a quoted DuckDB table name) that yields the table's rows, columns in order. */
  tableRelation(table: string): string;
  /** Names of all tables, for `union *`-like forms and error hints. */
  tableNames(): string[];
  /** Who runs the query: current_principal() and current_principal_details(). */
  principal?: QueryPrincipal;
}

export interface QueryPrincipal {
  /** e.g. `aaduser=alice@contoso.com`, `aadapp=<appid>;<tenant>`. */
  fqn: string;
  /** JSON text of current_principal_details(). */
  detailsJson: string;
}

/** One result set of a query, as SQL plus its Kusto schema. */
export interface CompiledResult {
  /** DuckDB SQL whose columns are exactly `columns`, in order, in the storage representation above. */
  sql: string;
  columns: KustoColumn[];
  /** Result-set name ("PrimaryResult" unless the query names it). */
  name: string;
}

export interface CompiledQuery {
  results: CompiledResult[];
  /** `set notruncation;` was given (or truncation limits set), from `set` statements in the query. */
  options: Record<string, string | boolean | number>;
  /**
   * Present when the query is `... | evaluate estimate_rows_count()`-like or other forms that the
   * compiler answers itself; absent for ordinary SQL-backed queries.
   */
  special?: { kind: 'estimateRowsCount'; inner: CompiledResult };
}

/** Query parameters from the request's `properties.Parameters` (name -> KQL literal text). */
export type QueryParameters = Record<string, string>;

/**
 * Errors the compiler throws. The server maps them to a 400 OneApiError:
 *   code "General_BadRequest", @type Kusto.Data.Exceptions.KustoBadRequestException,
 *   @message e.g. "Semantic error: SEM0100: 'where' operator: Failed to resolve scalar expression named 'aaa'",
 *   @permanent true.
 */
export class KqlError extends Error {
  constructor(
    message: string,
    /** SEM0100-style code for semantic errors, SYN0002 for syntax errors, or "NotSupported". */
    readonly kqlCode: string,
    /** The HTTP status the server should answer with. */
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = 'KqlError';
  }
}

/**
 * The compiler's entry points (implemented in test/emulator/kql/compiler.ts):
 *   compileQuery(text: string, catalog: Catalog, parameters?: QueryParameters): CompiledQuery
 * Value codec (implemented in test/emulator/kql/values.ts):
 *   encodeV2Value(type: KustoType, stored: unknown): unknown     // DuckDB value -> JSON value for v2/v1 rows
 *   parseKustoText(type: KustoType, text: string): unknown         // CSV/literal text -> DuckDB value (for ingestion)
 *   duckdbType(type: KustoType): string                            // 'BIGINT', 'VARCHAR', ...
 *   parseCslType(name: string): KustoType                          // 'string', 'System.String', 'datetime', 'date', 'int64', 'double'...
 *   clrTypeName(type: KustoType): string                           // 'System.String', 'System.DateTime', 'System.Data.SqlTypes.SqlDecimal', ...
 */
