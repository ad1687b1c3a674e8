// KQL scalar and aggregate functions: argument checks, result types and their DuckDB SQL.
import type { KustoType } from './contract';
import { notSupported, semanticError } from './errors';
import { compileScalar, constantExpr, fromDynamic, isNumeric } from './scalars';
import type { Expr, ScalarScope } from './scope';
import { floorMod, formatDatetimeSql, formatTimespanSql, ticksToTimestamp, timestampToTicks, withValue } from './sqlText';
import type { SNode } from './syntaxTree';
import { TICKS_PER_DAY, UNIX_EPOCH_TICKS } from './temporal';
import { canonicalDecimal, canonicalGuid, tryParseKustoText } from './values';

type Impl = (args: Expr[], scope: ScalarScope, name: string) => Expr;

function arity(name: string, args: Expr[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    throw semanticError(`SEM0219: function '${name}': expected ${min === max ? min : `${min} to ${max}`} argument(s), got ${args.length}`);
  }
}

function expectType(name: string, e: Expr, ...types: KustoType[]): void {
  if (!types.includes(e.type)) throw notSupported(`${name}() on ${e.type} values`);
}

/** Kusto's tostring(): every type to its text form; null becomes ''. */
export function toStringSql(e: Expr, fn = 'tostring'): string {
  switch (e.type) {
    case 'string': return e.sql;
    case 'int': case 'long': return `coalesce(CAST(${e.sql} AS VARCHAR), '')`;
    case 'bool': return withValue(e.sql, (v) => `CASE WHEN ${v} THEN 'true' WHEN NOT ${v} THEN 'false' ELSE '' END`);
    case 'datetime': return `coalesce(${formatDatetimeSql(e.sql)}, '')`;
    case 'timespan': return `coalesce(${formatTimespanSql(e.sql)}, '')`;
    case 'guid': case 'decimal': return `coalesce(${e.sql}, '')`;
    case 'dynamic': return fromDynamic(e.sql, 'string');
    case 'real':
      // .NET formats doubles differently from DuckDB ("1E+15" vs "1e+15", "5" vs "5.0").
      throw notSupported(`${fn}() of real values`);
  }
}

/** A JSON value (SQL JSON text) of a scalar, for make_list and todynamic. */
function toJsonSql(e: Expr): string {
  switch (e.type) {
    case 'dynamic': return e.sql;
    case 'string': case 'guid': case 'decimal': return `CAST(to_json(${e.sql}) AS VARCHAR)`;
    case 'datetime': case 'timespan': return `CAST(to_json(${e.type === 'datetime' ? formatDatetimeSql(e.sql) : formatTimespanSql(e.sql)}) AS VARCHAR)`;
    default: return `CAST(to_json(${e.sql}) AS VARCHAR)`;
  }
}

const integerText = (s: string, sqlType: string): string => withValue(`trim(${s})`, (t) =>
  `CASE WHEN regexp_full_match(${t}, '[+-]?[0-9]+') THEN TRY_CAST(${t} AS ${sqlType}) END`);

function toInteger(e: Expr, type: 'int' | 'long'): Expr {
  const sqlType = type === 'int' ? 'INTEGER' : 'BIGINT';
  if (e.constant && e.type === 'string') {
    const v = tryParseKustoText(type, String(e.constant.value));
    return constantExpr(type, v === undefined ? null : v);
  }
  switch (e.type) {
    case 'int': case 'long': case 'datetime': case 'timespan': return { sql: `CAST(${e.sql} AS ${sqlType})`, type };
    case 'real': return { sql: `TRY_CAST(trunc(${e.sql}) AS ${sqlType})`, type };
    case 'bool': return { sql: `CAST(${e.sql} AS ${sqlType})`, type };
    case 'string': return { sql: integerText(e.sql, sqlType), type };
    case 'decimal': return { sql: `TRY_CAST(split_part(${e.sql}, '.', 1) AS ${sqlType})`, type };
    case 'dynamic': return { sql: fromDynamic(e.sql, type), type };
    default: throw notSupported(`to${type}() of ${e.type} values`);
  }
}

function toReal(e: Expr): Expr {
  switch (e.type) {
    case 'int': case 'long': case 'real': case 'decimal': case 'datetime': case 'timespan':
      return { sql: `CAST(${e.sql} AS DOUBLE)`, type: 'real' };
    case 'bool': return { sql: `CAST(CAST(${e.sql} AS INTEGER) AS DOUBLE)`, type: 'real' };
    case 'string': return { sql: `TRY_CAST(trim(${e.sql}) AS DOUBLE)`, type: 'real' };
    case 'dynamic': return { sql: fromDynamic(e.sql, 'real'), type: 'real' };
    default: throw notSupported(`toreal() of ${e.type} values`);
  }
}

/** Conversions from strings are exact only for constants (parsed here with the codec). */
function fromConstantString(e: Expr, type: KustoType, fn: string): Expr | undefined {
  if (e.type !== 'string') return undefined;
  if (!e.constant) throw notSupported(`${fn}() of non-constant string values`);
  const v = tryParseKustoText(type, String(e.constant.value));
  return constantExpr(type, v === undefined ? null : v);
}

function toDatetime(e: Expr): Expr {
  const s = fromConstantString(e, 'datetime', 'todatetime');
  if (s) return s;
  if (e.type === 'datetime') return e;
  if (e.type === 'long' || e.type === 'int') return { sql: `CAST(${e.sql} AS BIGINT)`, type: 'datetime' };
  throw notSupported(`todatetime() of ${e.type} values`);
}

function toTimespan(e: Expr): Expr {
  const s = fromConstantString(e, 'timespan', 'totimespan');
  if (s) return s;
  if (e.type === 'timespan') return e;
  if (e.type === 'long' || e.type === 'int') return { sql: `CAST(${e.sql} AS BIGINT)`, type: 'timespan' };
  throw notSupported(`totimespan() of ${e.type} values`);
}

function toBool(e: Expr): Expr {
  switch (e.type) {
    case 'bool': return e;
    case 'int': case 'long': return { sql: `(${e.sql} <> 0)`, type: 'bool' };
    case 'string': return { sql: withValue(`lower(trim(${e.sql}))`, (v) => `CASE WHEN ${v} IN ('true', '1') THEN TRUE WHEN ${v} IN ('false', '0') THEN FALSE END`), type: 'bool' };
    case 'dynamic': return { sql: fromDynamic(e.sql, 'bool'), type: 'bool' };
    default: throw notSupported(`tobool() of ${e.type} values`);
  }
}

function toDecimal(e: Expr): Expr {
  if (e.constant && (e.type === 'string' || e.type === 'long' || e.type === 'int' || e.type === 'decimal')) {
    const v = e.constant.value === null ? null : canonicalDecimal(String(e.constant.value));
    return constantExpr('decimal', v ?? null);
  }
  switch (e.type) {
    case 'decimal': return e;
    case 'int': case 'long': return { sql: `CAST(${e.sql} AS VARCHAR)`, type: 'decimal' };
    default: throw notSupported(`todecimal() of non-constant ${e.type} values`);
  }
}

function toGuid(e: Expr): Expr {
  if (e.type === 'guid') return e;
  if (e.type === 'string') {
    if (e.constant) return constantExpr('guid', canonicalGuid(String(e.constant.value)) ?? null);
    return {
      sql: withValue(`lower(trim(${e.sql}))`, (v) =>
        `CASE WHEN regexp_full_match(${v}, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}') THEN ${v} END`),
      type: 'guid',
    };
  }
  throw notSupported(`toguid() of ${e.type} values`);
}

function toDynamic(e: Expr): Expr {
  if (e.type === 'string') {
    return {
      sql: withValue(e.sql, (v) => `CASE WHEN ${v} = '' THEN NULL WHEN json_valid(${v}) THEN NULLIF(CAST(json(${v}) AS VARCHAR), 'null') ELSE CAST(to_json(${v}) AS VARCHAR) END`),
      type: 'dynamic',
    };
  }
  if (e.type === 'real') throw notSupported('todynamic() of real values');
  return { sql: toJsonSql(e), type: 'dynamic' };
}

/** The common result type of iif/case/coalesce branches. */
function unify(name: string, exprs: Expr[]): KustoType {
  const types = new Set(exprs.filter((e) => !(e.constant && e.constant.value === null && e.type === 'dynamic')).map((e) => e.type));
  if (types.size <= 1) return [...types][0] ?? 'dynamic';
  if ([...types].every(isNumeric)) return types.has('real') ? 'real' : types.has('long') ? 'long' : 'int';
  throw semanticError(`SEM0019: function '${name}': all branches must have the same type, got ${[...types].join(', ')}`);
}

function castTo(e: Expr, type: KustoType): string {
  if (e.type === type) return e.sql;
  if (e.constant && e.constant.value === null) return type === 'string' ? "''" : `CAST(NULL AS ${type === 'real' ? 'DOUBLE' : type === 'int' ? 'INTEGER' : type === 'bool' ? 'BOOLEAN' : type === 'long' || type === 'datetime' || type === 'timespan' ? 'BIGINT' : 'VARCHAR'})`;
  return type === 'real' ? `CAST(${e.sql} AS DOUBLE)` : type === 'long' ? `CAST(${e.sql} AS BIGINT)` : e.sql;
}

function bin(name: string, value: Expr, size: Expr): Expr {
  if ((value.type === 'datetime' || value.type === 'timespan') && size.type === 'timespan') {
    return { sql: withValue(value.sql, (v) => `(${v} - ${floorMod(v, size.sql)})`), type: value.type };
  }
  if ((value.type === 'long' || value.type === 'int') && (size.type === 'long' || size.type === 'int')) {
    return { sql: withValue(value.sql, (v) => `(${v} - ${floorMod(v, size.sql)})`), type: value.type };
  }
  if (isNumeric(value.type) && isNumeric(size.type)) {
    return { sql: `(floor(CAST(${value.sql} AS DOUBLE) / ${size.sql}) * ${size.sql})`, type: 'real' };
  }
  throw notSupported(`${name}() of ${value.type} by ${size.type}`);
}

const datePart = (part: string) => (e: Expr): Expr => {
  if (e.type !== 'datetime') throw notSupported(`date parts of ${e.type} values`);
  return { sql: `CAST(${part}(${ticksToTimestamp(e.sql)}) AS INTEGER)`, type: 'int' };
};

const startOf = (unit: string) => (e: Expr): Expr => {
  if (e.type !== 'datetime') throw notSupported(`startof${unit}() of ${e.type} values`);
  if (unit === 'day') return { sql: withValue(e.sql, (v) => `(${v} - ${floorMod(v, String(TICKS_PER_DAY))})`), type: 'datetime' };
  // Kusto's weeks start on Sunday; 0001-01-01 was a Monday.
  if (unit === 'week') return { sql: withValue(e.sql, (v) => `(${v} - ${floorMod(`${v} + ${TICKS_PER_DAY}`, String(7n * TICKS_PER_DAY))})`), type: 'datetime' };
  return { sql: timestampToTicks(`date_trunc('${unit}', ${ticksToTimestamp(e.sql)})`), type: 'datetime' };
};

const DATETIME_PARTS: Record<string, string> = {
  year: 'year', quarter: 'quarter', month: 'month', week_of_year: 'weekofyear', day: 'day', dayofyear: 'dayofyear',
  hour: 'hour', minute: 'minute', second: 'second',
};

const unary = (f: (e: Expr) => Expr): Impl => (args, _scope, name) => {
  arity(name, args, 1);
  return f(args[0]);
};

const SCALARS: Record<string, Impl> = {
  tostring: unary((e) => ({ sql: toStringSql(e), type: 'string' })),
  toint: unary((e) => toInteger(e, 'int')),
  tolong: unary((e) => toInteger(e, 'long')),
  toreal: unary(toReal),
  todouble: unary(toReal),
  todecimal: unary(toDecimal),
  todatetime: unary(toDatetime),
  totimespan: unary(toTimespan),
  totime: unary(toTimespan),
  tobool: unary(toBool),
  toboolean: unary(toBool),
  toguid: unary(toGuid),
  todynamic: unary(toDynamic),
  parse_json: unary(toDynamic),
  tolower: unary((e) => { expectType('tolower', e, 'string'); return { sql: `lower(${e.sql})`, type: 'string' }; }),
  toupper: unary((e) => { expectType('toupper', e, 'string'); return { sql: `upper(${e.sql})`, type: 'string' }; }),
  // Kusto counts UTF-16 code units (a character outside the BMP counts 2).
  strlen: unary((e) => {
    expectType('strlen', e, 'string');
    return { sql: withValue(e.sql, (v) => `CAST(length(${v}) + length(regexp_replace(${v}, '[^\\x{10000}-\\x{10FFFF}]', '', 'g')) AS BIGINT)`), type: 'long' };
  }),
  substring: (args, _scope, name) => {
    arity(name, args, 2, 3);
    expectType(name, args[0], 'string');
    const start = `greatest(${args[1].sql}, 0) + 1`;
    return { sql: args[2] ? `substring(${args[0].sql}, ${start}, greatest(${args[2].sql}, 0))` : `substring(${args[0].sql}, ${start})`, type: 'string' };
  },
  strcat: (args, _scope, name) => {
    arity(name, args, 1, 64);
    return { sql: `(${args.map((a) => toStringSql(a, 'strcat')).join(' || ')})`, type: 'string' };
  },
  replace_string: (args, _scope, name) => {
    arity(name, args, 3);
    args.forEach((a) => expectType(name, a, 'string'));
    return { sql: `replace(${args[0].sql}, ${args[1].sql}, ${args[2].sql})`, type: 'string' };
  },
  split: (args, _scope, name) => {
    arity(name, args, 2);
    args.forEach((a) => expectType(name, a, 'string'));
    return { sql: `CAST(to_json(string_split(${args[0].sql}, ${args[1].sql})) AS VARCHAR)`, type: 'dynamic' };
  },
  array_length: unary((e) => {
    expectType('array_length', e, 'dynamic');
    return { sql: withValue(e.sql, (v) => `CASE WHEN json_type(${v}) = 'ARRAY' THEN CAST(json_array_length(${v}) AS BIGINT) END`), type: 'long' };
  }),
  hash: (_args, _scope, name) => {
    // Kusto's hash() is its own xxhash64 variant over the value's internal bytes; a different
    // number would be a wrong result, so refuse.
    throw notSupported(`${name}() (Kusto's hash values cannot be reproduced exactly)`);
  },
  not: unary((e) => { expectType('not', e, 'bool'); return { sql: `(NOT ${e.sql})`, type: 'bool' }; }),
  isnull: unary((e) => ({ sql: e.type === 'string' ? 'FALSE' : `(${e.sql} IS NULL)`, type: 'bool' })),
  isnotnull: unary((e) => ({ sql: e.type === 'string' ? 'TRUE' : `(${e.sql} IS NOT NULL)`, type: 'bool' })),
  isempty: unary((e) => ({ sql: e.type === 'string' ? `(${e.sql} = '')` : `(${e.sql} IS NULL)`, type: 'bool' })),
  isnotempty: unary((e) => ({ sql: e.type === 'string' ? `(${e.sql} <> '')` : `(${e.sql} IS NOT NULL)`, type: 'bool' })),
  iif: (args, _scope, name) => {
    arity(name, args, 3);
    expectType(name, args[0], 'bool');
    const type = unify(name, args.slice(1));
    return { sql: `(CASE WHEN ${args[0].sql} THEN ${castTo(args[1], type)} ELSE ${castTo(args[2], type)} END)`, type };
  },
  case: (args, _scope, name) => {
    if (args.length < 3 || args.length % 2 === 0) throw semanticError(`SEM0219: function 'case': expected an odd number of arguments (at least 3)`);
    const values = args.filter((_, i) => i % 2 === 1 || i === args.length - 1);
    const type = unify(name, values);
    let sql = '(CASE';
    for (let i = 0; i + 1 < args.length; i += 2) {
      expectType(name, args[i], 'bool');
      sql += ` WHEN ${args[i].sql} THEN ${castTo(args[i + 1], type)}`;
    }
    return { sql: `${sql} ELSE ${castTo(args[args.length - 1], type)} END)`, type };
  },
  coalesce: (args, _scope, name) => {
    arity(name, args, 1, 64);
    const type = unify(name, args);
    // Kusto's coalesce skips empty strings as well as nulls.
    if (type === 'string') return { sql: `coalesce(${args.map((a) => `NULLIF(${a.sql}, '')`).join(', ')}, '')`, type };
    return { sql: `coalesce(${args.map((a) => castTo(a, type)).join(', ')})`, type };
  },
  bin: (args, _scope, name) => { arity(name, args, 2); return bin(name, args[0], args[1]); },
  floor: (args, _scope, name) => { arity(name, args, 2); return bin(name, args[0], args[1]); },
  abs: unary((e) => {
    if (!isNumeric(e.type) && e.type !== 'timespan') throw notSupported(`abs() of ${e.type} values`);
    return { sql: `abs(${e.sql})`, type: e.type };
  }),
  sqrt: unary((e) => ({ sql: `sqrt(${toReal(e).sql})`, type: 'real' })),
  exp: unary((e) => ({ sql: `exp(${toReal(e).sql})`, type: 'real' })),
  log: unary((e) => ({ sql: `ln(${toReal(e).sql})`, type: 'real' })),
  log10: unary((e) => ({ sql: `log10(${toReal(e).sql})`, type: 'real' })),
  pow: (args, _scope, name) => { arity(name, args, 2); return { sql: `pow(${toReal(args[0]).sql}, ${toReal(args[1]).sql})`, type: 'real' }; },
  min_of: (args, _scope, name) => { arity(name, args, 1, 64); const type = unify(name, args); return { sql: `least(${args.map((a) => castTo(a, type)).join(', ')})`, type }; },
  max_of: (args, _scope, name) => { arity(name, args, 1, 64); const type = unify(name, args); return { sql: `greatest(${args.map((a) => castTo(a, type)).join(', ')})`, type }; },
  now: (args, scope, name) => {
    arity(name, args, 0, 1);
    const offset = args[0];
    if (offset && !(offset.constant && offset.type === 'timespan')) throw notSupported('now() with a non-constant offset');
    return constantExpr('datetime', scope.nowTicks + (offset ? BigInt(offset.constant?.value as bigint) : 0n));
  },
  current_principal: (args, scope, name) => {
    arity(name, args, 0);
    return constantExpr('string', scope.principal?.fqn ?? '');
  },
  current_principal_details: (args, scope, name) => {
    arity(name, args, 0);
    return constantExpr('dynamic', scope.principal?.detailsJson ?? null);
  },
  ago: (args, scope, name) => {
    arity(name, args, 1);
    expectType(name, args[0], 'timespan');
    return { sql: `(${scope.nowTicks} - ${args[0].sql})`, type: 'datetime' };
  },
  unixtime_seconds_todatetime: unary((e) => ({ sql: `CAST(trunc(${toReal(e).sql} * 10000000) AS BIGINT) + ${UNIX_EPOCH_TICKS}`, type: 'datetime' })),
  datetime_part: (args, _scope, name) => {
    arity(name, args, 2);
    const part = args[0].constant && args[0].type === 'string' ? DATETIME_PARTS[String(args[0].constant.value).toLowerCase()] : undefined;
    if (!part) throw notSupported(`datetime_part() of that part`);
    return datePart(part)(args[1]);
  },
  getyear: unary(datePart('year')),
  getmonth: unary(datePart('month')),
  dayofmonth: unary(datePart('day')),
  dayofyear: unary(datePart('dayofyear')),
  hourofday: unary(datePart('hour')),
  dayofweek: unary((e) => {
    if (e.type !== 'datetime') throw notSupported(`dayofweek() of ${e.type} values`);
    // Days since the last Sunday, as a timespan; 0001-01-01 was a Monday.
    return { sql: `(${floorMod(`(${e.sql}) // ${TICKS_PER_DAY} + 1`, '7')} * ${TICKS_PER_DAY})`, type: 'timespan' };
  }),
  startofday: unary(startOf('day')),
  startofweek: unary(startOf('week')),
  startofmonth: unary(startOf('month')),
  startofyear: unary(startOf('year')),
  extract: (args, _scope, name) => {
    arity(name, args, 3);
    if (!(args[0].constant && args[1].constant)) throw notSupported('extract() with a non-constant pattern or group');
    expectType(name, args[2], 'string');
    return { sql: `coalesce(regexp_extract(${args[2].sql}, ${args[0].sql}, ${args[1].sql}), '')`, type: 'string' };
  },
  indexof: (args, _scope, name) => {
    arity(name, args, 2);
    args.forEach((a) => expectType(name, a, 'string'));
    return { sql: `CAST(strpos(${args[0].sql}, ${args[1].sql}) - 1 AS BIGINT)`, type: 'long' };
  },
};

// ---- aggregates (summarize) ----------------------------------------------------------------

type AggImpl = (args: Expr[], name: string) => Expr;

const AGGREGATES: Record<string, AggImpl> = {
  count: (args, name) => { arity(name, args, 0, 1); return { sql: 'count(*)', type: 'long' }; },
  countif: (args, name) => { arity(name, args, 1); expectType(name, args[0], 'bool'); return { sql: `count_if(${args[0].sql})`, type: 'long' }; },
  sum: (args, name) => {
    arity(name, args, 1);
    const e = args[0];
    if (e.type === 'int' || e.type === 'long') return { sql: `CAST(sum(${e.sql}) AS BIGINT)`, type: 'long' };
    if (e.type === 'real') return { sql: `sum(${e.sql})`, type: 'real' };
    if (e.type === 'timespan') return { sql: `CAST(sum(${e.sql}) AS BIGINT)`, type: 'timespan' };
    throw notSupported(`sum() of ${e.type} values`);
  },
  avg: (args, name) => {
    arity(name, args, 1);
    if (!isNumeric(args[0].type)) throw notSupported(`avg() of ${args[0].type} values`);
    return { sql: `avg(CAST(${args[0].sql} AS DOUBLE))`, type: 'real' };
  },
  min: (args, name) => minMax('min', args, name),
  max: (args, name) => minMax('max', args, name),
  // Kusto's dcount is a HyperLogLog estimate; it is exact for small cardinalities, which is what
  // the emulator's data sets have. The emulator counts exactly.
  dcount: (args, name) => { arity(name, args, 1, 2); return { sql: `count(DISTINCT ${args[0].sql})`, type: 'long' }; },
  make_list: (args, name) => makeList(args, name, false),
  make_set: (args, name) => makeList(args, name, true),
};

function minMax(fn: 'min' | 'max', args: Expr[], name: string): Expr {
  arity(name, args, 1);
  const e = args[0];
  if (e.type === 'dynamic' || e.type === 'decimal' || e.type === 'guid') throw notSupported(`${fn}() of ${e.type} values`);
  // Kusto's min/max of strings skips empty strings (its null string).
  const arg = e.type === 'string' ? `NULLIF(${e.sql}, '')` : e.sql;
  const sql = e.type === 'string' ? `coalesce(${fn}(${arg}), '')` : `${fn}(${arg})`;
  return { sql, type: e.type };
}

function makeList(args: Expr[], name: string, distinct: boolean): Expr {
  arity(name, args, 1, 2);
  if (args[1]) throw notSupported(`${name}() with a size limit`);
  const e = args[0];
  if (e.type === 'real') throw notSupported(`${name}() of real values`);
  const element = `json(${toJsonSql(e)})`;
  const keep = e.type === 'string' ? 'TRUE' : `${e.sql} IS NOT NULL`;
  return { sql: `coalesce(CAST(to_json(list(${distinct ? 'DISTINCT ' : ''}${element}) FILTER (WHERE ${keep})) AS VARCHAR), '[]')`, type: 'dynamic' };
}

export const isAggregateName = (name: string): boolean => Object.hasOwn(AGGREGATES, name);

/** The column name Kusto gives an unnamed aggregate: count_, sum_x, avg_x, list_x, set_x, ... */
export function aggregateColumnName(name: string, args: Expr[]): string {
  const prefix = name === 'make_list' ? 'list' : name === 'make_set' ? 'set' : name;
  if (name === 'count' || name === 'countif') return `${prefix}_`;
  return `${prefix}_${args[0]?.name ?? ''}`;
}

export function callFunction(name: string, argNodes: SNode[], scope: ScalarScope): Expr {
  const aggregate = AGGREGATES[name];
  if (aggregate) {
    if (!scope.aggregates) throw semanticError(`SEM0001: Function '${name}' cannot be invoked in the current context`);
    const inner: ScalarScope = { ...scope, aggregates: false };
    const args = argNodes.map((n) => compileScalar(n, inner));
    return { ...aggregate(args, name), aggregate: true, name: aggregateColumnName(name, args) };
  }
  const impl = SCALARS[name];
  if (!impl) throw notSupported(`the function '${name}'`);
  const args = argNodes.map((n) => compileScalar(n, scope));
  const result = impl(args, scope, name);
  // A function of constants stays a constant only when it is one of the literal-like results.
  return args.some((a) => a.aggregate) ? { ...result, aggregate: true } : result;
}

