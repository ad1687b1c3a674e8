// The emulator's KQL compiler: query text -> DuckDB SQL per result set (see contract.ts).
// Parsing is done by the official Kusto.Language parser (syntaxTree.ts); this module walks the
// statements: `set`, `declare query_parameters`, `let`, and the tabular expressions.
import { KqlError, type Catalog, type CompiledQuery, type CompiledResult, type KustoColumn, type QueryParameters } from './contract';
import { notSupported, semanticError, syntaxError } from './errors';
import { compileScalar, identifierOf } from './scalars';
import type { Expr, Relation, ScalarScope } from './scope';
import { listItems, nodeText, parseKql, type SNode } from './syntaxTree';
import { compileTabular, type TabularContext } from './tabular';
import { UNIX_EPOCH_TICKS } from './temporal';
import { parseCslType, sqlLiteral } from './values';

export { KqlError };

/**
 * Schema of `... | evaluate estimate_rows_count()`. The plugin is undocumented; the Spark
 * connector reads the estimate from column index 1 (as a number, or blank when unknown).
 * ExtentsCount is unknown to the compiler (NULL in `results[0]`); the server may fill it in.
 */
export const ESTIMATE_ROWS_COUNT_COLUMNS: KustoColumn[] = [
  { name: 'ExtentsCount', type: 'long' },
  { name: 'EstimatedRowsCount', type: 'long' },
];

function scalarScope(ctx: TabularContext, operator: string): ScalarScope {
  return { operator, columns: new Map(), lets: ctx.scalarLets, aggregates: false, nowTicks: ctx.nowTicks, principal: ctx.catalog.principal };
}

const TABULAR_KINDS = new Set([
  'PipeExpression', 'DataTableExpression', 'RangeOperator', 'PrintOperator', 'UnionOperator',
]);

function isTabular(node: SNode, ctx: TabularContext): boolean {
  if (TABULAR_KINDS.has(node.kind)) return true;
  if (node.kind === 'ParenthesizedExpression') return isTabular(node.named.Expression, ctx);
  if (node.kind === 'NameReference') {
    const name = identifierOf(node);
    return !ctx.scalarLets.has(name) && (ctx.tabularLets.has(name) || ctx.catalog.tableColumns(name) !== undefined);
  }
  return false;
}

function setOption(node: SNode, options: CompiledQuery['options']): void {
  const name = identifierOf(node.named.Name);
  const valueNode = node.named.ValueClause?.named.Expression;
  if (!valueNode) { options[name] = true; return; }
  const text = valueNode.isToken ? valueNode.value : nodeText(valueNode);
  const unquoted = text.replace(/^(["'])(.*)\1$/, '$2');
  if (/^(true|false)$/i.test(unquoted)) options[name] = unquoted.toLowerCase() === 'true';
  else if (/^-?\d+(\.\d+)?$/.test(unquoted)) options[name] = Number(unquoted);
  else options[name] = unquoted;
}

/** A request parameter's value: KQL literal text ("datetime(2020-01-01)", "'x'", "42"), or plain text for strings. */
function parameterValue(name: string, type: ReturnType<typeof parseCslType>, text: string, ctx: TabularContext): Expr {
  const { root, diagnostics } = parseKql(`print ${text}`);
  const printNode = root.named.Statements ? listItems(root.named.Statements)[0]?.named.Expression : undefined;
  const item = printNode?.kind === 'PrintOperator' ? listItems(printNode.named.Expressions)[0] : undefined;
  if (diagnostics.length === 0 && item && listItems(printNode?.named.Expressions).length === 1) {
    let e: Expr;
    try {
      e = compileScalar(item, scalarScope(ctx, 'declare'));
    } catch (error) {
      // The SDKs send string parameters unquoted (e.g. Beta): that is not a KQL literal.
      if (type === 'string') return { sql: sqlLiteral('string', text), type, constant: { value: text } };
      throw error;
    }
    if (e.constant && e.type === type) return e;
    if (e.constant && e.constant.value === null) return { sql: sqlLiteral(type, null), type, constant: { value: null } };
    if (e.constant && (type === 'real' || type === 'long' || type === 'int') && (e.type === 'long' || e.type === 'int' || e.type === 'real')) {
      return { sql: `CAST(${e.sql} AS ${type === 'real' ? 'DOUBLE' : type === 'int' ? 'INTEGER' : 'BIGINT'})`, type };
    }
  }
  // The SDKs send string parameters unquoted.
  if (type === 'string') return { sql: sqlLiteral('string', text), type, constant: { value: text } };
  throw semanticError(`SEM0001: query parameter '${name}': '${text}' is not a ${type} literal`);
}

function declareParameters(node: SNode, ctx: TabularContext, parameters: QueryParameters): void {
  for (const p of listItems(node.named.Parameters)) {
    const decl = p.named.NameAndType;
    const name = identifierOf(decl.named.Name);
    const type = parseCslType(nodeText(decl.named.Type));
    const given = parameters[name];
    if (given !== undefined) {
      ctx.scalarLets.set(name, parameterValue(name, type, given, ctx));
    } else if (p.named.DefaultValue) {
      const e = compileScalar(p.named.DefaultValue.named.Value, scalarScope(ctx, 'declare'));
      ctx.scalarLets.set(name, e);
    } else {
      throw semanticError(`SEM0001: query parameter '${name}' was declared but no value was given`);
    }
  }
}

function letStatement(node: SNode, ctx: TabularContext): void {
  const name = identifierOf(node.named.Name);
  const value = node.named.Expression;
  if (value.kind === 'FunctionDeclaration') throw notSupported('user-defined functions (let f = (...) { ... })');
  if (isTabular(value, ctx)) {
    ctx.tabularLets.set(name, compileTabular(value, ctx));
    ctx.scalarLets.delete(name);
  } else {
    const e = compileScalar(value, scalarScope(ctx, 'let'));
    ctx.scalarLets.set(name, { ...e, name: undefined });
    ctx.tabularLets.delete(name);
  }
}

/** The estimate_rows_count() call at the end of a pipe, if any. */
function estimateRowsInput(node: SNode): SNode | undefined {
  if (node.kind !== 'PipeExpression' || node.named.Operator.kind !== 'EvaluateOperator') return undefined;
  const call = node.named.Operator.named.FunctionCall;
  if (!call || identifierOf(call.named.Name) !== 'estimate_rows_count') return undefined;
  if (listItems(node.named.Operator.named.Parameters).length || listItems(call.named.ArgumentList.named.Expressions).length) {
    throw notSupported('estimate_rows_count() with arguments');
  }
  return node.named.Expression;
}

function result(relation: Relation): CompiledResult {
  return { sql: relation.sql, columns: relation.columns, name: 'PrimaryResult' };
}

/**
 * Loads the Kusto parser (~0.2 s) and warms it up (the first parse takes ~0.8 s more), so that a
 * server can pay this at start-up instead of on its first query.
 */
export function preloadParser(): void {
  parseKql('print 1 | where print_0 > 0');
}

/** Compiles a KQL query. Throws KqlError (syntax, semantic, or NotSupported). */
export function compileQuery(text: string, catalog: Catalog, parameters: QueryParameters = {}): CompiledQuery {
  const { root, diagnostics } = parseKql(text);
  if (diagnostics.length) throw syntaxError(text, diagnostics[0].start);
  if (listItems(root.named.Directives).length) throw notSupported('query directives');
  const ctx: TabularContext = {
    catalog,
    scalarLets: new Map(),
    tabularLets: new Map(),
    nowTicks: BigInt(Date.now()) * 10_000n + UNIX_EPOCH_TICKS,
  };
  const options: CompiledQuery['options'] = {};
  const results: CompiledResult[] = [];
  let special: CompiledQuery['special'];
  for (const statement of listItems(root.named.Statements)) {
    switch (statement.kind) {
      case 'SetOptionStatement': setOption(statement, options); break;
      case 'QueryParametersStatement': declareParameters(statement, ctx, parameters); break;
      case 'LetStatement': letStatement(statement, ctx); break;
      case 'ExpressionStatement': {
        const expr = statement.named.Expression;
        const estimated = estimateRowsInput(expr);
        if (estimated) {
          const inner = result(compileTabular(estimated, ctx));
          special = { kind: 'estimateRowsCount', inner };
          results.push({
            sql: `SELECT CAST(NULL AS BIGINT) AS "ExtentsCount", count(*) AS "EstimatedRowsCount" FROM (${inner.sql}) AS _t`,
            columns: ESTIMATE_ROWS_COUNT_COLUMNS,
            name: 'PrimaryResult',
          });
          break;
        }
        if (!isTabular(expr, ctx) && expr.kind !== 'NameReference') throw notSupported(`a scalar expression as a query (use print)`);
        results.push(result(compileTabular(expr, ctx)));
        break;
      }
      default: throw notSupported(`the statement '${nodeText(statement).slice(0, 40)}'`);
    }
  }
  if (results.length === 0) throw semanticError('SEM0001: the query has no tabular expression');
  if (special && results.length > 1) throw notSupported('estimate_rows_count() beside other result sets');
  return special ? { results, options, special } : { results, options };
}
