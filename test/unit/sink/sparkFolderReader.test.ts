import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { identityOf, listSourceFiles } from '../../../src/spark/sparkFolderReader';
import { inferPartitionType, parsePartitionFolder, unescapePathName } from '../../../src/spark/hivePartitionPathParser';
import { readSinkLog } from '../../../src/spark/sparkMetadataLog';
import { globToRegExp } from '../../../src/spark/sparkFolderReaderGlob';

let dir: string;
function put(path: string, content: string | Buffer): void {
  const full = join(dir, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, content);
}
function logLine(path: string, size: number, action = 'add'): string {
  return JSON.stringify({ path, size, isDir: false, modificationTime: 1700000000000, blockReplication: 1, blockSize: 33554432, action });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-sink-list-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Hive partition folders', () => {
  test('decodes %XX escapes as Spark unescapePathName does, leaving a bad escape as it is', () => {
    assert.equal(unescapePathName('a%3Db%2Fc'), 'a=b/c');
    assert.equal(unescapePathName('100%'), '100%');
    assert.equal(unescapePathName('%zz1'), '%zz1');
    assert.equal(unescapePathName('x%2'), 'x%2');
    assert.equal(unescapePathName('%41'), 'A');
  });
  test('maps __HIVE_DEFAULT_PARTITION__ to null and rejects names without "="', () => {
    assert.deepEqual(parsePartitionFolder('country=__HIVE_DEFAULT_PARTITION__'), { column: 'country', value: null });
    assert.deepEqual(parsePartitionFolder('k%3Dx=v%25'), { column: 'k=x', value: 'v%' });
    assert.equal(parsePartitionFolder('plainfolder'), undefined);
  });
  test('types partition columns as Spark does: ints → long, whole numbers past long → decimal, fractions → real, dates → datetime, anything else → string', () => {
    assert.equal(inferPartitionType(['1', '-20', null]), 'long');
    assert.equal(inferPartitionType(['2024-01-31', '2024-02-01 10:00:00']), 'datetime');
    assert.equal(inferPartitionType(['1', 'x']), 'string');
    // Issue 23 item 4: Spark reads a whole number past long as a decimal (it used to land as string here).
    assert.equal(inferPartitionType(['99999999999999999999']), 'decimal');
    assert.equal(inferPartitionType(['-1.0', '2.5', '1.0E-4']), 'real');
    assert.equal(inferPartitionType(['1', '2.5']), 'real');
    assert.equal(inferPartitionType(['1.0E7', '2']), 'decimal');
    assert.equal(inferPartitionType(['1.0E7', '2.5']), 'string');
    assert.equal(inferPartitionType(['2024-01-31', '1']), 'string');
    assert.equal(inferPartitionType([null]), 'string');
  });
});

describe('globs', () => {
  test('match "**", "*", "?" and "{a,b}" on relative paths', () => {
    assert.equal(globToRegExp('**/*.parquet').test('a=1/part-0.parquet'), true);
    assert.equal(globToRegExp('**/*.parquet').test('part-0.parquet'), true);
    assert.equal(globToRegExp('*.parquet').test('a=1/part-0.parquet'), false);
    assert.equal(globToRegExp('part-?.{csv,tsv}').test('part-7.tsv'), true);
    assert.equal(globToRegExp('part-?.{csv,tsv}').test('part-7.json'), false);
  });
});

describe('listing a Spark batch output folder', () => {
  test('skips _SUCCESS, .crc and hidden files and reads partition values from the folders', async () => {
    const root = 'batch';
    put(`${root}/_SUCCESS`, '');
    put(`${root}/year=2024/city=S%C3o Paulo%2FSP/part-00000-a.c000.csv`, 'id,name\n1,a\n');
    put(`${root}/year=2024/city=S%C3o Paulo%2FSP/.part-00000-a.c000.csv.crc`, 'crc');
    put(`${root}/year=__HIVE_DEFAULT_PARTITION__/city=Oslo/part-00001-b.c000.csv`, 'id,name\n2,b\n');
    put(`${root}/_temporary/0/part-9.csv`, 'id,name\n9,z\n');
    put(`${root}/.hidden.csv`, 'id,name\n8,y\n');
    const listing = await listSourceFiles({ kind: 'files', location: { kind: 'local', path: join(dir, root) } });
    assert.equal(listing.layout, 'spark');
    assert.deepEqual(listing.warnings, []);
    assert.deepEqual(listing.partitionColumns, ['year', 'city']);
    assert.deepEqual(
      listing.files.map((f) => [f.relativePath, f.format, f.compression, f.size, f.partitionValues]),
      [
        ['year=2024/city=S%C3o Paulo%2FSP/part-00000-a.c000.csv', 'csv', 'none', 12, { year: '2024', city: 'S\u00c3o Paulo/SP' }],
        ['year=__HIVE_DEFAULT_PARTITION__/city=Oslo/part-00001-b.c000.csv', 'csv', 'none', 12, { year: null, city: 'Oslo' }],
      ],
    );
    // Listing reads no local file whole: the hash is computed when asked for.
    assert.equal(listing.files[0].contentHash, undefined);
    // sha256 of "id,name\n1,a\n", computed with sha256sum
    assert.equal(await listing.contentHash(listing.files[0]), 'b7773700b1468b27c88d7122034e23bc5af7703c70bc13fd545d8e08534dcf41');
  });

  test('identity depends on content and place: equal bytes in two partitions get two identities, a rerun the same one', async () => {
    put('twins/p=1/part-0.csv', 'a\n1\n');
    put('twins/p=2/part-0.csv', 'a\n1\n');
    put('twins/_SUCCESS', '');
    const first = await listSourceFiles({ kind: 'files', location: { kind: 'local', path: join(dir, 'twins') } });
    const second = await listSourceFiles({ kind: 'files', location: { kind: 'local', path: join(dir, 'twins') } });
    const identities = async (listing: typeof first): Promise<string[]> => Promise.all(listing.files.map(async (f) => identityOf(f, await listing.contentHash(f))));
    assert.equal(await first.contentHash(first.files[0]), await first.contentHash(first.files[1]));
    const [one, two] = await identities(first);
    assert.match(one, /^[0-9a-f]{32}$/);
    assert.notEqual(one, two);
    assert.deepEqual(await identities(first), await identities(second));
  });

  test('warns when _SUCCESS is missing (the writer may not have finished)', async () => {
    put('unfinished/part-00000-x.json', '{"a":1}\n');
    const listing = await listSourceFiles({ kind: 'files', location: { kind: 'local', path: join(dir, 'unfinished') } });
    assert.equal(listing.layout, 'spark');
    assert.equal(listing.files.length, 1);
    assert.equal(listing.files[0].format, 'json');
    assert.match(listing.warnings[0], /no _SUCCESS file/);
  });

  test('detects gzip by magic bytes and multi-line JSON by content, whatever the names say', async () => {
    put('plain/data.bin', gzipSync(Buffer.from('x\ty\n1\t2\n')));
    put('plain/rows.json', '{\n  "a": 1\n}\n{\n  "a": 2\n}\n');
    put('plain/arr.txt', '[{"a":1},{"a":2}]');
    put('plain/lines.txt', '{"a":1}\n{"a":2}\n');
    const listing = await listSourceFiles({ kind: 'files', location: { kind: 'local', path: join(dir, 'plain') } });
    assert.equal(listing.layout, 'plain');
    assert.deepEqual(listing.warnings.filter((w) => !/mixes formats/.test(w)), []);
    assert.deepEqual(
      listing.files.map((f) => [f.relativePath, f.format, f.compression]),
      [
        ['arr.txt', 'multijson', 'none'],
        ['data.bin', 'csv', 'gzip'],
        ['lines.txt', 'json', 'none'],
        ['rows.json', 'multijson', 'none'],
      ],
    );
  });

  test('a glob in the path selects files below the folder before it', async () => {
    put('globbed/a/one.csv', 'a\n1\n');
    put('globbed/b/two.csv', 'a\n2\n');
    put('globbed/b/two.json', '{"a":2}\n');
    const listing = await listSourceFiles({ kind: 'files', location: { kind: 'local', path: join(dir, 'globbed', '*', '*.csv') } });
    assert.deepEqual(listing.files.map((f) => f.relativePath), ['a/one.csv', 'b/two.csv']);
    const single = await listSourceFiles({ kind: 'files', location: { kind: 'local', path: join(dir, 'globbed', 'b', 'two.json') } });
    assert.equal(single.layout, 'single');
    assert.deepEqual(single.files.map((f) => [f.relativePath, f.format]), [['two.json', 'json']]);
  });
});

describe('listing a Structured Streaming output folder', () => {
  test('ingests only files in the commit log: latest compact file plus later batches, deletions applied', async () => {
    const root = join(dir, 'stream');
    const part = (n: number): string => `part-${String(n).padStart(5, '0')}-u${n}.c000.json`;
    for (let n = 0; n <= 12; n++) put(`stream/${part(n)}`, `{"n":${n}}\n`);
    put('stream/part-00099-stray.c000.json', '{"n":99}\n');
    put('stream/.part-00000-u0.c000.json.crc', 'crc');
    // Batches 0..8 were compacted into 9.compact (file 3 deleted on the way); batch files 0..8 are gone but 5 remains stale.
    const compacted = [0, 1, 2, 4, 5, 6, 7, 8, 9].map((n) => logLine(`file://${root}/${part(n)}`, 9)).join('\n');
    put('stream/_spark_metadata/9.compact', `v1\n${compacted}\n`);
    put('stream/_spark_metadata/5', `v1\n${logLine(`file://${root}/${part(3)}`, 9)}\n`);
    put('stream/_spark_metadata/10', `v1\n${logLine(`file:${root}/${part(10)}`, 9)}\n`);
    // Batch 11 lists a file Spark later removed; batch 12 deletes it and adds file 12.
    put('stream/_spark_metadata/11', `v1\n${logLine(`file://${root}/${part(11)}`, 10)}\n`);
    put('stream/_spark_metadata/12', `v1\n${logLine(`file://${root}/${part(11)}`, 10, 'delete')}\n${logLine(`file://${root}/${part(12)}`, 10)}\n`);
    put('stream/_spark_metadata/.13.abc.tmp', 'v1\n');
    const log = await readSinkLog(root);
    assert.equal(log.latestBatchId, 12);
    assert.deepEqual(log.batchesRead, [9, 10, 11, 12]);
    const listing = await listSourceFiles({ kind: 'files', location: { kind: 'local', path: root } });
    assert.equal(listing.layout, 'sparkStreaming');
    assert.equal(listing.latestBatchId, 12);
    assert.deepEqual(
      listing.files.map((f) => [f.relativePath, f.batchId]),
      [
        [part(0), 9], [part(1), 9], [part(2), 9], [part(4), 9], [part(5), 9], [part(6), 9], [part(7), 9], [part(8), 9], [part(9), 9],
        [part(10), 10],
        [part(12), 12],
      ],
    );
    assert.match(listing.warnings.join('\n'), /3 file\(s\) not committed by the streaming query were skipped/);
  });

  test('finds committed files by their partition folders after the output folder moved', async () => {
    put('moved/k=a/part-0.json', '{"v":1}\n');
    put('moved/_spark_metadata/0', `v1\n${logLine('file:///elsewhere/old/k=a/part-0.json', 8)}\n`);
    const listing = await listSourceFiles({ kind: 'files', location: { kind: 'local', path: join(dir, 'moved') } });
    assert.deepEqual(listing.files.map((f) => [f.relativePath, f.partitionValues, f.batchId]), [['k=a/part-0.json', { k: 'a' }, 0]]);
  });

  test('refuses a log with a missing batch instead of skipping its rows', async () => {
    put('holes/part-0.json', '{"v":1}\n');
    put('holes/_spark_metadata/0', `v1\n${logLine('file:///x/part-0.json', 8)}\n`);
    put('holes/_spark_metadata/2', `v1\n${logLine('file:///x/part-0.json', 8)}\n`);
    await assert.rejects(listSourceFiles({ kind: 'files', location: { kind: 'local', path: join(dir, 'holes') } }), /lacks batch 1/);
  });
});
