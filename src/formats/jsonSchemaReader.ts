// Infers a Kusto schema from the start of a JSON lines or multi-line JSON file: each complete
// top-level object in the sample votes for its keys' types (nested objects and arrays → dynamic).
import type { ColumnSchema, KustoType } from '../engine/rows';
import { jsonValueType, widenType } from './textSchemaInference';

export interface JsonSchema {
  columns: ColumnSchema[];
  sampleRows: number;
}

/**
 * The complete top-level JSON objects in `text` (a JSON lines file, concatenated objects, or an
 * array of objects), up to `max`; an object cut by the sample's end is left out.
 */
export function splitJsonObjects(text: string, max = 1000): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length && out.length < max; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0 && start >= 0) {
        out.push(JSON.parse(text.slice(start, i + 1)));
        start = -1;
      }
    } else if (c === '[' && depth === 0) {
      // the array around a multi-line JSON file's objects
    }
  }
  return out;
}

export function inferJsonSchema(sample: string): JsonSchema {
  const objects = splitJsonObjects(sample);
  const types = new Map<string, KustoType | undefined>();
  for (const object of objects) {
    if (object === null || typeof object !== 'object' || Array.isArray(object)) continue;
    for (const [key, value] of Object.entries(object as Record<string, unknown>)) {
      const t = jsonValueType(value);
      const previous = types.get(key);
      if (t === undefined) {
        if (!types.has(key)) types.set(key, undefined);
        continue;
      }
      types.set(key, widenType(previous, t, 'dynamic'));
    }
  }
  return { columns: [...types].map(([name, type]) => ({ name, type: type ?? 'string' })), sampleRows: objects.length };
}
