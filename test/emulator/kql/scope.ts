// What a scalar expression can see while it is compiled.
import type { KustoColumn, KustoType, QueryPrincipal } from './contract';

/** A compiled scalar expression: DuckDB SQL in the storage representation of `type`. */
export interface Expr {
  sql: string;
  type: KustoType;
  /** The column name Kusto derives from the expression, when it derives one (a column, a path). */
  name?: string;
  /** The stored value when the expression is a constant known at compile time. */
  constant?: { value: unknown };
  /** True when the SQL contains an aggregate call (summarize). */
  aggregate?: boolean;
}

/** A tabular value: a SQL SELECT and its Kusto schema. */
export interface Relation {
  sql: string;
  columns: KustoColumn[];
}

export interface ScalarScope {
  /** The operator being compiled, for error messages ("'where' operator: ..."). */
  operator: string;
  /** Columns visible by bare name; `sql` is how to reference each. */
  columns: Map<string, Expr>;
  /** `$left` / `$right` columns inside a join condition. */
  sides?: { left: Map<string, Expr>; right: Map<string, Expr> };
  /** Scalar `let`s and query parameters. */
  lets: Map<string, Expr>;
  /** Whether aggregate functions may appear (summarize aggregates). */
  aggregates: boolean;
  /** now() for the whole query (Kusto evaluates it once per query), in ticks. */
  nowTicks: bigint;
  /** The caller, when the server knows one. */
  principal?: QueryPrincipal;
}

export function columnsOf(columns: KustoColumn[], qualifier = ''): Map<string, Expr> {
  const map = new Map<string, Expr>();
  for (const c of columns) map.set(c.name, { sql: `${qualifier}"${c.name.replace(/"/g, '""')}"`, type: c.type, name: c.name });
  return map;
}
