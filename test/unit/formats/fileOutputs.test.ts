import assert from 'node:assert/strict';
import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { ColumnSchema } from '../../../src/engine/rows';
import { OutputExistsError, openSingleFileOutput } from '../../../src/formats/fileOutput';
import { escapePathName, partitionFolderName } from '../../../src/spark/hivePartitionPath';
import { OutputNotReplaceableError } from '../../../src/spark/outputFolder';
import { SparkFolderWriter, openFileOutput, partFileName } from '../../../src/spark/sparkFolderWriter';
import { parquetMetadataAsync } from 'hyparquet';
import { createColumnBuffer } from '../../../src/formats/parquet/columnBuffers';
import { readBackParquet } from '../parquetReadBack';
import { pagesCompressedByCaller } from '../../../src/formats/parquet/pageCompressor';

const root = mkdtempSync(join(tmpdir(), 'kdm-file-outputs-'));
after(() => rmSync(root, { recursive: true, force: true }));

const columns: ColumnSchema[] = [
  { name: 'id', type: 'long' },
  { name: 'region', type: 'string' },
  { name: 'note', type: 'string' },
];

async function listTree(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('Spark path escaping', () => {
  test('escapes the characters Spark escapes, with upper-case hex, and nothing else', () => {
    assert.equal(escapePathName('us/west'), 'us%2Fwest');
    assert.equal(escapePathName('a:b=c%d'), 'a%3Ab%3Dc%25d');
    assert.equal(escapePathName('{[x]}^"#\'*?\\'), '%7B%5Bx%5D}%5E%22%23%27%2A%3F%5C');
    assert.equal(escapePathName('tab\there\nnl\u007f\u0001'), 'tab%09here%0Anl%7F%01');
    assert.equal(escapePathName('plain text-ä_😀.~!@$&()+,;<>|`'), 'plain text-ä_😀.~!@$&()+,;<>|`');
  });

  test('null and empty values go to __HIVE_DEFAULT_PARTITION__; values print as Kusto text', () => {
    assert.equal(partitionFolderName('region', 'string', null), 'region=__HIVE_DEFAULT_PARTITION__');
    assert.equal(partitionFolderName('region', 'string', ''), 'region=__HIVE_DEFAULT_PARTITION__');
    assert.equal(partitionFolderName('day', 'datetime', '2024-01-02T00:00:00.0000000Z'), 'day=2024-01-02T00%3A00%3A00.0000000Z');
    assert.equal(partitionFolderName('id', 'long', 9223372036854775807n), 'id=9223372036854775807');
    assert.equal(partitionFolderName('a=b', 'bool', false), 'a%3Db=false');
  });

  test('part files are named like Spark names them', () => {
    assert.equal(partFileName(0, 'job-1', 'parquet', 'snappy'), 'part-00000-job-1-c000.snappy.parquet');
    assert.equal(partFileName(12, 'job-1', 'csv', 'gzip'), 'part-00012-job-1-c000.csv.gz');
    assert.equal(partFileName(3, 'job-1', 'json', 'none'), 'part-00003-job-1-c000.json');
  });
});

describe('Spark folder writer', () => {
  test('partitions, rolls files at maxRowsPerFile, drops partition columns, shows nothing before commit', async () => {
    const folder = join(root, 'spark', 'out');
    const writer = await SparkFolderWriter.open({ folder, format: 'csv', columns, partitionBy: ['region'], maxRowsPerFile: 2, jobId: 'job1' });
    await writer.write([
      [1n, 'eu', 'a'],
      [2n, 'us/west', 'b'],
      [3n, 'eu', 'c'],
      [4n, null, 'd'],
    ]);
    await writer.write([
      [5n, 'eu', 'e'],
      [6n, '', 'f'],
    ]);
    assert.deepEqual(await fs.readdir(join(root, 'spark')), ['.out.kdm-tmp-job1']);
    const summary = await writer.commit();
    assert.deepEqual(await fs.readdir(join(root, 'spark')), ['out']);
    assert.deepEqual(await listTree(folder), [
      '_SUCCESS',
      '_kdm_output.json',
      'region=__HIVE_DEFAULT_PARTITION__/part-00002-job1-c000.csv',
      'region=eu/part-00000-job1-c000.csv',
      'region=eu/part-00003-job1-c000.csv',
      'region=us%2Fwest/part-00001-job1-c000.csv',
    ]);
    assert.equal(await fs.readFile(join(folder, 'region=eu/part-00000-job1-c000.csv'), 'utf8'), 'id,note\n1,a\n3,c\n');
    assert.equal(await fs.readFile(join(folder, 'region=eu/part-00003-job1-c000.csv'), 'utf8'), 'id,note\n5,e\n');
    assert.equal(await fs.readFile(join(folder, 'region=__HIVE_DEFAULT_PARTITION__/part-00002-job1-c000.csv'), 'utf8'), 'id,note\n4,d\n6,f\n');
    assert.equal(await fs.readFile(join(folder, '_SUCCESS'), 'utf8'), '');
    assert.equal(summary.rows, 6);
    assert.equal(summary.files.length, 4);
  });

  test('50 partitions whose rows interleave in every batch: one Parquet file per partition holding its rows in order (no file closed and started again)', async () => {
    const folder = join(root, 'fifty');
    const writer = await SparkFolderWriter.open({ folder, format: 'parquet', columns, partitionBy: ['region'], jobId: 'job50' });
    // Four batches of 500 rows, each touching every one of the 50 values in turn (as id % 50 does).
    for (let batch = 0; batch < 4; batch++) {
      await writer.write(Array.from({ length: 500 }, (_, k) => {
        const id = batch * 500 + k;
        return [BigInt(id), `r${id % 50}`, `n${id}`];
      }));
    }
    const summary = await writer.commit();
    assert.equal(summary.rows, 2000);
    const parts = (await listTree(folder)).filter((f) => f.endsWith('.parquet'));
    assert.equal(parts.length, 50, `files: ${parts.length}`);
    for (const part of parts) {
      const region = /region=r(\d+)\//.exec(part);
      assert.ok(region, part);
      const back = await readBackParquet(await fs.readFile(join(folder, part)));
      const expected = Array.from({ length: 40 }, (_, k) => ({ id: BigInt(k * 50 + Number(region[1])), note: `n${k * 50 + Number(region[1])}` }));
      assert.deepEqual(back.rows, expected, part);
    }
  });

  test('partitioned Parquet: the open files share a 32 MB buffer budget (row groups of about 32 MB / 64 open files = 512 KB), and commit lists the files in the order they were open', async () => {
    const folder = join(root, 'budget');
    const writer = await SparkFolderWriter.open({ folder, format: 'parquet', columns, partitionBy: ['region'], jobId: 'jobbudget' });
    // 16,000 rows of about 220 bytes in 2 partitions: about 1.7 MB per file, appended 500 rows
    // (about 110 KB) at a time, so a row group ends within about 110 KB past the budget's share.
    const note = 'x'.repeat(200);
    for (let batch = 0; batch < 16; batch++) {
      await writer.write(Array.from({ length: 1000 }, (_, k) => {
        const id = batch * 1000 + k;
        return [BigInt(id), `r${id % 2}`, `${note}${id}`];
      }));
    }
    const summary = await writer.commit();
    assert.equal(summary.rows, 16000);
    // r0 was used first and is the least recently used at commit: its file is listed first.
    assert.deepEqual(summary.files.map((f) => f.slice(folder.length + 1).split('/')[0]), ['region=r0', 'region=r1']);
    let bytes = 0;
    for (const file of summary.files) {
      const data = await fs.readFile(file);
      bytes += data.length;
      const metadata = await parquetMetadataAsync(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
      const sizes = metadata.row_groups.map((g) => Number(g.total_byte_size));
      assert.ok(sizes.length >= 3, `row groups: ${sizes.join(', ')}`);
      for (const size of sizes.slice(0, -1)) assert.ok(size >= 512 * 1024 && size < 640 * 1024, `row group sizes: ${sizes.join(', ')}`);
      const back = await readBackParquet(data);
      assert.equal(back.rows.length, 8000);
    }
    assert.equal(summary.bytes, bytes);
  });

  test('partitioned Parquet: every last row group is compressed on the worker at commit (the files close together), a lone file still compresses part of its own', async () => {
    const note = 'y'.repeat(300);
    const rows = (n: number) => Array.from({ length: n }, (_, k) => [BigInt(k), `r${k % 3}`, `${note}${k}`]);
    const before = pagesCompressedByCaller();
    const partitioned = await SparkFolderWriter.open({ folder: join(root, 'closehelps-partitioned'), format: 'parquet', columns, partitionBy: ['region'], jobId: 'jobch1' });
    await partitioned.write(rows(3000));
    const summary = await partitioned.commit();
    assert.equal(summary.files.length, 3);
    for (const file of summary.files) assert.equal((await readBackParquet(await fs.readFile(file))).rows.length, 1000);
    assert.equal(pagesCompressedByCaller() - before, 0, 'pages of the partitions\' last row groups compressed on the calling thread');
    const lone = await SparkFolderWriter.open({ folder: join(root, 'closehelps-lone'), format: 'parquet', columns, jobId: 'jobch2' });
    await lone.write(rows(3000));
    assert.equal((await lone.commit()).rows, 3000);
    assert.ok(pagesCompressedByCaller() - before > 0, 'a lone file\'s close compresses part of its last row group here');
  });

  test('parsed column buffers into two partition columns: nested folders sharing a parent, made before their first files, each holding its rows', async () => {
    const folder = join(root, 'nested');
    const schema: ColumnSchema[] = [{ name: 'id', type: 'long' }, { name: 'region', type: 'string' }, { name: 'y', type: 'int' }];
    const writer = await SparkFolderWriter.open({ folder, format: 'parquet', columns: schema, partitionBy: ['region', 'y'], jobId: 'jobnested' });
    for (let span = 0; span < 3; span++) {
      const rows = Array.from({ length: 300 }, (_, k) => {
        const id = span * 300 + k;
        return [id, `r${id % 3}`, id % 4];
      });
      const buffers = schema.map((column, c) => {
        const buffer = createColumnBuffer(column);
        buffer.append(rows, c, 0, rows.length);
        return buffer;
      });
      await writer.writeColumns(buffers, rows.length);
    }
    await writer.commit();
    const parts = (await listTree(folder)).filter((f) => f.endsWith('.parquet'));
    assert.equal(parts.length, 12, parts.join(', '));
    for (const part of parts) {
      const match = /^region=r(\d)\/y=(\d)\//.exec(part);
      assert.ok(match, part);
      const back = await readBackParquet(await fs.readFile(join(folder, part)));
      const expected = Array.from({ length: 900 }, (_, id) => id).filter((id) => id % 3 === Number(match[1]) && id % 4 === Number(match[2]));
      assert.deepEqual(back.rows.map((r) => Number(r.id)), expected, part);
    }
  });

  test('partition folder names remembered per value still tell 0 from -0 (Spark writes 0.0 and -0.0)', async () => {
    const folder = join(root, 'zeros');
    const writer = await SparkFolderWriter.open({ folder, format: 'csv', columns: [{ name: 'x', type: 'real' }, { name: 'n', type: 'long' }], partitionBy: ['x'], jobId: 'jobz' });
    await writer.write([[0, 1n], [-0, 2n], [0, 3n], [-0, 4n]]);
    await writer.commit();
    assert.deepEqual(await listTree(folder), ['_SUCCESS', '_kdm_output.json', 'x=-0.0/part-00001-jobz-c000.csv', 'x=0.0/part-00000-jobz-c000.csv']);
    assert.equal(await fs.readFile(join(folder, 'x=-0.0/part-00001-jobz-c000.csv'), 'utf8'), 'n\n2\n4\n');
  });

  test('abort removes everything; nothing is visible', async () => {
    const parent = join(root, 'aborted');
    const writer = await SparkFolderWriter.open({ folder: join(parent, 'out'), format: 'parquet', columns, jobId: 'job2' });
    await writer.write([[1n, 'x', 'y']]);
    await writer.abort();
    assert.deepEqual(await fs.readdir(parent), []);
    await assert.rejects(writer.write([[2n, 'x', 'y']]), { name: 'AbortError' });
  });

  test('an AbortSignal fired mid-job cancels: the pending write fails and no output remains', async () => {
    const parent = join(root, 'signalled');
    const controller = new AbortController();
    const writer = await SparkFolderWriter.open({ folder: join(parent, 'out'), format: 'json', columns, maxRowsPerFile: 10, jobId: 'job3', signal: controller.signal });
    await writer.write(Array.from({ length: 25 }, (_, i) => [BigInt(i), 'r', 'n']));
    controller.abort();
    await assert.rejects(writer.write([[99n, 'r', 'n']]), { name: 'AbortError' });
    await assert.rejects(writer.commit(), { name: 'AbortError' });
    assert.deepEqual(await fs.readdir(parent), []);
  });

  test('refuses an existing folder unless asked to replace it; replace swaps a Spark output folder whole', async () => {
    const folder = join(root, 'existing');
    await fs.mkdir(folder, { recursive: true });
    await fs.writeFile(join(folder, 'part-00000-old-c000.csv'), 'old');
    await fs.writeFile(join(folder, '_SUCCESS'), '');
    await assert.rejects(SparkFolderWriter.open({ folder, format: 'csv', columns, jobId: 'job4' }), OutputExistsError);
    const writer = await SparkFolderWriter.open({ folder, format: 'csv', columns, jobId: 'job4', ifExists: 'replace' });
    await writer.write([[7n, 'r', 'n']]);
    await writer.commit();
    assert.deepEqual(await listTree(folder), ['_SUCCESS', '_kdm_output.json', 'part-00000-job4-c000.csv']);
    assert.deepEqual(await fs.readdir(root).then((names) => names.filter((n) => n.includes('existing'))), ['existing']);
    const marker = JSON.parse(await fs.readFile(join(folder, '_kdm_output.json'), 'utf8'));
    assert.deepEqual([marker.jobId, marker.rows, marker.files], ['job4', 1, ['part-00000-job4-c000.csv']]);
  });

  test('replace refuses a folder holding anything but Spark output, and leaves it as it was', async () => {
    const folder = join(root, 'users');
    await fs.mkdir(folder, { recursive: true });
    await fs.writeFile(join(folder, 'old.txt'), 'old');
    await fs.writeFile(join(folder, '_SUCCESS'), '');
    await assert.rejects(SparkFolderWriter.open({ folder, format: 'csv', columns, jobId: 'job6', ifExists: 'replace' }), (err: unknown) => err instanceof OutputNotReplaceableError && /\(old\.txt\)/.test(err.message));
    assert.deepEqual(await listTree(folder), ['_SUCCESS', 'old.txt']);
    assert.deepEqual(await fs.readdir(root).then((names) => names.filter((n) => n.includes('users'))), ['users']);
  });

  test('an empty result is one file with the header and _SUCCESS', async () => {
    const folder = join(root, 'empty');
    const writer = await SparkFolderWriter.open({ folder, format: 'csv', columns, jobId: 'job5', compression: 'gzip' });
    await writer.commit();
    assert.deepEqual(await listTree(folder), ['_SUCCESS', '_kdm_output.json', 'part-00000-job5-c000.csv.gz']);
  });

  test('an empty batch opens no part file, on the row path (write) as on the parsed-column path (writeColumns): an empty result is one Parquet file with the schema without partitions, only _SUCCESS with them, as Spark writes', async () => {
    const list = (folder: string) => listTree(folder);
    // A full file, then an empty batch: no empty second part file.
    const rolled = join(root, 'empty-batch-rolled');
    let writer = await SparkFolderWriter.open({ folder: rolled, format: 'parquet', columns, maxRowsPerFile: 2, jobId: 'jobE1' });
    await writer.write([[1n, 'eu', 'a'], [2n, 'us', 'b']]);
    await writer.write([]);
    await writer.commit();
    assert.deepEqual(await list(rolled), ['_SUCCESS', '_kdm_output.json', 'part-00000-jobE1-c000.snappy.parquet']);
    // Only empty batches: the one file commit writes, with every column, no rows (spark.read finds the schema).
    const empty = join(root, 'empty-batches');
    writer = await SparkFolderWriter.open({ folder: empty, format: 'parquet', columns, jobId: 'jobE2' });
    await writer.write([]);
    await writer.write([]);
    await writer.commit();
    assert.deepEqual(await list(empty), ['_SUCCESS', '_kdm_output.json', 'part-00000-jobE2-c000.snappy.parquet']);
    const bytes = new Uint8Array(await fs.readFile(join(empty, 'part-00000-jobE2-c000.snappy.parquet')));
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const metadata = await parquetMetadataAsync({ byteLength: copy.byteLength, slice: (start, end) => copy.slice(start, end) });
    assert.deepEqual(metadata.schema.slice(1).map((e) => e.name), ['id', 'region', 'note']);
    assert.equal(Number(metadata.num_rows), 0);
    // With partitions, no rows means no partition folder on either path (Spark writes only _SUCCESS).
    for (const path of ['rows', 'columns'] as const) {
      const folder = join(root, `empty-partitioned-${path}`);
      writer = await SparkFolderWriter.open({ folder, format: 'parquet', columns, partitionBy: ['region'], maxRowsPerFile: 2, jobId: `jobE3${path}` });
      const none = () => (path === 'rows' ? writer.write([]) : writer.writeColumns(columns.map((c) => createColumnBuffer(c)), 0));
      await none();
      await writer.commit();
      assert.deepEqual(await list(folder), ['_SUCCESS', '_kdm_output.json'], path);
      // A partition's full file, then an empty batch: still one file.
      const full = join(root, `full-partitioned-${path}`);
      writer = await SparkFolderWriter.open({ folder: full, format: 'parquet', columns, partitionBy: ['region'], maxRowsPerFile: 2, jobId: `jobE4${path}` });
      await writer.write([[1n, 'eu', 'a'], [2n, 'eu', 'b']]);
      await none();
      await writer.commit();
      assert.deepEqual(await list(full), ['_SUCCESS', '_kdm_output.json', `region=eu/part-00000-jobE4${path}-c000.snappy.parquet`], path);
    }
  });
});

describe('single file output', () => {
  test('is written under a hidden name and renamed at commit', async () => {
    const dir = join(root, 'single');
    const path = join(dir, 'result.csv');
    const output = await openFileOutput({ layout: 'singleFile', folder: path, format: 'csv', columns, jobId: 'job6' });
    await output.write([[1n, 'a', 'b']]);
    assert.deepEqual(await fs.readdir(dir), ['.result.csv.kdm-tmp-job6']);
    const summary = await output.commit();
    assert.deepEqual(await fs.readdir(dir), ['result.csv']);
    assert.equal(await fs.readFile(path, 'utf8'), 'id,region,note\n1,a,b\n');
    assert.deepEqual(summary, { rows: 1, bytes: 21, files: [path] });
  });

  test('abort leaves no file; an existing file is refused, or replaced when asked', async () => {
    const dir = join(root, 'single2');
    const path = join(dir, 'result.json');
    const aborted = await openSingleFileOutput({ path, format: 'json', columns, jobId: 'job7' });
    await aborted.write([[1n, 'a', 'b']]);
    await aborted.abort();
    assert.deepEqual(await fs.readdir(dir), []);
    await fs.writeFile(path, 'old');
    await assert.rejects(openSingleFileOutput({ path, format: 'json', columns }), OutputExistsError);
    const replacing = await openSingleFileOutput({ path, format: 'json', columns, ifExists: 'replace' });
    await replacing.write([[2n, 'c', 'd']]);
    await replacing.commit();
    assert.equal(await fs.readFile(path, 'utf8'), '{"id":2,"region":"c","note":"d"}\n');
  });

  test('a file that appears at the final name while writing is not overwritten', async () => {
    const dir = join(root, 'single3');
    const path = join(dir, 'result.csv');
    const output = await openSingleFileOutput({ path, format: 'csv', columns });
    await output.write([[1n, 'a', 'b']]);
    await fs.writeFile(path, 'someone else');
    await assert.rejects(output.commit(), OutputExistsError);
    assert.deepEqual(await fs.readdir(dir), ['result.csv']);
    assert.equal(await fs.readFile(path, 'utf8'), 'someone else');
  });
});
