// A partition file's first row group: its column buffers get room for the whole group after the
// first rows appended from parsed column buffers (ParquetWriter.appended), instead of doubling as
// rows come; the file is byte for byte the one written from row objects in the same slices.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ColumnSchema, Row } from '../../../src/engine/rows';
import { columnBufferDoublings, createColumnBuffer } from '../../../src/formats/parquet/columnBuffers';
import { RowGather } from '../../../src/formats/parquet/rowGather';
import { ParquetWriter } from '../../../src/formats/parquet/parquetWriter';
import { readBackParquet } from '../parquetReadBack';
import { collector } from '../collectingWritable';

// The bench table's kinds of columns (no partition column): about 80 bytes a row.
const COLUMNS: ColumnSchema[] = [
  { name: 'id', type: 'long' },
  { name: 'qty', type: 'int' },
  { name: 'price', type: 'real' },
  { name: 'name', type: 'string' },
  { name: 'at', type: 'datetime' },
  { name: 'flag', type: 'bool' },
  { name: 'amount', type: 'decimal' },
  { name: 'tag', type: 'string' },
];

function rowAt(i: number): Row {
  return [i, i % 1000, i / 7, `item-${i % 50000}`, new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(), i % 3 === 0, String(i), i % 10 === 0 ? 'ten' : i % 13 === 0 ? null : 'other'];
}

const SLICE = 3000;
const SLICES = 12;
// About 7,000 rows a group: the first group spans three slices, the file five groups.
const OPTIONS = { rowGroupBytes: 512 * 1024 };

describe('ParquetWriter: rows appended from column buffers', () => {
  for (const way of ['writePicked', 'writeGathered'] as const) {
    test(`${way}: the first row group's buffers are sized once, not doubled; the file is the one written from rows`, async () => {
      const gatherer = way === 'writeGathered' ? RowGather.create() : undefined;
      if (way === 'writeGathered' && !gatherer) assert.fail('the rowGather module is not built (npm run -s build)');
      const fromRows = collector();
      const expected = new ParquetWriter(fromRows.out, COLUMNS, 'snappy', OPTIONS);
      const fromBuffers = collector();
      const writer = new ParquetWriter(fromBuffers.out, COLUMNS, 'snappy', OPTIONS);
      let doubled = 0;
      for (let s = 0; s < SLICES; s++) {
        const batch = Array.from({ length: SLICE }, (_, k) => rowAt(s * SLICE + k));
        await expected.write(batch);
        // As a parsed span's rows come (one buffer per column), in reverse order by picks.
        const buffers = COLUMNS.map((column, c) => {
          const buffer = createColumnBuffer(column);
          buffer.append([...batch].reverse(), c, 0, SLICE);
          return buffer;
        });
        const picks = Int32Array.from({ length: SLICE }, (_, k) => SLICE - 1 - k);
        const before = columnBufferDoublings();
        if (gatherer) await writer.writeGathered(gatherer.gather(buffers, picks), 0, SLICE);
        else await writer.writePicked({ columns: buffers, valueIndexes: buffers.map((b) => b.valueIndexes()), picks }, 0, SLICE);
        doubled += columnBufferDoublings() - before;
      }
      await expected.close();
      await writer.close();
      assert.equal(doubled, 0, 'no buffer of the file doubled');
      assert.ok(fromBuffers.bytes().equals(fromRows.bytes()), 'the same file bytes');
      const read = await readBackParquet(fromBuffers.bytes());
      assert.equal(read.rows.length, SLICE * SLICES);
      assert.ok(read.rowGroups >= 4, `${read.rowGroups} row groups`);
    });
  }
});
