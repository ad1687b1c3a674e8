// The service's rules for entity names (tables, columns, databases), which the emulator enforces
// before any change, and the words that must be quoted to be used as a name.
import { KustoRequestError } from '../server/errors';

/**
 * Words the service's command parser refuses as a bare entity name (they are KQL keywords or
 * literals): `.create table where (...)` or `(kind:string)` is a syntax error there, while
 * `['where']` is fine. Found by running the official Kusto.Language parser over candidate words
 * in both positions of `.create table T (x:string)`.
 */
export const KEYWORD_NAMES = new Set([
  'accumulate', 'and', 'anomalychart', 'areachart', 'as', 'asc', 'barchart', 'between', 'bin_legacy', 'boolean', 'by', 'card',
  'columnchart', 'contains', 'containscs', 'datascope', 'datatable', 'date', 'datetime', 'decimal', 'desc', 'double', 'dynamic',
  'external_data', 'externaldata', 'false', 'find', 'float', 'has', 'has_all', 'has_any', 'hasprefix', 'hassuffix', 'in', 'int',
  'int32', 'int64', 'invoke', 'kind', 'ladderchart', 'last', 'linechart', 'long', 'materialize', 'notcontains', 'notcontainscs',
  'notlike', 'of', 'or', 'piechart', 'pivotchart', 'print', 'project', 'queries', 'real', 'sample', 'scatterchart', 'search', 'set',
  'simple', 'stackedareachart', 'startswith', 'string', 'time', 'timechart', 'timepivot', 'timespan', 'title', 'to', 'treemap', 'true',
  'union', 'uniqueid', 'where', 'with_itemindex', 'with_match_id', 'with_step_name', 'withsource',
]);

export type EntityKind = 'Table' | 'Column' | 'Database';

/**
 * The service's entity-name rules: 1 to 1024 characters, each a letter, a digit, '_', ' ', '.'
 * or '-'. Anything else (';', ':', quotes, '$', control characters) is refused before any change.
 */
export function assertEntityName(kind: EntityKind, name: string): void {
  const valid = name.length >= 1 && name.length <= 1024 && /^[\p{L}\p{N}_ .-]+$/u.test(name);
  if (valid) return;
  const shown = name.length > 80 ? `${name.slice(0, 80)}...` : name;
  throw new KustoRequestError(400, 'General_BadRequest',
    `Semantic error: '${JSON.stringify(shown).slice(1, -1)}' is not a valid ${kind.toLowerCase()} name: entity names are 1 to 1024 characters long and contain only letters, digits, '_', ' ', '.' and '-' (${name.length} characters given)`,
  );
}
