// Kusto values as text, the way Kusto itself prints them: shared by CSV cells and Hive partition
// folder names. Exactness matters more than prettiness: long goes through bigint, never a JS number.
import type { KustoType, KustoValue } from '../engine/rows';

/** Text of a non-null value; null is handled by each caller (CSV: empty cell, partitions: default name). */
export function kustoValueText(type: KustoType, value: Exclude<KustoValue, null>): string {
  switch (type) {
    case 'bool':
      return value ? 'true' : 'false';
    case 'int':
    case 'long':
    case 'real':
      // bigint and number print exactly; real uses the shortest text that round-trips ("NaN", "Infinity" too).
      return String(value);
    default:
      return typeof value === 'string' ? value : String(value);
  }
}
