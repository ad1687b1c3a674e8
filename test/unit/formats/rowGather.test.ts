// The WebAssembly gather of partitioned Parquet (rowGather.ts, rowGatherWasm.c): a span's column
// buffers put into partition order, then appended to each partition's buffers in runs
// (appendGathered), must leave those buffers exactly as the JavaScript's value-by-value pick
// (appendPicked) does: the same definition levels, values and byte-array offsets, so the same
// pages. Every column type, no nulls, some and all nulls, strings of 0 to 100 bytes (multi-byte
// too), targets that already hold rows, runs cut at any row.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ColumnSchema, KustoType, KustoValue, Row } from '../../../src/engine/rows';
import { type ColumnBuffer, createColumnBuffer } from '../../../src/formats/parquet/columnBuffers';
import { RowGather, SMALL_INTS, rowsGatheredByWasm, rowsRoutedByWasm } from '../../../src/formats/parquet/rowGather';
import { seededRandom } from '../seededRandom';

const TYPES: KustoType[] = ['bool', 'int', 'long', 'real', 'datetime', 'decimal', 'string', 'guid', 'dynamic'];

function valueOf(type: KustoType, n: number, random: () => number): KustoValue {
  switch (type) {
    case 'bool':
      return random() < 0.5;
    case 'int':
      return Math.floor(random() * 4294967296) - 2147483648;
    case 'long':
      return random() < 0.5 ? Math.floor(random() * 2 ** 53) - 2 ** 52 : BigInt(n) * 1234567890123n - 2n ** 62n;
    case 'real':
      return random() < 0.1 ? -0 : (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
    case 'datetime':
      return `20${String(10 + (n % 80))}-0${1 + (n % 9)}-1${n % 10}T0${n % 10}:1${n % 10}:2${n % 10}.${String(n % 10000).padStart(4, '0')}Z`;
    case 'decimal':
      return `${n % 2 ? '-' : ''}${n}.${n % 1000}`;
    case 'string': {
      const length = random() < 0.2 ? Math.floor(random() * 100) : Math.floor(random() * 12);
      let s = '';
      for (let k = 0; k < length; k++) s += random() < 0.05 ? 'ü☃'[k % 2] : String.fromCharCode(97 + ((n + k) % 26));
      return s;
    }
    case 'guid':
      return `${String(n).padStart(8, '0')}-0000-0000-0000-${String(n * 7).padStart(12, '0').slice(-12)}`;
    default:
      return JSON.stringify({ n, tags: Array.from({ length: n % 5 }, (_, k) => k) });
  }
}

function filled(column: ColumnSchema, rows: number, nullRate: number, random: () => number, offset = 0): ColumnBuffer {
  const buffer = createColumnBuffer(column);
  const batch: Row[] = [];
  for (let r = 0; r < rows; r++) batch.push([random() < nullRate ? null : valueOf(column.type, r + offset, random)]);
  buffer.append(batch, 0, 0, batch.length);
  return buffer;
}

/** Row indexes grouped by a random partition of each row (stable within a partition), and where each partition starts. */
function grouped(rows: number, partitions: number, random: () => number): { picks: Int32Array; starts: number[] } {
  const of = Array.from({ length: rows }, () => Math.floor(random() * partitions));
  const picks = new Int32Array(rows);
  const starts: number[] = [];
  let k = 0;
  for (let p = 0; p < partitions; p++) {
    starts.push(k);
    for (let r = 0; r < rows; r++) if (of[r] === p) picks[k++] = r;
  }
  starts.push(k);
  return { picks, starts };
}

function contents(buffer: ColumnBuffer): Buffer[] {
  return buffer.pages(1024).map((p) => Buffer.concat([Buffer.from(String(p.numValues)), p.body]));
}

test('gathered runs leave partition buffers exactly as picking row by row does (every type, with and without nulls)', () => {
  const gather = RowGather.create();
  assert.ok(gather, 'dist/rowGatherWasm.wasm is built (npm run build)');
  const before = rowsGatheredByWasm();
  const random = seededRandom(46);
  let gathered = 0;
  for (const rows of [1, 7, 1000, 5000]) {
    for (const nullRate of [0, 0.15, 1]) {
      const columns = TYPES.map((type, c) => ({ name: `c${c}`, type }) as ColumnSchema);
      const source = columns.map((column) => filled(column, rows, nullRate, random));
      const partitions = 1 + Math.floor(random() * 12);
      const { picks, starts } = grouped(rows, partitions, random);
      const out = gather.gather(source, picks);
      gathered += rows;
      for (let c = 0; c < columns.length; c++) {
        for (let p = 0; p < partitions; p++) {
          // Targets that already hold rows (of the other kind of null rate), then the partition's rows in runs cut anywhere.
          const picked = filled(columns[c], p % 3, 1 - nullRate, seededRandom(p));
          const runs = filled(columns[c], p % 3, 1 - nullRate, seededRandom(p));
          picked.appendPicked(source[c], source[c].valueIndexes(), picks, starts[p], starts[p + 1]);
          const where = `${columns[c].type}, ${rows} rows, nulls ${nullRate}, partition ${p}`;
          // The size after each run (where a writer decides to end a row group) as after picking the same run.
          const pickedRuns = filled(columns[c], p % 3, 1 - nullRate, seededRandom(p));
          for (let from = starts[p]; from < starts[p + 1];) {
            const to = Math.min(starts[p + 1], from + 1 + Math.floor(random() * (random() < 0.3 ? 8 : 700)));
            runs.appendGathered(out[c], from, to);
            pickedRuns.appendPicked(source[c], source[c].valueIndexes(), picks, from, to);
            assert.equal(runs.byteSize(), pickedRuns.byteSize(), `${where}, size after rows ${from}-${to}`);
            assert.deepEqual(contents(runs), contents(pickedRuns), `${where}, pages after rows ${from}-${to}`);
            from = to;
          }
          // And row by row: every row's boundary once.
          const single = filled(columns[c], p % 3, 1 - nullRate, seededRandom(p));
          const pickedSingle = filled(columns[c], p % 3, 1 - nullRate, seededRandom(p));
          for (let from = starts[p]; from < starts[p + 1]; from++) {
            single.appendGathered(out[c], from, from + 1);
            pickedSingle.appendPicked(source[c], source[c].valueIndexes(), picks, from, from + 1);
            assert.equal(single.byteSize(), pickedSingle.byteSize(), `${where}, size after row ${from}`);
            if (from - starts[p] < 20) assert.deepEqual(contents(single), contents(pickedSingle), `${where}, pages after row ${from}`);
          }
          assert.deepEqual(contents(single), contents(picked), `${where}, row by row`);
          assert.equal(runs.rows, picked.rows, where);
          assert.equal(runs.byteSize(), picked.byteSize(), where);
          assert.deepEqual(contents(runs), contents(picked), where);
        }
      }
    }
  }
  assert.equal(rowsGatheredByWasm() - before, gathered);
});

test('a gather that grows the module memory and one that shrinks back leave no stale bytes', () => {
  const gather = RowGather.create();
  assert.ok(gather);
  const random = seededRandom(7);
  const column: ColumnSchema = { name: 's', type: 'string' };
  for (const rows of [20000, 3, 50000, 10]) {
    const source = filled(column, rows, 0.05, random, rows);
    const { picks, starts } = grouped(rows, 3, random);
    const out = gather.gather([source], picks);
    for (let p = 0; p < 3; p++) {
      const picked = createColumnBuffer(column);
      const runs = createColumnBuffer(column);
      picked.appendPicked(source, source.valueIndexes(), picks, starts[p], starts[p + 1]);
      if (starts[p + 1] > starts[p]) runs.appendGathered(out[0], starts[p], starts[p + 1]);
      assert.deepEqual(contents(runs), contents(picked), `${rows} rows, partition ${p}`);
    }
  }
});

test('rows of an int partition column grouped by value: slots in the order values first appear, nulls a value of their own, rows in order; other values left to the caller', () => {
  const gather = RowGather.create();
  assert.ok(gather);
  const random = seededRandom(11);
  const column: ColumnSchema = { name: 'p', type: 'int' };
  const before = rowsRoutedByWasm();
  let routedRows = 0;
  for (const [rows, values, nullRate] of [[1, 1, 0], [5000, 50, 0], [5000, 50, 0.1], [3000, 4096, 0.01], [10, 3, 1]] as const) {
    const buffer = createColumnBuffer(column);
    const batch: Row[] = Array.from({ length: rows }, () => [random() < nullRate ? null : Math.floor(random() * values) + (values === 4096 ? 0 : 0)]);
    if (values === 4096) batch[rows - 1] = [4095];
    buffer.append(batch, 0, 0, rows);
    const routed = gather.routeSmallInts(buffer);
    assert.ok(routed, `${rows} rows of ${values} values`);
    routedRows += rows;
    // The reference: a Map in first-appearance order.
    const slots = new Map<KustoValue, number[]>();
    batch.forEach(([v], r) => {
      const list = slots.get(v);
      if (list) list.push(r);
      else slots.set(v, [r]);
    });
    const expected = [...slots.values()];
    assert.deepEqual([...routed.firstRows], expected.map((list) => list[0]));
    assert.deepEqual([...routed.starts], [0, ...expected.map((_, k) => expected.slice(0, k + 1).reduce((n, list) => n + list.length, 0))]);
    assert.deepEqual([...routed.picks], expected.flat());
  }
  assert.equal(rowsRoutedByWasm() - before, routedRows);
  // The bound the TypeScript sizes the module's tables by (and SparkFolderWriter routes by) is the
  // module's own: its largest value is routed, the next one is not.
  for (const [value, routes] of [[SMALL_INTS - 1, true], [SMALL_INTS, false]] as const) {
    const buffer = createColumnBuffer(column);
    buffer.append([[0], [value], [null], [value]], 0, 0, 4);
    const routed = gather.routeSmallInts(buffer);
    assert.equal(routed !== undefined, routes, `${value} ${routes ? 'is' : 'is not'} routed by the module`);
    if (routed) assert.deepEqual([...routed.picks], [0, 1, 3, 2]);
  }
  for (const outside of [SMALL_INTS, -1, 2147483647, -2147483648]) {
    const buffer = createColumnBuffer(column);
    buffer.append([[1], [null], [outside], [2]], 0, 0, 4);
    assert.equal(gather.routeSmallInts(buffer), undefined, `${outside} is left to the caller`);
  }
});
