// The engine's in-memory row model: what the Kusto reader yields, what file writers consume, and
// what file readers produce for ingestion. Values keep Kusto's full precision.

export type KustoType = 'bool' | 'int' | 'long' | 'real' | 'decimal' | 'string' | 'datetime' | 'timespan' | 'guid' | 'dynamic';

export interface ColumnSchema {
  name: string;
  type: KustoType;
}

/**
 * One value, by Kusto type (null is a null of any type):
 *   bool: boolean · int: number · real: number (NaN, ±Infinity allowed)
 *   long: number when exact (readers give a number up to 15 digits, saving a bigint per value),
 *         bigint beyond (exact to ±(2^63-1)); consumers take either
 *   decimal: string, canonical decimal text, exact · string: string · guid: string
 *   datetime: string, ISO 8601 UTC as Kusto sends it, up to 7 fraction digits ("2020-03-04T14:05:01.3109965Z")
 *   timespan: string, Kusto form "[-][d.]hh:mm:ss[.fffffff]"
 *   dynamic: string holding the JSON text of the value (already serialized; writers must not re-encode it)
 */
export type KustoValue = boolean | number | bigint | string | null;

export type Row = KustoValue[];

/** Rows arrive in batches so that per-row overhead (awaits, events) stays small. */
export type RowBatch = Row[];
