// Compiles KQL scalar expressions (syntax nodes) to DuckDB SQL over the storage representation,
// inferring the Kusto type of every expression.
import type { KustoType } from './contract';
import { notSupported, semanticError, unresolvedColumn } from './errors';
import type { Expr, ScalarScope } from './scope';
import { callFunction } from './functions';
import { listItems, nodeText, type SNode } from './syntaxTree';
import { sqlLiteral, sqlString, tryParseKustoText, canonicalJson } from './values';
import { withValue } from './sqlText';

export const isNumeric = (t: KustoType): boolean => t === 'int' || t === 'long' || t === 'real';

export function constantExpr(type: KustoType, value: unknown): Expr {
  return { sql: sqlLiteral(type, value), type, constant: { value } };
}

const LITERAL_TYPES: Record<string, KustoType> = {
  LongLiteralExpression: 'long', IntLiteralExpression: 'int', RealLiteralExpression: 'real',
  DecimalLiteralExpression: 'decimal', StringLiteralExpression: 'string', BooleanLiteralExpression: 'bool',
  DateTimeLiteralExpression: 'datetime', TimespanLiteralExpression: 'timespan', GuidLiteralExpression: 'guid',
};

function literal(node: SNode): Expr {
  const type = LITERAL_TYPES[node.kind];
  const token = node.named.Token ?? node.children[0];
  if (type === 'string') return constantExpr('string', token.value);
  let text = token.value;
  if (type === 'real') {
    const l = text.toLowerCase();
    if (l === '+inf' || l === 'inf') text = 'Infinity';
    else if (l === '-inf') text = '-Infinity';
  }
  if (type === 'bool' && !['true', 'false', 'null'].includes(text.toLowerCase())) {
    throw notSupported(`the literal ${token.text}`);
  }
  const value = tryParseKustoText(type, text);
  if (value === undefined) throw semanticError(`SEM0001: Invalid ${type} literal: ${token.text}`);
  return constantExpr(type, value);
}

/** JSON text of a dynamic(...) literal, numbers kept as written. */
function jsonOf(node: SNode): string {
  switch (node.kind) {
    case 'JsonObjectExpression':
      return `{${listItems(node.named.Pairs).map((p) => `${JSON.stringify(p.named.Name.value)}:${jsonOf(p.named.Value)}`).join(',')}}`;
    case 'JsonArrayExpression':
      return `[${listItems(node.named.Values).map(jsonOf).join(',')}]`;
    case 'StringLiteralExpression':
      return JSON.stringify((node.named.Token ?? node.children[0]).value);
    case 'LongLiteralExpression': case 'RealLiteralExpression': case 'IntLiteralExpression':
      return (node.named.Token ?? node.children[0]).value;
    case 'BooleanLiteralExpression':
      return (node.named.Token ?? node.children[0]).value.toLowerCase();
    case 'NullLiteralExpression':
      return 'null';
    case 'UnaryMinusExpression':
      return `-${jsonOf(node.named.Expression)}`;
    default: {
      // Datetime, timespan and guid values inside dynamic literals become strings in Kusto.
      if (LITERAL_TYPES[node.kind]) {
        const e = literal(node);
        const text = e.constant?.value;
        if (e.type === 'datetime' || e.type === 'timespan') throw notSupported(`${e.type} values inside dynamic literals`);
        return JSON.stringify(String(text));
      }
      throw notSupported(`'${nodeText(node)}' inside a dynamic literal`);
    }
  }
}

function dynamicLiteral(node: SNode): Expr {
  const inner = node.named.Expression;
  if (!inner || inner.kind === 'NullLiteralExpression') return constantExpr('dynamic', null);
  const json = canonicalJson(jsonOf(inner));
  if (json === undefined) throw semanticError(`SEM0001: Invalid dynamic literal`);
  return constantExpr('dynamic', json === 'null' ? null : json);
}

export function identifierOf(node: SNode): string {
  if (node.kind === 'NameReference' || node.kind === 'NameDeclaration') return identifierOf(node.named.Name);
  if (node.kind === 'BracketedName') return node.named.Name.children[0]?.value ?? node.named.Name.value;
  if (node.kind === 'TokenName') return node.named.Name.value || node.named.Name.text;
  if (node.isToken) return node.value || node.text;
  throw notSupported(`the name '${nodeText(node)}'`);
}

function resolveName(name: string, scope: ScalarScope): Expr {
  const column = scope.columns.get(name);
  if (column) return column;
  const bound = scope.lets.get(name);
  if (bound) return { ...bound, name: undefined };
  throw unresolvedColumn(scope.operator, name);
}

/** Converts a dynamic JSON text to a scalar of `type` the way Kusto compares and converts it. */
export function fromDynamic(sql: string, type: KustoType): string {
  const text = `json_extract_string(${sql}, '$')`;
  switch (type) {
    case 'string': return `coalesce(${text}, '')`;
    case 'long': case 'int': return withValue(text, (s) =>
      `CASE WHEN regexp_full_match(${s}, '-?[0-9]+') THEN TRY_CAST(${s} AS ${type === 'int' ? 'INTEGER' : 'BIGINT'}) ` +
      `ELSE TRY_CAST(trunc(TRY_CAST(${s} AS DOUBLE)) AS ${type === 'int' ? 'INTEGER' : 'BIGINT'}) END`);
    case 'real': return `TRY_CAST(${text} AS DOUBLE)`;
    case 'bool': return withValue(`lower(${text})`, (s) => `CASE WHEN ${s} = 'true' THEN TRUE WHEN ${s} = 'false' THEN FALSE END`);
    default: throw notSupported(`comparing dynamic values with ${type} values`);
  }
}

/** Brings two operands to one comparable type (numeric promotion, dynamic to the other side's type). */
function comparable(a: Expr, b: Expr, op: string): [Expr, Expr] {
  if (a.type === 'dynamic' && b.type !== 'dynamic') return [{ sql: fromDynamic(a.sql, b.type), type: b.type }, b];
  if (b.type === 'dynamic' && a.type !== 'dynamic') return [a, { sql: fromDynamic(b.sql, a.type), type: a.type }];
  if (a.type === 'decimal' || b.type === 'decimal') throw notSupported(`'${op}' on decimal values`);
  if (a.type === b.type) return [a, b];
  if (isNumeric(a.type) && isNumeric(b.type)) return [a, b];
  throw semanticError(`SEM0001: Cannot compare values of types ${a.type} and ${b.type}. Try adding explicit casts`);
}

function asString(e: Expr, op: string): string {
  if (e.type === 'string') return e.sql;
  if (e.type === 'dynamic') return fromDynamic(e.sql, 'string');
  throw notSupported(`'${op}' on ${e.type} values (Kusto converts them to strings first)`);
}

function regexEscape(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/** Kusto's `has`: the needle is a whole term (bounded by non-alphanumerics or the ends). */
function hasSql(haystack: string, needle: Expr, caseSensitive: boolean): string {
  const flags = caseSensitive ? '' : '(?i)';
  if (needle.constant && typeof needle.constant.value === 'string') {
    const pattern = `${flags}(^|[^[:alnum:]])${regexEscape(needle.constant.value)}($|[^[:alnum:]])`;
    return `regexp_matches(${haystack}, ${sqlString(pattern)})`;
  }
  throw notSupported("'has' with a non-constant right-hand side");
}

const STRING_OPERATORS = new Set([
  '=~', '!~', 'contains', '!contains', 'contains_cs', '!contains_cs', 'has', '!has', 'has_cs', '!has_cs',
  'startswith', '!startswith', 'startswith_cs', '!startswith_cs', 'endswith', '!endswith', 'endswith_cs', '!endswith_cs',
  'matches regex',
]);

function stringOperator(op: string, left: Expr, right: Expr): Expr {
  const negated = op.startsWith('!') && op !== '!~';
  const base = negated ? op.slice(1) : op;
  const cs = base.endsWith('_cs');
  const name = cs ? base.slice(0, -3) : base;
  const l = asString(left, op);
  const r = asString(right, op);
  const [a, b] = cs ? [l, r] : [`lower(${l})`, `lower(${r})`];
  let sql: string;
  switch (name) {
    case '=~': sql = `(${a} = ${b})`; break;
    case '!~': sql = `(${a} <> ${b})`; break;
    case 'contains': sql = `contains(${a}, ${b})`; break;
    case 'startswith': sql = `starts_with(${a}, ${b})`; break;
    case 'endswith': sql = `suffix(${a}, ${b})`; break;
    case 'has': sql = hasSql(l, right, cs); break;
    case 'matches regex': sql = `regexp_matches(${l}, ${r})`; break;
    default: throw notSupported(`the operator '${op}'`);
  }
  return { sql: negated ? `(NOT ${sql})` : sql, type: 'bool' };
}

function arithmetic(op: string, a: Expr, b: Expr): Expr {
  const t = (x: KustoType, y: KustoType): boolean => a.type === x && b.type === y;
  if (a.type === 'decimal' || b.type === 'decimal') throw notSupported(`arithmetic on decimal values`);
  if (a.type === 'dynamic' || b.type === 'dynamic') throw notSupported(`arithmetic on dynamic values (convert them first, e.g. tolong(d.x))`);
  if (isNumeric(a.type) && isNumeric(b.type)) {
    const type: KustoType = a.type === 'real' || b.type === 'real' ? 'real' : a.type === 'long' || b.type === 'long' ? 'long' : 'int';
    const sqlOp = op === '/' && type !== 'real' ? '//' : op;
    const left = type === 'real' ? `CAST(${a.sql} AS DOUBLE)` : a.sql;
    return { sql: `(${left} ${sqlOp} ${b.sql})`, type };
  }
  switch (op) {
    case '+':
      if (t('datetime', 'timespan') || t('timespan', 'timespan')) return { sql: `(${a.sql} + ${b.sql})`, type: a.type };
      if (t('timespan', 'datetime')) return { sql: `(${a.sql} + ${b.sql})`, type: 'datetime' };
      break;
    case '-':
      if (t('datetime', 'datetime')) return { sql: `(${a.sql} - ${b.sql})`, type: 'timespan' };
      if (t('datetime', 'timespan') || t('timespan', 'timespan')) return { sql: `(${a.sql} - ${b.sql})`, type: a.type };
      break;
    case '*':
      if (a.type === 'timespan' && isNumeric(b.type)) return { sql: scaleTicks(a.sql, b), type: 'timespan' };
      if (b.type === 'timespan' && isNumeric(a.type)) return { sql: scaleTicks(b.sql, a), type: 'timespan' };
      break;
    case '/':
      if (t('timespan', 'timespan')) return { sql: `(CAST(${a.sql} AS DOUBLE) / ${b.sql})`, type: 'real' };
      if (a.type === 'timespan' && isNumeric(b.type)) {
        return { sql: b.type === 'real' ? `CAST(trunc(${a.sql} / ${b.sql}) AS BIGINT)` : `(${a.sql} // ${b.sql})`, type: 'timespan' };
      }
      break;
    case '%':
      if (t('timespan', 'timespan')) return { sql: `(${a.sql} % ${b.sql})`, type: 'timespan' };
      break;
  }
  throw semanticError(`SEM0001: Operator '${op}' is not defined for ${a.type} and ${b.type}`);
}

function scaleTicks(ticks: string, by: Expr): string {
  return by.type === 'real' ? `CAST(trunc(${ticks} * ${by.sql}) AS BIGINT)` : `(${ticks} * ${by.sql})`;
}

function binary(node: SNode, scope: ScalarScope): Expr {
  const op = nodeText(node.named.Operator).toLowerCase();
  const left = compileScalar(node.named.Left, scope);
  const right = compileScalar(node.named.Right, scope);
  const agg = left.aggregate || right.aggregate;
  const result = binaryOn(op, left, right);
  return agg ? { ...result, aggregate: true } : result;
}

function binaryOn(op: string, left: Expr, right: Expr): Expr {
  switch (op) {
    case 'and': case 'or':
      if (left.type !== 'bool' || right.type !== 'bool') throw semanticError(`SEM0001: '${op}' needs bool operands`);
      return { sql: `(${left.sql} ${op.toUpperCase()} ${right.sql})`, type: 'bool' };
    case '+': case '-': case '*': case '/': case '%':
      return arithmetic(op, left, right);
    case '==': case '!=': case '<': case '<=': case '>': case '>=': {
      if ((left.type === 'string' || right.type === 'string') && (op === '==' || op === '!=')) {
        const l = left.type === 'dynamic' ? fromDynamic(left.sql, 'string') : left.sql;
        const r = right.type === 'dynamic' ? fromDynamic(right.sql, 'string') : right.sql;
        if ((left.type !== 'string' && left.type !== 'dynamic') || (right.type !== 'string' && right.type !== 'dynamic')) {
          throw semanticError(`SEM0001: Cannot compare values of types ${left.type} and ${right.type}. Try adding explicit casts`);
        }
        return { sql: `(${l} ${op === '==' ? '=' : '<>'} ${r})`, type: 'bool' };
      }
      const [a, b] = comparable(left, right, op);
      if (a.type === 'dynamic') throw notSupported(`'${op}' between two dynamic values`);
      const sqlOp = op === '==' ? '=' : op === '!=' ? '<>' : op;
      return { sql: `(${a.sql} ${sqlOp} ${b.sql})`, type: 'bool' };
    }
    default:
      if (STRING_OPERATORS.has(op)) return stringOperator(op, left, right);
      throw notSupported(`the operator '${op}'`);
  }
}

function inExpression(node: SNode, scope: ScalarScope): Expr {
  const op = nodeText(node.named.Operator).toLowerCase().replace(/\s+/g, '');
  const left = compileScalar(node.named.Left, scope);
  const listNode = node.named.Right;
  if (listNode.kind !== 'ExpressionList') throw notSupported(`'${op}' with a tabular or dynamic right-hand side`);
  const items = listItems(listNode.named.Expressions).map((n) => compileScalar(n, scope));
  if (items.some((i) => i.type === 'dynamic')) throw notSupported(`'${op}' with dynamic values in the list`);
  const insensitive = op.endsWith('~');
  const negated = op.startsWith('!');
  if (left.type === 'dynamic') throw notSupported(`'${op}' on dynamic values`);
  if (insensitive && left.type !== 'string') throw notSupported(`'${op}' on ${left.type} values`);
  const values = items.map((i) => {
    if (left.type === 'string' || i.type === 'string') {
      if (left.type !== i.type) throw semanticError(`SEM0001: '${op}' needs values of type ${left.type}`);
      return insensitive ? `lower(${i.sql})` : i.sql;
    }
    comparable(left, i, op);
    return i.sql;
  });
  const l = insensitive ? `lower(${left.sql})` : left.sql;
  return { sql: `(${l} ${negated ? 'NOT IN' : 'IN'} (${values.join(', ')}))`, type: 'bool' };
}

function between(node: SNode, scope: ScalarScope): Expr {
  const negated = node.kind === 'NotBetweenExpression';
  const value = compileScalar(node.named.Left, scope);
  const couple = node.named.Right;
  const low = compileScalar(couple.named.First, scope);
  let high = compileScalar(couple.named.Second, scope);
  // `datetime between (start .. 1d)`: a timespan upper bound is relative to the lower one.
  if (value.type === 'datetime' && low.type === 'datetime' && high.type === 'timespan') {
    high = { sql: `(${low.sql} + ${high.sql})`, type: 'datetime' };
  }
  const [v1, lo] = comparable(value, low, 'between');
  const [v2, hi] = comparable(value, high, 'between');
  const sql = `(${v1.sql} >= ${lo.sql} AND ${v2.sql} <= ${hi.sql})`;
  return { sql: negated ? `(NOT ${sql})` : sql, type: 'bool' };
}

/** `d.a`, `d['a']`, `d[0]` on dynamic values. */
function dynamicAccess(base: Expr, selector: Expr | string): Expr {
  if (base.type !== 'dynamic') throw notSupported(`property access on ${base.type} values`);
  let path: string;
  let nameSuffix: string;
  if (typeof selector === 'string') {
    path = `$.${JSON.stringify(selector)}`;
    nameSuffix = selector;
  } else if (selector.constant && (selector.type === 'long' || selector.type === 'int')) {
    const index = Number(selector.constant.value);
    path = index < 0 ? `$[#${index}]` : `$[${index}]`;
    nameSuffix = String(index);
  } else if (selector.constant && selector.type === 'string') {
    path = `$.${JSON.stringify(selector.constant.value)}`;
    nameSuffix = String(selector.constant.value);
  } else {
    throw notSupported('dynamic access with a non-constant index');
  }
  // json_extract yields JSON 'null' for an explicit null: Kusto has one null dynamic.
  return {
    sql: `NULLIF(CAST(json_extract(${base.sql}, ${sqlString(path)}) AS VARCHAR), 'null')`,
    type: 'dynamic',
    name: base.name !== undefined ? `${base.name}_${nameSuffix}` : undefined,
  };
}

function pathExpression(node: SNode, scope: ScalarScope): Expr {
  const target = node.named.Expression;
  const selector = node.named.Selector;
  if (target.kind === 'NameReference' && scope.sides) {
    const side = identifierOf(target);
    if (side === '$left' || side === '$right') {
      const name = identifierOf(selector);
      const column = (side === '$left' ? scope.sides.left : scope.sides.right).get(name);
      if (!column) throw unresolvedColumn(scope.operator, name);
      return column;
    }
  }
  return dynamicAccess(compileScalar(target, scope), identifierOf(selector));
}

function elementExpression(node: SNode, scope: ScalarScope): Expr {
  const base = compileScalar(node.named.Expression, scope);
  const selector = node.named.Selector;
  const index = compileScalar(selector.named.Expression ?? selector, scope);
  return dynamicAccess(base, index);
}

export function compileScalar(node: SNode, scope: ScalarScope): Expr {
  if (LITERAL_TYPES[node.kind]) return literal(node);
  switch (node.kind) {
    case 'NameReference': return resolveName(identifierOf(node), scope);
    case 'ParenthesizedExpression': {
      const inner = compileScalar(node.named.Expression, scope);
      return { ...inner, name: undefined };
    }
    case 'DynamicExpression': return dynamicLiteral(node);
    case 'NullLiteralExpression': return constantExpr('dynamic', null);
    case 'CompoundStringLiteralExpression':
      return constantExpr('string', node.children.flatMap((c) => (c.isToken ? [c] : c.children)).map((t) => t.value).join(''));
    case 'UnaryMinusExpression': case 'UnaryPlusExpression': {
      const e = compileScalar(node.named.Expression, scope);
      if (!isNumeric(e.type) && e.type !== 'timespan') throw semanticError(`SEM0001: Unary '-' is not defined for ${e.type}`);
      if (node.kind === 'UnaryPlusExpression') return { ...e, name: undefined };
      if (e.constant && typeof e.constant.value !== 'object') {
        const v = e.constant.value;
        return constantExpr(e.type, typeof v === 'bigint' ? -v : -(v as number));
      }
      return { sql: `(- ${e.sql})`, type: e.type, aggregate: e.aggregate };
    }
    case 'BetweenExpression': case 'NotBetweenExpression': return between(node, scope);
    case 'InExpression': case 'InCsExpression': case 'NotInExpression': case 'NotInCsExpression':
      return inExpression(node, scope);
    case 'FunctionCallExpression': {
      const name = identifierOf(node.named.Name);
      const args = listItems(node.named.ArgumentList.named.Expressions);
      return callFunction(name, args, scope);
    }
    case 'PathExpression': return pathExpression(node, scope);
    case 'ElementExpression': return elementExpression(node, scope);
    default:
      if (node.named.Left && node.named.Operator && node.named.Right) return binary(node, scope);
      throw notSupported(`the expression '${nodeText(node)}' (${node.kind})`);
  }
}
