// Infers a Kusto schema from the start of a JSON lines or multi-line JSON file: each complete
// top-level object in the sample votes for its keys' types (nested objects and arrays → dynamic).
// Numbers are typed from their text, not from a JS number: 9223372036854775807 is a long (a double
// would round it), and Spark's `0.0` is a real even though its value is integral.
import type { ColumnSchema, KustoType } from '../engine/rows';
import { scanJsonObjects } from './jsonObjectScanner';
import { jsonValueType, textValueType, widenType } from './textSchemaInference';

export interface JsonSchema {
  columns: ColumnSchema[];
  sampleRows: number;
  /** Keys seen only with null values: typed string here, but they should not outvote other files' evidence. */
  untyped: string[];
}

/** Marks a number token kept as text (a private-use prefix no JSON producer emits). */
export const NUMBER_TEXT = '\uE000kdm-number:';

/** The spans of the complete top-level JSON objects in `text`, up to `max`. */
function objectSpans(text: string, max: number): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  if (max <= 0) return spans;
  scanJsonObjects(text, true, { line: 1 }, (start, end) => spans.push([start, end]) < max);
  return spans;
}

/**
 * Parses one JSON value with the number tokens `keep` selects (all by default) replaced by a
 * string of NUMBER_TEXT and the token's text, so that digits a JS number would round survive.
 */
export function parseKeepingNumberText(json: string, keep: (token: string) => boolean = () => true): unknown {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      while (end < json.length && /[0-9.eE+-]/.test(json[end])) end++;
      const token = json.slice(i, end);
      if (keep(token)) {
        out += json.slice(from, i) + JSON.stringify(NUMBER_TEXT + token);
        from = end;
      }
      i = end - 1;
    }
  }
  return JSON.parse(out + json.slice(from)) as unknown;
}

function topLevelValueType(value: unknown): KustoType | undefined {
  if (typeof value === 'string' && value.startsWith(NUMBER_TEXT)) {
    const type = textValueType(value.slice(NUMBER_TEXT.length));
    return type === 'long' ? 'long' : 'real';
  }
  // Nested values are dynamic whatever their numbers hold.
  return jsonValueType(value);
}

export function inferJsonSchema(sample: string): JsonSchema {
  const objects = objectSpans(sample, 1000).map(([start, end]) => parseKeepingNumberText(sample.slice(start, end)));
  const types = new Map<string, KustoType | undefined>();
  for (const object of objects) {
    if (object === null || typeof object !== 'object' || Array.isArray(object)) continue;
    for (const [key, value] of Object.entries(object as Record<string, unknown>)) {
      const t = topLevelValueType(value);
      const previous = types.get(key);
      if (t === undefined) {
        if (!types.has(key)) types.set(key, undefined);
        continue;
      }
      types.set(key, widenType(previous, t, 'dynamic'));
    }
  }
  const columns: ColumnSchema[] = [...types].map(([name, type]) => ({ name, type: type ?? 'string' }));
  return { columns, sampleRows: objects.length, untyped: [...types].filter(([, type]) => type === undefined).map(([name]) => name) };
}
