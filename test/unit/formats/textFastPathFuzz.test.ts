// A seeded differential fuzz of the text formats' fast path: random tables of every Kusto type,
// with adversarial values (strings with escapes, quotes, commas, raw control bytes, multibyte and
// invalid UTF-8, of lengths around the module's 8- and 32-byte steps; reals from random bit
// patterns over the whole range, 16-17 digit texts and their neighbours, the forms a server may
// send; longs beyond 2^53; dynamic literals) and column names whose JSON prefixes are 0-40 bytes,
// sent as a Kusto v2 response in chunks of random sizes. Each table is read twice, through the
// fast path (the WebAssembly row writer and rowSpanText.ts) and through the text parser and the
// JS writers: the CSV and JSON lines bytes must be equal. Deterministic (fixed seeds), a few seconds.
// Run it with KDM_ENGINE_WASM=0 too for rowSpanText.ts's own row loop, and KDM_FUZZ_SEEDS=200 for more cases.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { ColumnSchema, KustoType } from '../../../src/engine/rows';
import { createRecordFileWriter } from '../../../src/formats/createRecordFileWriter';
import { streamQuery } from '../../../src/kusto/streamingQueryReader';
import { chunkedAnswer } from '../../helpers/chunkedAnswer';
import { type FakeKustoServer, startFakeKusto } from '../kusto/fakeKustoServer';
import { seededRandom } from '../seededRandom';

let server: FakeKustoServer;
before(async () => {
  server = await startFakeKusto();
});
after(async () => {
  await server?.stop();
});

interface Written {
  bytes: Buffer;
  rows: number;
  fastRows: number;
  parsedRows: number;
}

async function readAndWrite(body: Buffer, columns: ColumnSchema[], format: 'csv' | 'json', chunkSize: number, fast: boolean): Promise<Written> {
  server.script([chunkedAnswer(body, chunkSize)]);
  const chunks: Buffer[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  const writer = createRecordFileWriter(destination, { format, columns });
  let fastRows = 0;
  let parsedRows = 0;
  for await (const event of streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T', textSpans: fast ? { format } : undefined })) {
    if (event.kind === 'encodedText') {
      assert.ok(writer.writeText);
      await writer.writeText(event.text, event.rows, event.release);
      fastRows += event.rows;
    } else if (event.kind === 'rows') {
      await writer.write(event.rows);
      parsedRows += event.rows.length;
    }
  }
  const summary = await writer.close();
  return { bytes: Buffer.concat(chunks), rows: summary.rows, fastRows, parsedRows };
}

// Characters that stand for bytes which are not UTF-8 (each replaced in the body by as many invalid bytes).
const INVALID: Array<[string, number[]]> = [
  ['\ue000', [0xed, 0xa0, 0x80]], // a surrogate's encoding
  ['\u07ff', [0xc0, 0xaf]], // overlong
  ['\u0800', [0xe0, 0xa0, 0x41]], // cut short
  ['\u{f0000}', [0xf4, 0x90, 0x80, 0x80]], // past U+10FFFF
  ['\u00ff', [0xff, 0x41]], // never UTF-8
];

/** The body's bytes, with the stand-ins of INVALID replaced. */
function bodyBytes(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  for (const [stand, raw] of INVALID) {
    const pattern = Buffer.from(stand, 'utf8');
    assert.equal(pattern.length, raw.length);
    for (let at = bytes.indexOf(pattern); at >= 0; at = bytes.indexOf(pattern, at + raw.length)) bytes.set(raw, at);
  }
  return bytes;
}

type Random = () => number;

/** Value makers; `leftRate`: how often a special character is one the fast path leaves to the text parser (rarely: long runs of rows go the fast way, and the raw bytes after them reach it undecoded). */
function generators(random: Random, leftRate: number) {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
  const chance = (p: number): boolean => random() < p;
  const digits = (count: number): string => Array.from({ length: count }, () => String(Math.floor(random() * 10))).join('');
  const integerText = (count: number): string => String(BigInt(`1${digits(Math.max(0, count - 1))}`) - (chance(0.5) ? 0n : BigInt(`1${'0'.repeat(Math.max(0, count - 1))}`) - 1n));
  /** A length around the 8- and 32-byte steps, 0-40. */
  const length = (): number => (chance(0.6) ? pick([0, 1, 2, 6, 7, 8, 9, 14, 15, 16, 17, 23, 24, 25, 30, 31, 32, 33, 34, 39, 40]) : Math.floor(random() * 41));
  const PLAIN = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.:;!#$%&()*+/<=>?@[]^`{|}~';
  // As they appear inside a v2 JSON string: bytes the fast path must look at and takes (commas,
  // multibyte), and escapes, which it leaves to the text parser.
  const TAKEN = [',', ',', '\u007f', 'é', '€', '😀', '\u2028', '\uffff', '\u{10ffff}', 'ß', '\u0080', 'ǿ'];
  const LEFT = ['\\"', '\\\\', '\\/', '\\n', '\\r', '\\t', '\\b', '\\f', '\\u0001', '\\u001f', '\\u00e9', '\\u2028', '\\ud83d\\ude00', '\\ud800'];
  /** Raw bytes the fast path takes or leaves by format (control bytes: CSV takes them, JSON lines leaves them; invalid UTF-8: both leave it). */
  const RAW = ['\u0001', '\u0008', '\u000f', '\u0010', '\u0017', '\u001f', '\n', '\r', '\t', ...INVALID.map(([stand]) => stand)];
  const plainChars = (count: number): string => Array.from({ length: count }, () => PLAIN[Math.floor(random() * PLAIN.length)]).join('');
  /** A JSON string's inside: plain, or with a few special characters (often in a word's last bytes or at the end). */
  const stringBody = (): string => {
    const n = length();
    if (chance(0.55) || n === 0) return plainChars(n);
    const out: string[] = Array.from(plainChars(n));
    const specials = 1 + Math.floor(random() * 3);
    for (let s = 0; s < specials; s++) {
      const at = chance(0.3) ? out.length - Math.floor(random() * 3) : chance(0.4) ? 7 + 8 * Math.floor(random() * 4) - Math.floor(random() * 2) : Math.floor(random() * (out.length + 1));
      out.splice(Math.max(0, Math.min(out.length, at)), chance(0.5) ? 1 : 0, chance(leftRate) ? pick(LEFT) : chance(0.12) ? pick(RAW) : pick(TAKEN));
    }
    return out.join('');
  };
  const float64 = new Float64Array(1);
  const words = new Uint32Array(float64.buffer);
  /** A finite double from random bits (subnormals, zeros and every exponent included). */
  const randomDouble = (): number => {
    for (;;) {
      words[0] = Math.floor(random() * 2 ** 32);
      words[1] = Math.floor(random() * 2 ** 32);
      if (chance(0.1)) words[1] &= 0x800fffff; // subnormal or zero
      if (Number.isFinite(float64[0])) return float64[0];
    }
  };
  /** The decimal text moved by `delta` in its last digit (same layout), or the text itself. */
  const moved = (text: string, delta: number): string => {
    const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
    if (!match) return text;
    const [, sign, int, frac = ''] = match;
    const all = int + frac;
    const next = (BigInt(all) + BigInt(delta)).toString().padStart(all.length, '0');
    if (next.length !== all.length || /^0\d/.test(next.slice(0, int.length)) && int.length > 1) return text;
    return `${sign}${next.slice(0, int.length)}${frac ? `.${next.slice(int.length)}` : ''}`;
  };
  const REAL_EDGES = [
    '0', '-0', '0.0', '-0.0', '1.0', '0.10', '1.50', '100', '1.0E5', '1.0e5', '1E-7', '1e-7', '1e+21', '1E+21', '1e21', '1e20', '1e-6',
    '0.000001', '0.0000001', '5e-324', '4.9e-324', '-5e-324', '2.2250738585072014e-308', '2.225073858507201e-308', '1.7976931348623157e308',
    '-1.7976931348623157e+308', '1.7976931348623159e308', '1e400', '-1e400', '1e-400', '9007199254740993', '9007199254740992', '9007199254740991',
    '9007199254740994', '-9007199254740993', '9007199254740993.0', '0.30000000000000004', '0.3', '0.1', '0.2', '123456789012345678',
    '12345678901234567890', '999999999999999900000', '100000000000000000000', '1000000000000000000000', '"NaN"', '"Infinity"', '"-Infinity"', 'null',
    '0.1e1', '10e-1', '1e0', '1E00', '-0e5', '0e-5', '1.5e-310', '2.5e-308', '1.2345678901234567e-300', '1.2345678901234567e308',
  ];
  const real = (): string => {
    const r = random();
    if (r < 0.12) {
      const edge = pick(REAL_EDGES);
      return edge.startsWith('"') && !chance(leftRate) ? '0.5' : edge;
    }
    if (r < 0.3) {
      const x = randomDouble();
      return pick([String(x), x.toPrecision(15), x.toPrecision(16), x.toPrecision(17), x.toExponential()]);
    }
    if (r < 0.7) {
      // 16-17 digit texts in String's layout (every bench real), their neighbours and roundings.
      const x = chance(0.3) ? Math.floor(random() * 1e7) / 7 : (chance(0.5) ? -1 : 1) * random() * 10 ** Math.floor(random() * 27 - 6);
      const text = pick([String(x), x.toPrecision(16), x.toPrecision(17), String(x)]);
      return chance(0.4) ? moved(text, pick([-2, -1, 1, 2])) : text;
    }
    if (r < 0.8) return `${chance(0.3) ? '-' : ''}${integerText(1 + Math.floor(random() * 4))}.${digits(1 + Math.floor(random() * 4))}`;
    if (r < 0.9) return `${integerText(1 + Math.floor(random() * 3))}${pick(['e', 'E'])}${pick(['', '+', '-'])}${Math.floor(random() * 330)}`;
    return integerText(1 + Math.floor(random() * 22));
  };
  const long = (): string => {
    const r = random();
    if (r < 0.15) return pick(['null', '0', '-1', '9223372036854775807', '-9223372036854775808', '9007199254740993', '9007199254740992', '-9007199254740993', '4294967296', '1000000000000000']);
    const bits = (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32));
    const value = BigInt.asIntN(64, bits) >> BigInt(Math.floor(random() * 63));
    return String(value);
  };
  const int = (): string => (chance(0.1) ? pick(['null', '0', '2147483647', '-2147483648', '-1', '123456789012345', '1234567890123456', '12345678901234567', '-9007199254740993']) : String((Math.floor(random() * 2 ** 32) | 0) >> Math.floor(random() * 31)));
  const quoted = (s: string): string => `"${s}"`;
  const values: Record<KustoType, () => string> = {
    bool: () => pick(['true', 'false', 'true', 'false', 'null']),
    int,
    long,
    real,
    decimal: () => (chance(0.1) ? pick(['null', '12.5', '3']) : quoted(`${chance(0.3) ? '-' : ''}${integerText(1 + Math.floor(random() * 28))}.${digits(Math.floor(random() * 6))}0`.replace(/\.0$/, '.00'))),
    string: () => (chance(0.05) ? 'null' : quoted(stringBody())),
    datetime: () => (chance(0.1) ? 'null' : quoted(new Date(Math.floor(random() * 2.5e14) - 6e13).toISOString().replace('Z', `${digits(4)}Z`))),
    timespan: () => (chance(0.1) ? 'null' : quoted(`${chance(0.3) ? '-' : ''}${chance(0.5) ? `${Math.floor(random() * 1000)}.` : ''}0${Math.floor(random() * 10)}:${10 + Math.floor(random() * 50)}:0${Math.floor(random() * 10)}${chance(0.5) ? `.${digits(7)}` : ''}`)),
    guid: () => (chance(0.1) ? 'null' : quoted(`${digits(8)}-${digits(4)}-${digits(4)}-${digits(4)}-${digits(12)}`.replace(/[0-5]/g, (d) => 'abcdef'[Number(d)]))),
    dynamic: () => {
      const r = random();
      if (r < 0.4) return quoted(stringBody());
      if (r < 0.7) return pick([real(), long(), int()]).replace(/^"|"$/g, '');
      if (r < 0.85) return pick(['true', 'false', 'null', '-0', '0', '1.5e3', '1E-7', '0.10', '12']);
      if (!chance(leftRate)) return quoted(stringBody());
      return pick(['{"a":1}', '[1,"b"]', '{"k":"x\\ny","n":[1,{"m":null}]}', '[]', '{}']);
    },
  };
  const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyz_0123456789';
  const name = (n: number): string => {
    const k = 1 + Math.floor(random() * 40);
    let text = Array.from({ length: k }, () => NAME_CHARS[Math.floor(random() * NAME_CHARS.length)]).join('');
    if (chance(0.2)) text = text.slice(0, -1) + pick(['"', '\\', 'é', '😀', ',', ' ', '\n']);
    return `${text}${n}`;
  };
  return { pick, chance, values, name };
}

const TYPES: KustoType[] = ['bool', 'int', 'long', 'real', 'decimal', 'string', 'datetime', 'timespan', 'guid', 'dynamic'];

/** A v2 response: progressive (fragments) or not, with the columns' names as JSON strings. */
function response(columns: ColumnSchema[], rows: string[], fragments: number[]): string {
  const columnsJson = columns.map((c) => `{"ColumnName":${JSON.stringify(c.name)},"ColumnType":"${c.type}"}`).join(',');
  if (fragments.length === 0) {
    return (
      '[{"FrameType":"DataSetHeader","IsProgressive":false,"Version":"v2.0"},\n' +
      `{"FrameType":"DataTable","TableId":1,"TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":[${columnsJson}],"Rows":[${rows.join(',')}]},\n` +
      '{"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}]'
    );
  }
  const parts = [
    '[{"FrameType":"DataSetHeader","IsProgressive":true,"Version":"v2.0","IsFragmented":true,"ErrorReportingPlacement":"EndOfTable"}',
    `,\n{"FrameType":"TableHeader","TableId":1,"TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":[${columnsJson}]}`,
  ];
  let from = 0;
  for (const to of [...fragments, rows.length]) {
    parts.push(`,\n{"FrameType":"TableFragment","TableFragmentType":"DataAppend","TableId":1,"Rows":[${rows.slice(from, to).join(',')}]}`);
    from = to;
  }
  parts.push(`,\n{"FrameType":"TableCompletion","TableId":1,"RowCount":${rows.length}}`, ',\n{"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}\n]');
  return parts.join('');
}

describe('the text fast path against the text parser and the writers: a seeded differential fuzz', () => {
  // KDM_FUZZ_SEEDS=<n> runs n seeds (6 by default).
  const seeds = Number(process.env.KDM_FUZZ_SEEDS) || 6;
  for (let seed = 6401; seed < 6401 + seeds; seed++) {
    test(`seed ${seed}: random tables of every type, adversarial values, chunks of random sizes: the same CSV and JSON lines bytes`, async () => {
      const random = seededRandom(seed);
      let fastTotal = 0;
      let rowsTotal = 0;
      for (let table = 0; table < 4; table++) {
        // Tables with many rows left to the text parser, and with few (whose raw bytes reach the fast path undecoded).
        const { pick, chance, values, name } = generators(random, table === 1 ? 0.5 : 0.03);
        const width = table === 0 ? TYPES.length : 1 + Math.floor(random() * 8);
        const types: KustoType[] = table < 2 ? TYPES : [...TYPES, 'string', 'string', 'real', 'real', 'dynamic'];
        const columns: ColumnSchema[] = Array.from({ length: width }, (_, c) => ({ name: name(c), type: table === 0 ? TYPES[c] : pick(types) }));
        const count = 300 + Math.floor(random() * 500);
        const rows = Array.from({ length: count }, () => `[${columns.map((c) => values[c.type]()).join(',')}]`);
        const fragments = chance(0.3) ? [] : [Math.floor(count / 3), Math.floor((2 * count) / 3)];
        const body = bodyBytes(response(columns, rows, fragments));
        for (const format of ['csv', 'json'] as const) {
          const exact = await readAndWrite(body, columns, format, 1 << 16, false);
          assert.equal(exact.rows, count);
          for (const chunkSize of [150 + Math.floor(random() * 900), 3000 + Math.floor(random() * 70_000)]) {
            const fast = await readAndWrite(body, columns, format, chunkSize, true);
            assert.equal(fast.rows, count);
            if (!fast.bytes.equals(exact.bytes)) {
              const fastLines = fast.bytes.toString('latin1').split('\n');
              const exactLines = exact.bytes.toString('latin1').split('\n');
              const k = exactLines.findIndex((line, n) => line !== fastLines[n]);
              assert.fail(`table ${table}, ${format}, chunks of ${chunkSize}: line ${k} differs\n fast:  ${JSON.stringify(fastLines[k])}\n exact: ${JSON.stringify(exactLines[k])}\n columns: ${JSON.stringify(columns)}`);
            }
            fastTotal += fast.fastRows;
            rowsTotal += count;
          }
        }
      }
      if (process.env.FUZZ_DEBUG) console.log(`seed ${seed}: ${fastTotal} of ${rowsTotal} fast`);
      // Most rows go the fast way (the rest have an escape, an object, a value it leaves): the fuzz tests the fast path.
      assert.ok(fastTotal >= rowsTotal / 4, `${fastTotal} of ${rowsTotal} rows the fast way`);
    });
  }
});
