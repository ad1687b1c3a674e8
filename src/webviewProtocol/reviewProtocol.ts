// What the wizard's Review step shows (built by the engine's buildJobReview in the host, sent to the
// webview as is), and the schema edits the webview sends back: the host checks every such message
// with parseSchemaEdits before it touches a JobSpec. The webview shares these types, never the
// engine's code.
export type { JobReview, ReviewColumn, ReviewPreflight, ReviewPreview } from '../engine/review/reviewTypes';

/** A new table's column as edited in the review: the source column, its name and type in the table. */
export interface ReviewSchemaEdit {
  source: string;
  name: string;
  type: string;
}

/** Kusto's scalar types, the choices of a new column's type. */
export const REVIEW_COLUMN_TYPES = ['bool', 'int', 'long', 'real', 'decimal', 'string', 'datetime', 'timespan', 'guid', 'dynamic'] as const;

/**
 * The edits in a message from the webview, or why they are not acceptable: a list of at most
 * 10,000 `{ source, name, type }` with non-empty strings and known types. Names are checked again
 * (as the service checks them) when the spec is validated.
 */
export function parseSchemaEdits(value: unknown): { columns: ReviewSchemaEdit[] } | { error: string } {
  if (!Array.isArray(value)) return { error: 'the schema edits are not a list' };
  if (value.length === 0) return { error: 'keep at least one column' };
  if (value.length > 10_000) return { error: 'too many columns' };
  const columns: ReviewSchemaEdit[] = [];
  for (const [i, item] of value.entries()) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return { error: `column ${i + 1} is not an object` };
    const { source, name, type, ...rest } = item as Record<string, unknown>;
    if (Object.keys(rest).length > 0) return { error: `column ${i + 1} has unknown fields: ${Object.keys(rest).join(', ')}` };
    if (typeof source !== 'string' || source === '' || source.length > 1024) return { error: `column ${i + 1} has no source column` };
    if (typeof name !== 'string' || name.trim() === '' || name.length > 1024) return { error: `column ${JSON.stringify(source)} needs a name` };
    if (typeof type !== 'string' || !(REVIEW_COLUMN_TYPES as readonly string[]).includes(type)) return { error: `column ${JSON.stringify(source)} has an unknown type` };
    columns.push({ source, name: name.trim(), type });
  }
  return { columns };
}
