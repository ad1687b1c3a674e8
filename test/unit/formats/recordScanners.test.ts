// The schema sniffer and the unparsed-values counter read records with one scanner per format
// (src/formats/csvRecordScanner.ts, jsonObjectScanner.ts). These tests feed the same files to both
// callers' public entry points and hold each to what the file was generated to hold (records, and
// the line each starts on): a private copy of the parsing in either caller that reads one case
// otherwise (a quoted CR, a CRLF cut by a chunk, a brace in a string) fails here.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { scanCsvRecords } from '../../../src/formats/csvRecordScanner';
import { scanJsonObjects } from '../../../src/formats/jsonObjectScanner';
import { inferCsvSchema, parseCsvRecords } from '../../../src/formats/csvSchemaReader';
import { inferJsonSchema } from '../../../src/formats/jsonSchemaReader';
import { TypeConformanceCounter } from '../../../src/engine/sink/typeConformance';
import { seededRandom } from '../seededRandom';

const BREAKS = ['\n', '\r\n', '\r'];
const CHUNKS = [1, 2, 3, 5, 64, 1 << 20];

function counted(format: 'csv' | 'json' | 'multijson', column: { ordinal?: number; key?: string }, text: string, chunk: number): ReturnType<TypeConformanceCounter['result']> {
  const counter = new TypeConformanceCounter(format, [{ column: 'v', type: 'long', ...column }], false);
  counter.reset();
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += chunk) counter.write(bytes.subarray(i, i + chunk));
  counter.end();
  return counter.result();
}

interface GeneratedFile {
  text: string;
  records: string[][];
  lines: number[];
  /** The one record whose value is not a long (and, in CSV, that has one field more). */
  odd: number;
}

/** A CSV file of `count` records; the generator tracks each record's fields and starting line. */
function generateCsv(random: () => number, count: number): GeneratedFile {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const lineEnd = pick(BREAKS);
  const odd = 1 + Math.floor(random() * (count - 1));
  const records: string[][] = [];
  const lines: number[] = [];
  let text = '';
  let line = 1;
  for (let r = 0; r < count; r++) {
    while (random() < 0.15) {
      text += lineEnd; // a blank line: no record, one line
      line++;
    }
    lines.push(line);
    const fields = [r === odd ? 'bad' : String(r)];
    const texts = [fields[0]];
    for (let f = 0; f < (r === odd ? 2 : 1); f++) {
      const kind = Math.floor(random() * 7);
      if (kind === 0) {
        fields.push(` plain ${r} `);
        texts.push(` plain ${r} `);
      } else if (kind === 5) {
        // A line break just before the closing quote (a CR there is no half of a CRLF).
        const value = `x${r}${pick(BREAKS)}`;
        line++;
        fields.push(value);
        texts.push(`"${value}"`);
      } else if (kind === 1) {
        fields.push('');
        texts.push(random() < 0.5 ? '' : '""');
      } else if (kind === 2) {
        fields.push('a,b');
        texts.push('"a,b"');
      } else if (kind === 3) {
        fields.push('say "hi"');
        texts.push('"say ""hi"""');
      } else {
        // Quoted line breaks of every kind, each one a line of the file.
        const breaks = 1 + Math.floor(random() * 3);
        let value = `x${r}`;
        for (let b = 0; b < breaks; b++) value += `${pick(BREAKS)}y${b}`;
        line += breaks;
        fields.push(value);
        texts.push(`"${value}"`);
      }
    }
    records.push(fields);
    text += texts.join(',');
    if (r < count - 1 || random() < 0.5) {
      text += lineEnd;
      line++;
    }
  }
  return { text, records, lines, odd };
}

/** A JSON file (lines, or an array over several lines) of `count` objects with awkward strings. */
function generateJson(random: () => number, count: number, array: boolean): GeneratedFile {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const odd = Math.floor(random() * count);
  const records: string[][] = [];
  const lines: number[] = [];
  let line = 1;
  let text = '';
  /** White space that may hold line breaks (inside an array file's objects too). */
  const gap = (): string => {
    if (!array || random() < 0.5) return random() < 0.3 ? ' ' : '';
    const br = pick(BREAKS);
    line++;
    return `${br}  `;
  };
  if (array) text += `[${gap()}`;
  const awkward = ['}{', '"quoted"', '\\', '[', '{"not":"an object"}', 'line\nbreak', 'ü€'];
  for (let r = 0; r < count; r++) {
    lines.push(line);
    const note = pick(awkward);
    records.push([`k${r}`]);
    text += `{${gap()}"k${r}":${gap()}${JSON.stringify(note)},${gap()}"v":${r === odd ? '"bad"' : String(r)},${gap()}"nested":{"a":[1,{"b":"]}"}]}${gap()}}`;
    if (array) text += r < count - 1 ? `,${gap()}` : gap();
    else if (r < count - 1 || random() < 0.5) {
      text += pick(BREAKS);
      line++;
    }
  }
  if (array) text += ']';
  return { text, records, lines, odd };
}

describe('one CSV reader for the sniffer and the counter', () => {
  test('generated files: the sniffer\'s records and lines and the counter\'s line are the generated ones, at any chunk size', () => {
    const random = seededRandom(35);
    for (let file = 0; file < 150; file++) {
      const g = generateCsv(random, 3 + Math.floor(random() * 12));
      const where = `file ${file}: ${JSON.stringify(g.text)}`;
      assert.deepEqual(parseCsvRecords(g.text, ',', 1000, true), g.records, where);
      // The sniffer names the one wider row by its line.
      const schema = inferCsvSchema(g.text, { complete: true, header: false, delimiter: ',' });
      assert.equal(schema.sampleRows, g.records.length, where);
      assert.deepEqual(schema.warnings, [`line ${g.lines[g.odd]} has 3 fields where most rows have 2: the fields past the last column are not ingested`], where);
      for (const size of CHUNKS) {
        assert.deepEqual(counted('csv', { ordinal: 0 }, g.text, size), [{ column: 'v', type: 'long', count: 1, example: '"bad"', line: g.lines[g.odd] }], `${where}, chunks of ${size}`);
      }
    }
  });

  test('the scanner: records, lines, and where a chunk\'s unread rest starts', () => {
    const seen: Array<[string[], number]> = [];
    const cursor = { line: 1 };
    const text = 'a,"b""c"\r\n\r\n"x\ry",z\n"open\nquote';
    const rest = scanCsvRecords(text, 0x2c, false, cursor, (fields, line) => void seen.push([[...fields], line]));
    assert.deepEqual(seen, [[['a', 'b"c'], 1], [['x\ry', 'z'], 3]]);
    assert.equal(text.slice(rest), '"open\nquote', 'the record still open is left for the next chunk');
    assert.equal(cursor.line, 5);
    // A CR at the very end may be half a CRLF: with more to come, the record waits.
    assert.equal(scanCsvRecords('a,b\r', 0x2c, false, { line: 1 }, () => assert.fail('no record yet')), 0);
    // Stopping after the first record returns where the second starts.
    assert.equal(scanCsvRecords('1\n2\n', 0x2c, true, { line: 1 }, () => false), 2);
  });
});

describe('one JSON object finder for the sniffer and the counter', () => {
  test('generated files: the sniffer finds each object whole, the counter names the line of the odd one, at any chunk size', () => {
    const random = seededRandom(53);
    for (let file = 0; file < 150; file++) {
      const array = random() < 0.5;
      const g = generateJson(random, 1 + Math.floor(random() * 10), array);
      const where = `file ${file}: ${JSON.stringify(g.text)}`;
      // Each object has a key of its own: a span cut wrong would fail to parse or merge two.
      const schema = inferJsonSchema(g.text);
      assert.equal(schema.sampleRows, g.records.length, where);
      assert.deepEqual(schema.columns.map((c) => c.name).filter((name) => /^k\d+$/.test(name)), g.records.map((r) => r[0]), where);
      for (const size of CHUNKS) {
        assert.deepEqual(counted(array ? 'multijson' : 'json', { key: 'v' }, g.text, size), [{ column: 'v', type: 'long', count: 1, example: '"bad"', line: g.lines[g.odd] }], `${where}, chunks of ${size}`);
      }
    }
  });

  test('the finder: spans, lines, a brace in a string, a stray closing brace, and the unread rest', () => {
    const text = '[{"a":"}"},\r{"b":\r[1]}, } {"c":1}\n{"d":';
    const seen: Array<[string, number]> = [];
    const cursor = { line: 1 };
    const rest = scanJsonObjects(text, false, cursor, (start, end, line) => void seen.push([text.slice(start, end), line]));
    assert.deepEqual(seen, [['{"a":"}"}', 1], ['{"b":\r[1]}', 2], ['{"c":1}', 3]]);
    assert.equal(text.slice(rest), '{"d":');
    assert.equal(cursor.line, 4);
    assert.equal(scanJsonObjects('{"d":', true, { line: 1 }, () => assert.fail('an object cut short is no record')), 5);
    // The sniffer goes past a stray closing brace too (it once lost every object after one).
    assert.deepEqual(inferJsonSchema('{"a":1}\n}\n{"b":2}\n').columns.map((c) => c.name), ['a', 'b']);
  });
});
