// Compiles KQL tabular expressions (sources and pipe operators) to DuckDB SELECT statements.
// Every operator wraps its input as a subquery; DuckDB's optimizer flattens the nesting, and
// nothing adds an ORDER BY unless the query sorts, so plain scans, filters, projections and
// `take` stream with bounded memory.
import type { Catalog, KustoColumn, KustoType } from './contract';
import { notSupported, semanticError, unresolvedColumn, unresolvedTable } from './errors';
import { compileScalar, identifierOf } from './scalars';
import { columnsOf, type Expr, type Relation, type ScalarScope } from './scope';
import { quoteIdent } from './sqlText';
import { listItems, nodeText, type SNode } from './syntaxTree';
import { clrTypeName, duckdbType, parseCslType, sqlLiteral, sqlString } from './values';

export interface TabularContext {
  catalog: Catalog;
  scalarLets: Map<string, Expr>;
  tabularLets: Map<string, Relation>;
  nowTicks: bigint;
}

const from = (input: Relation): string => `(${input.sql}) AS _t`;

function scopeFor(ctx: TabularContext, operator: string, columns: KustoColumn[], aggregates = false): ScalarScope {
  return { operator, columns: columnsOf(columns), lets: ctx.scalarLets, aggregates, nowTicks: ctx.nowTicks, principal: ctx.catalog.principal };
}

function selectList(items: { sql: string; name: string }[]): string {
  return items.map((i) => `${i.sql} AS ${quoteIdent(i.name)}`).join(', ');
}

/** Picks "Column1", "Column2", ... (or print_N) for unnamed expressions, avoiding taken names. */
class ColumnNamer {
  private counter = 0;
  constructor(private readonly taken: Set<string>, private readonly prefix = 'Column', private readonly fromZero = false) {}
  next(): string {
    for (;;) {
      const name = `${this.prefix}${this.fromZero ? this.counter++ : ++this.counter}`;
      if (!this.taken.has(name)) { this.taken.add(name); return name; }
    }
  }
  unique(name: string): string {
    let candidate = name;
    for (let i = 1; this.taken.has(candidate); i++) candidate = `${name}${i}`;
    this.taken.add(candidate);
    return candidate;
  }
}

interface NamedExpr { name: string | undefined; expr: Expr }

function namedExpression(node: SNode, scope: ScalarScope): NamedExpr {
  if (node.kind === 'SimpleNamedExpression') {
    return { name: identifierOf(node.named.Name), expr: compileScalar(node.named.Expression, scope) };
  }
  if (node.kind === 'CompoundNamedExpression') throw notSupported('(a, b) = ... assignments');
  const expr = compileScalar(node, scope);
  return { name: expr.name, expr };
}

function constantLong(node: SNode, ctx: TabularContext, operator: string): bigint {
  const e = compileScalar(node, scopeFor(ctx, operator, []));
  if (!e.constant || (e.type !== 'long' && e.type !== 'int') || e.constant.value === null) {
    throw notSupported(`a non-constant row count in '${operator}'`);
  }
  return BigInt(e.constant.value as bigint | number);
}

function namedParameters(node: SNode): Map<string, string> {
  const map = new Map<string, string>();
  for (const p of listItems(node.named.Parameters)) {
    const value = p.named.Expression;
    map.set(identifierOf(p.named.Name).toLowerCase(), value.kind === 'NameDeclaration' ? identifierOf(value) : nodeText(value));
  }
  return map;
}

// ---- sources -------------------------------------------------------------------------------

function tableReference(name: string, ctx: TabularContext): Relation {
  const bound = ctx.tabularLets.get(name);
  if (bound) return bound;
  const columns = ctx.catalog.tableColumns(name);
  if (!columns) throw unresolvedTable(name);
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  return { sql: `SELECT ${list} FROM ${ctx.catalog.tableRelation(name)}`, columns };
}

function dataTable(node: SNode, ctx: TabularContext): Relation {
  const columns = listItems(node.named.Schema.named.Columns).map((c): KustoColumn => ({
    name: identifierOf(c.named.Name),
    type: parseCslType(nodeText(c.named.Type)),
  }));
  const values = listItems(node.named.Values);
  if (values.length % columns.length !== 0) throw semanticError('SEM0001: datatable: the number of values is not a multiple of the number of columns');
  const scope = scopeFor(ctx, 'datatable', []);
  const rows: string[] = [];
  for (let r = 0; r < values.length; r += columns.length) {
    rows.push(`(${columns.map((c, i) => literalAs(compileScalar(values[r + i], scope), c.type)).join(', ')})`);
  }
  const names = columns.map((c) => quoteIdent(c.name)).join(', ');
  if (rows.length === 0) {
    return { sql: `SELECT ${columns.map((c) => `${sqlLiteral(c.type, null)} AS ${quoteIdent(c.name)}`).join(', ')} WHERE FALSE`, columns };
  }
  return { sql: `SELECT * FROM (VALUES ${rows.join(', ')}) AS _d(${names})`, columns };
}

/** A datatable value: a constant of the column's type (numbers convert between numeric types). */
function literalAs(e: Expr, type: KustoType): string {
  if (!e.constant) throw semanticError('SEM0001: datatable values must be constants');
  if (e.constant.value === null) return sqlLiteral(type, null);
  if (e.type === type) return e.sql;
  const numeric = (t: KustoType): boolean => t === 'int' || t === 'long' || t === 'real';
  if (numeric(e.type) && numeric(type)) return `CAST(${e.sql} AS ${duckdbType(type)})`;
  throw semanticError(`SEM0001: datatable: a ${e.type} value in a column of type ${type}`);
}

function range(node: SNode, ctx: TabularContext): Relation {
  const name = identifierOf(node.named.Name);
  const scope = scopeFor(ctx, 'range', []);
  const start = compileScalar(node.named.From, scope);
  const stop = compileScalar(node.named.To, scope);
  const step = compileScalar(node.named.Step, scope);
  const integral = (t: KustoType): boolean => t === 'long' || t === 'int';
  let type: KustoType;
  if (integral(start.type) && integral(stop.type) && integral(step.type)) type = 'long';
  else if (start.type === 'datetime' && stop.type === 'datetime' && step.type === 'timespan') type = 'datetime';
  else if (start.type === 'timespan' && stop.type === 'timespan' && step.type === 'timespan') type = 'timespan';
  else throw notSupported(`range of ${start.type} to ${stop.type} step ${step.type}`);
  const sql = `SELECT generate_series AS ${quoteIdent(name)} FROM generate_series(CAST(${start.sql} AS BIGINT), CAST(${stop.sql} AS BIGINT), CAST(${step.sql} AS BIGINT))`;
  return { sql, columns: [{ name, type }] };
}

function print(node: SNode, ctx: TabularContext): Relation {
  const scope = scopeFor(ctx, 'print', []);
  const items = listItems(node.named.Expressions);
  const taken = new Set<string>();
  const out: { sql: string; name: string; type: KustoType }[] = [];
  items.forEach((item, index) => {
    const { name, expr } = namedExpression(item, scope);
    const finalName = item.kind === 'SimpleNamedExpression' && name ? name : `print_${index}`;
    taken.add(finalName);
    out.push({ sql: expr.sql, name: finalName, type: expr.type });
  });
  return { sql: `SELECT ${selectList(out)}`, columns: out.map((o) => ({ name: o.name, type: o.type })) };
}

// ---- operators -----------------------------------------------------------------------------

function where(input: Relation, node: SNode, ctx: TabularContext): Relation {
  const cond = compileScalar(node.named.Condition, scopeFor(ctx, 'where', input.columns));
  if (cond.type !== 'bool') throw semanticError(`SEM0001: 'where' operator: the predicate must be of type bool, got ${cond.type}`);
  return { sql: `SELECT * FROM ${from(input)} WHERE ${cond.sql}`, columns: input.columns };
}

function project(input: Relation, node: SNode, ctx: TabularContext, operator: string): Relation {
  const scope = scopeFor(ctx, operator, input.columns);
  const namer = new ColumnNamer(new Set());
  const items = listItems(node.named.Expressions).map((n) => namedExpression(n, scope));
  const out = items.map(({ name, expr }) => ({ sql: expr.sql, name: name === undefined ? '' : namer.unique(name), type: expr.type }));
  for (const o of out) if (o.name === '') o.name = namer.next();
  return { sql: `SELECT ${selectList(out)} FROM ${from(input)}`, columns: out.map((o) => ({ name: o.name, type: o.type })) };
}

function extend(input: Relation, node: SNode, ctx: TabularContext): Relation {
  const scope = scopeFor(ctx, 'extend', input.columns);
  const columns = input.columns.map((c) => ({ sql: quoteIdent(c.name), name: c.name, type: c.type }));
  const namer = new ColumnNamer(new Set(input.columns.map((c) => c.name)));
  for (const item of listItems(node.named.Expressions)) {
    const { name, expr } = namedExpression(item, scope);
    const existing = name === undefined ? -1 : columns.findIndex((c) => c.name === name);
    if (existing >= 0) columns[existing] = { sql: expr.sql, name: name as string, type: expr.type };
    else columns.push({ sql: expr.sql, name: name ?? namer.next(), type: expr.type });
  }
  return { sql: `SELECT ${selectList(columns)} FROM ${from(input)}`, columns: columns.map((c) => ({ name: c.name, type: c.type })) };
}

function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

function projectAway(input: Relation, node: SNode): Relation {
  const patterns = listItems(node.named.Expressions).map((n) => {
    const text = n.kind === 'NameReference' && n.named.Name?.kind !== 'WildcardedName' ? identifierOf(n) : nodeText(n).replace(/\s+/g, '');
    if (!text.includes('*') && !input.columns.some((c) => c.name === text)) throw unresolvedColumn('project-away', text);
    return wildcard(text);
  });
  const kept = input.columns.filter((c) => !patterns.some((p) => p.test(c.name)));
  return { sql: `SELECT ${kept.map((c) => quoteIdent(c.name)).join(', ')} FROM ${from(input)}`, columns: kept };
}

function projectRename(input: Relation, node: SNode): Relation {
  const renames = new Map<string, string>();
  for (const item of listItems(node.named.Expressions)) {
    if (item.kind !== 'SimpleNamedExpression') throw notSupported(`project-rename without 'new = old'`);
    const old = identifierOf(item.named.Expression);
    if (!input.columns.some((c) => c.name === old)) throw unresolvedColumn('project-rename', old);
    renames.set(old, identifierOf(item.named.Name));
  }
  const columns = input.columns.map((c) => ({ name: renames.get(c.name) ?? c.name, type: c.type }));
  const list = input.columns.map((c) => `${quoteIdent(c.name)} AS ${quoteIdent(renames.get(c.name) ?? c.name)}`).join(', ');
  return { sql: `SELECT ${list} FROM ${from(input)}`, columns };
}

function summarize(input: Relation, node: SNode, ctx: TabularContext): Relation {
  const byScope = scopeFor(ctx, 'summarize', input.columns);
  const aggScope = scopeFor(ctx, 'summarize', input.columns, true);
  const namer = new ColumnNamer(new Set());
  const byItems = listItems(node.named.ByClause?.named.Expressions).map((n) => {
    const { name, expr } = namedExpression(n, byScope);
    if (expr.aggregate) throw semanticError('SEM0001: summarize: aggregates are not allowed in the by clause');
    // `by bin(ts, 1h)` is named after its column, as Kusto names it.
    let derived = name;
    if (derived === undefined && n.kind === 'FunctionCallExpression') {
      const fn = identifierOf(n.named.Name);
      const first = listItems(n.named.ArgumentList.named.Expressions)[0];
      if ((fn === 'bin' || fn === 'floor') && first?.kind === 'NameReference') derived = identifierOf(first);
    }
    return { expr, name: derived };
  });
  const aggItems = listItems(node.named.Aggregates).map((n) => {
    const { name, expr } = n.kind === 'SimpleNamedExpression'
      ? { name: identifierOf(n.named.Name), expr: compileScalar(n.named.Expression, aggScope) }
      : { name: undefined, expr: compileScalar(n, aggScope) };
    if (!expr.aggregate) throw semanticError(`SEM0001: summarize operator: '${nodeText(n)}' is not an aggregate`);
    return { expr, name: name ?? (n.kind === 'FunctionCallExpression' ? expr.name : undefined) };
  });
  const out = [...byItems, ...aggItems].map((i) => ({ sql: i.expr.sql, type: i.expr.type, name: i.name === undefined ? '' : namer.unique(i.name) }));
  for (const o of out) if (o.name === '') o.name = namer.next();
  const groupBy = byItems.length ? ` GROUP BY ${byItems.map((_, i) => i + 1).join(', ')}` : '';
  return { sql: `SELECT ${selectList(out)} FROM ${from(input)}${groupBy}`, columns: out.map((o) => ({ name: o.name, type: o.type })) };
}

/** ORDER BY terms; Kusto sorts descending by default, nulls last when descending, first when ascending. */
function orderTerms(nodes: SNode[], scope: ScalarScope): string {
  return nodes.map((n) => {
    const exprNode = n.kind === 'OrderedExpression' ? n.named.Expression : n;
    const ordering = n.kind === 'OrderedExpression' ? n.named.Ordering : undefined;
    const expr = compileScalar(exprNode, scope);
    if (expr.type === 'dynamic' || expr.type === 'decimal') throw notSupported(`sorting by ${expr.type} values`);
    const asc = ordering?.named.AscOrDescKeyword?.text.toLowerCase() === 'asc';
    const nulls = ordering?.named.NullsClause?.named.FirstOrLastKeyword?.text.toLowerCase() ?? (asc ? 'first' : 'last');
    return `${expr.sql} ${asc ? 'ASC' : 'DESC'} NULLS ${nulls.toUpperCase()}`;
  }).join(', ');
}

function sort(input: Relation, node: SNode, ctx: TabularContext): Relation {
  const terms = orderTerms(listItems(node.named.Expressions), scopeFor(ctx, 'sort', input.columns));
  return { sql: `SELECT * FROM ${from(input)} ORDER BY ${terms}`, columns: input.columns };
}

function top(input: Relation, node: SNode, ctx: TabularContext): Relation {
  const n = constantLong(node.named.Expression, ctx, 'top');
  const terms = orderTerms([node.named.ByExpression], scopeFor(ctx, 'top', input.columns));
  return { sql: `SELECT * FROM ${from(input)} ORDER BY ${terms} LIMIT ${n}`, columns: input.columns };
}

function distinct(input: Relation, node: SNode, ctx: TabularContext): Relation {
  const items = listItems(node.named.Expressions);
  if (items.length === 1 && nodeText(items[0]) === '*') return { sql: `SELECT DISTINCT * FROM ${from(input)}`, columns: input.columns };
  return { ...project(input, node, ctx, 'distinct'), sql: `SELECT DISTINCT ${project(input, node, ctx, 'distinct').sql.slice('SELECT '.length)}` };
}

function union(inputs: Relation[], names: (string | undefined)[], withSource: string | undefined): Relation {
  const columns: KustoColumn[] = [];
  for (const rel of inputs) {
    for (const c of rel.columns) {
      const seen = columns.find((x) => x.name === c.name);
      if (!seen) columns.push(c);
      else if (seen.type !== c.type) throw notSupported(`union of columns named '${c.name}' with different types`);
    }
  }
  const selects = inputs.map((rel, i) => {
    const list = columns.map((c) => (rel.columns.some((x) => x.name === c.name) ? quoteIdent(c.name) : `${sqlLiteral(c.type, null)} AS ${quoteIdent(c.name)}`));
    if (withSource !== undefined) {
      const source = names[i];
      if (source === undefined) throw notSupported('union withsource= over expressions that are not table names');
      list.unshift(`${sqlString(source)} AS ${quoteIdent(withSource)}`);
    }
    return `SELECT ${list.join(', ')} FROM (${rel.sql}) AS _u${i}`;
  });
  const all = withSource !== undefined ? [{ name: withSource, type: 'string' as KustoType }, ...columns] : columns;
  return { sql: selects.join(' UNION ALL '), columns: all };
}

function unionOperator(input: Relation | undefined, inputName: string | undefined, node: SNode, ctx: TabularContext): Relation {
  const params = namedParameters(node);
  for (const key of params.keys()) if (key !== 'withsource') throw notSupported(`union ${key}=`);
  const relations: Relation[] = input ? [input] : [];
  const names: (string | undefined)[] = input ? [inputName] : [];
  for (const item of listItems(node.named.Expressions)) {
    if (item.kind === 'NameReference') {
      const name = identifierOf(item);
      if (name.includes('*')) throw notSupported('union with wildcard table names');
      relations.push(tableReference(name, ctx));
      names.push(name);
    } else {
      relations.push(compileTabular(item, ctx));
      names.push(undefined);
    }
  }
  return union(relations, names, params.get('withsource'));
}

function join(left: Relation, node: SNode, ctx: TabularContext): Relation {
  const params = namedParameters(node);
  for (const key of params.keys()) if (key !== 'kind') throw notSupported(`join ${key}=`);
  const kind = (params.get('kind') ?? 'innerunique').toLowerCase();
  if (!['innerunique', 'inner', 'leftouter', 'leftsemi', 'leftanti', 'leftantisemi'].includes(kind)) throw notSupported(`join kind=${kind}`);
  const right = compileTabular(node.named.Expression, ctx);
  const clause = node.named.ConditionClause;
  if (clause.kind !== 'JoinOnClause') throw notSupported('join ... where');
  const leftCols = columnsOf(left.columns, '_l.');
  const rightCols = columnsOf(right.columns, '_r.');
  const scope: ScalarScope = { operator: 'join', columns: new Map(), sides: { left: leftCols, right: rightCols }, lets: ctx.scalarLets, aggregates: false, nowTicks: ctx.nowTicks, principal: ctx.catalog.principal };
  const pairs: [Expr, Expr][] = listItems(clause.named.Expressions).map((e) => {
    if (e.kind === 'NameReference') {
      const name = identifierOf(e);
      const l = leftCols.get(name); const r = rightCols.get(name);
      if (!l || !r) throw unresolvedColumn('join', name);
      return [l, r];
    }
    if (e.kind === 'EqualExpression') return [compileScalar(e.named.Left, scope), compileScalar(e.named.Right, scope)];
    throw notSupported(`join conditions other than equality of columns`);
  });
  for (const [l, r] of pairs) if (l.type !== r.type) throw semanticError(`SEM0001: join: key types differ (${l.type} and ${r.type})`);
  const on = pairs.map(([l, r]) => `${l.sql} = ${r.sql}`).join(' AND ');
  // innerunique (Kusto's default) keeps one arbitrary left row per key before joining.
  const leftKeys = pairs.map(([l]) => l.sql.replace(/^_l\./, '')).join(', ');
  const leftSql = kind === 'innerunique' ? `SELECT * FROM ${from(left)} QUALIFY row_number() OVER (PARTITION BY ${leftKeys}) = 1` : left.sql;
  if (kind === 'leftsemi' || kind === 'leftanti' || kind === 'leftantisemi') {
    const exists = `EXISTS (SELECT 1 FROM (${right.sql}) AS _r WHERE ${on})`;
    return { sql: `SELECT * FROM (${left.sql}) AS _l WHERE ${kind === 'leftsemi' ? '' : 'NOT '}${exists}`, columns: left.columns };
  }
  // Right columns whose names the left side already has get a numeric suffix (a -> a1).
  const taken = new Set(left.columns.map((c) => c.name));
  const rightOut = right.columns.map((c) => {
    let name = c.name;
    for (let i = 1; taken.has(name); i++) name = `${c.name}${i}`;
    taken.add(name);
    return { ...c, out: name };
  });
  const list = [
    ...left.columns.map((c) => `_l.${quoteIdent(c.name)} AS ${quoteIdent(c.name)}`),
    ...rightOut.map((c) => `_r.${quoteIdent(c.name)} AS ${quoteIdent(c.out)}`),
  ].join(', ');
  const joinKind = kind === 'leftouter' ? 'LEFT JOIN' : 'JOIN';
  return {
    sql: `SELECT ${list} FROM (${leftSql}) AS _l ${joinKind} (${right.sql}) AS _r ON ${on}`,
    columns: [...left.columns, ...rightOut.map((c) => ({ name: c.out, type: c.type }))],
  };
}

function getschema(input: Relation): Relation {
  const rows = input.columns.map((c, i) => `(${sqlString(c.name)}, CAST(${i} AS INTEGER), ${sqlString(clrTypeName(c.type))}, ${sqlString(c.type)})`);
  return {
    sql: `SELECT * FROM (VALUES ${rows.join(', ')}) AS _s("ColumnName", "ColumnOrdinal", "DataType", "ColumnType")`,
    columns: [
      { name: 'ColumnName', type: 'string' }, { name: 'ColumnOrdinal', type: 'int' },
      { name: 'DataType', type: 'string' }, { name: 'ColumnType', type: 'string' },
    ],
  };
}

function applyOperator(input: Relation, inputName: string | undefined, op: SNode, ctx: TabularContext): Relation {
  switch (op.kind) {
    case 'FilterOperator': return where(input, op, ctx);
    case 'ProjectOperator': return project(input, op, ctx, 'project');
    case 'ProjectAwayOperator': return projectAway(input, op);
    case 'ProjectRenameOperator': return projectRename(input, op);
    case 'ExtendOperator': return extend(input, op, ctx);
    case 'SummarizeOperator':
      if (listItems(op.named.Parameters).length) throw notSupported('summarize hints');
      return summarize(input, op, ctx);
    case 'TakeOperator': return { sql: `SELECT * FROM ${from(input)} LIMIT ${constantLong(op.named.Expression, ctx, 'take')}`, columns: input.columns };
    case 'TopOperator': return top(input, op, ctx);
    case 'SortOperator': return sort(input, op, ctx);
    case 'DistinctOperator': return distinct(input, op, ctx);
    case 'CountOperator': return { sql: `SELECT count(*) AS "Count" FROM ${from(input)}`, columns: [{ name: 'Count', type: 'long' }] };
    case 'UnionOperator': return unionOperator(input, inputName, op, ctx);
    case 'JoinOperator': return join(input, op, ctx);
    case 'GetSchemaOperator': return getschema(input);
    default: {
      const keyword = op.children.find((c) => c.isToken)?.text ?? op.kind;
      throw notSupported(`the '${keyword}' operator`);
    }
  }
}

/** The table name a tabular expression is, when it is a bare table reference (for withsource). */
function tableNameOf(node: SNode): string | undefined {
  return node.kind === 'NameReference' ? identifierOf(node) : undefined;
}

export function compileTabular(node: SNode, ctx: TabularContext): Relation {
  switch (node.kind) {
    case 'PipeExpression': {
      const input = compileTabular(node.named.Expression, ctx);
      return applyOperator(input, tableNameOf(node.named.Expression), node.named.Operator, ctx);
    }
    case 'NameReference': return tableReference(identifierOf(node), ctx);
    case 'ParenthesizedExpression': return compileTabular(node.named.Expression, ctx);
    case 'DataTableExpression':
      if (listItems(node.named.Parameters).length) throw notSupported('datatable parameters');
      return dataTable(node, ctx);
    case 'RangeOperator': return range(node, ctx);
    case 'PrintOperator': return print(node, ctx);
    case 'UnionOperator': return unionOperator(undefined, undefined, node, ctx);
    default: throw notSupported(`the tabular expression '${nodeText(node)}'`);
  }
}

