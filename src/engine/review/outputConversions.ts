// Kusto → files: what each Kusto type becomes in each output format, exactly as the engine's
// writers write it (docs/type-mapping.md, "Kusto → files"), with the risk a user should see before
// the job runs. The words follow the doc's "Known, tested losses and limits".
import type { KustoType } from '../rows';
import type { OutputFormat } from '../jobSpec';

export interface OutputConversion {
  targetType: string;
  conversion: string;
  risk?: 'info' | 'warn' | 'error';
  note?: string;
}

const PARQUET: Record<KustoType, OutputConversion> = {
  bool: { targetType: 'BOOLEAN', conversion: 'exact' },
  int: { targetType: 'INT32', conversion: 'exact' },
  long: { targetType: 'INT64', conversion: 'exact' },
  real: { targetType: 'DOUBLE', conversion: 'exact' },
  decimal: {
    targetType: 'DECIMAL(38,18)',
    conversion: 'rounded to 18 fraction digits',
    risk: 'warn',
    note: 'Parquet decimals are DECIMAL(38,18), as the Spark connector writes them: more than 18 fraction digits are rounded half away from zero; a value of 10^20 or more does not fit and fails the job',
  },
  string: { targetType: 'STRING', conversion: 'exact' },
  guid: { targetType: 'STRING', conversion: 'GUID text' },
  datetime: {
    targetType: 'TIMESTAMP(MICROS, UTC)',
    conversion: '100 ns → µs (truncated)',
    risk: 'warn',
    note: "Kusto's 7th fraction digit (100 ns) is dropped: Parquet and Spark keep microseconds",
  },
  timespan: { targetType: 'INT64 (ticks of 100 ns)', conversion: 'ticks', risk: 'info', note: 'a number of 100 ns ticks (Spark reads LongType), as Kusto\'s own .export writes it' },
  dynamic: { targetType: 'STRING (JSON text)', conversion: 'JSON text', risk: 'info', note: 'the JSON as text: parse it with from_json in Spark' },
};

const CSV: Record<KustoType, OutputConversion> = {
  bool: { targetType: 'text', conversion: 'true / false' },
  int: { targetType: 'text', conversion: 'exact digits' },
  long: { targetType: 'text', conversion: 'exact digits' },
  real: { targetType: 'text', conversion: 'shortest round-trip text', risk: 'info', note: 'NaN, Infinity and -Infinity are written as those words' },
  decimal: { targetType: 'text', conversion: 'exact text' },
  string: { targetType: 'text', conversion: 'exact (quoted when needed)', risk: 'info', note: 'the empty string is written "", which Spark\'s CSV reader reads as null by default' },
  guid: { targetType: 'text', conversion: 'GUID text' },
  datetime: { targetType: 'text', conversion: 'ISO 8601, all 7 fraction digits' },
  timespan: { targetType: 'text', conversion: 'Kusto text [-][d.]hh:mm:ss[.fffffff]' },
  dynamic: { targetType: 'text', conversion: 'JSON text' },
};

const JSON_LINES: Record<KustoType, OutputConversion> = {
  bool: { targetType: 'boolean', conversion: 'exact' },
  int: { targetType: 'number', conversion: 'exact' },
  long: {
    targetType: 'number',
    conversion: 'exact digits',
    risk: 'warn',
    note: 'written with every digit, but a reader that parses JSON numbers as doubles (JavaScript, jq, many others) loses precision beyond 2^53 (9007199254740992)',
  },
  real: { targetType: 'number', conversion: 'shortest round-trip text', risk: 'info', note: 'NaN, Infinity and -Infinity are written as strings (JSON has no such numbers)' },
  decimal: { targetType: 'string', conversion: 'exact text, as a string', risk: 'info', note: 'a string, so that readers do not turn it into a double' },
  string: { targetType: 'string', conversion: 'exact' },
  guid: { targetType: 'string', conversion: 'GUID text' },
  datetime: { targetType: 'string', conversion: 'ISO 8601, all 7 fraction digits' },
  timespan: { targetType: 'string', conversion: 'Kusto text [-][d.]hh:mm:ss[.fffffff]' },
  dynamic: { targetType: 'JSON value', conversion: 'embedded JSON', risk: 'info', note: 'embedded as JSON (not a string); a dynamic holding a bare string becomes that string' },
};

const BY_FORMAT: Record<OutputFormat, Record<KustoType, OutputConversion>> = { parquet: PARQUET, csv: CSV, json: JSON_LINES };

export function outputConversion(type: KustoType, format: OutputFormat): OutputConversion {
  return { ...BY_FORMAT[format][type] };
}

/** |v| ≥ 10^20: more integer digits than DECIMAL(38,18) holds. */
export function decimalOverflowsParquet(text: string): boolean {
  const digits = text.replace(/^[-+]/, '').split(/[.eE]/)[0].replace(/^0+/, '');
  return /e/i.test(text) ? Math.abs(Number(text)) >= 1e20 : digits.length > 20;
}

/** A long beyond ±2^53 (a JSON reader using doubles rounds it). */
export function longBeyondDoubles(value: unknown): boolean {
  if (typeof value === 'bigint') return value > 9007199254740992n || value < -9007199254740992n;
  return typeof value === 'number' && !Number.isSafeInteger(value);
}
