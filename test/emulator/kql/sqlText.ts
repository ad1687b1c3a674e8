// Small builders of DuckDB SQL text shared by the scalar and tabular compilers.
import { UNIX_EPOCH_TICKS, TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MINUTE, TICKS_PER_SECOND } from './temporal';

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Binds `sql` to a lambda variable when it is not trivially cheap, so it is evaluated once. */
let lambdaCounter = 0;
export function withValue(sql: string, body: (v: string) => string): string {
  if (/^("([^"]|"")*"|[\w.]+|'([^']|'')*')$/.test(sql)) return body(sql);
  const v = `_v${++lambdaCounter}`;
  return `list_transform([${sql}], lambda ${v}: ${body(v)})[1]`;
}

/** Floor division and non-negative modulo of BIGINTs (DuckDB's // and % truncate toward zero). */
export function floorMod(a: string, b: string): string {
  return `(((${a}) % (${b})) + (${b})) % (${b})`;
}

export function floorDiv(a: string, b: string): string {
  return withValue(a, (x) => withValue(b, (y) => `((${x} - ${floorMod(x, y)}) // ${y})`));
}

/** datetime ticks -> DuckDB TIMESTAMP (microseconds; sub-microsecond ticks dropped). */
export function ticksToTimestamp(ticks: string): string {
  return `make_timestamp(${floorDiv(`${ticks} - ${UNIX_EPOCH_TICKS}`, '10')})`;
}

/** DuckDB TIMESTAMP -> datetime ticks. */
export function timestampToTicks(ts: string): string {
  return `(epoch_us(${ts}) * 10 + ${UNIX_EPOCH_TICKS})`;
}

function fractionSql(ticksWithinSecond: string): string {
  return withValue(ticksWithinSecond, (f) =>
    `CASE WHEN ${f} = 0 THEN '' ELSE '.' || rtrim(lpad(CAST(${f} AS VARCHAR), 7, '0'), '0') END`);
}

/** datetime ticks -> "2020-03-04T14:05:01.3109965Z", as Kusto writes datetimes. */
export function formatDatetimeSql(ticks: string): string {
  return withValue(ticks, (t) =>
    `(strftime(${ticksToTimestamp(t)}, '%Y-%m-%dT%H:%M:%S') || ${fractionSql(`(${t}) % ${TICKS_PER_SECOND}`)} || 'Z')`);
}

/** timespan ticks -> "[-][d.]hh:mm:ss[.fffffff]". */
export function formatTimespanSql(ticks: string): string {
  return withValue(ticks, (t) => withValue(`abs(${t})`, (a) => {
    const two = (e: string): string => `lpad(CAST(${e} AS VARCHAR), 2, '0')`;
    return `((CASE WHEN ${t} < 0 THEN '-' ELSE '' END)` +
      ` || (CASE WHEN ${a} >= ${TICKS_PER_DAY} THEN CAST(${a} // ${TICKS_PER_DAY} AS VARCHAR) || '.' ELSE '' END)` +
      ` || ${two(`(${a} % ${TICKS_PER_DAY}) // ${TICKS_PER_HOUR}`)} || ':'` +
      ` || ${two(`(${a} % ${TICKS_PER_HOUR}) // ${TICKS_PER_MINUTE}`)} || ':'` +
      ` || ${two(`(${a} % ${TICKS_PER_MINUTE}) // ${TICKS_PER_SECOND}`)}` +
      ` || ${fractionSql(`${a} % ${TICKS_PER_SECOND}`)})`;
  }));
}
