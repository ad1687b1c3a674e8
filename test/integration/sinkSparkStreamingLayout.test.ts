// A real Structured Streaming output, written by pyspark (rate source → partitioned JSON sink, more
// than 10 micro-batches so that Spark compacts its commit log into 9.compact), plus a stray part
// file no batch committed. Spark itself is the judge: the rows in the files we list must be exactly
// the rows Spark reads from the folder (Spark honours _spark_metadata when reading a sink's output).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSourceFiles } from '../../src/spark/sparkFolderReader';
import { sparkPython } from '../helpers/toolsCache';

const python = sparkPython();
let dir: string;
let sparkView: { count: number; sum: number; batches: number };

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-sink-spark-'));
  const out = execFileSync(python, ['-c', `
import sys, time, json
from pyspark.sql import SparkSession
out, ckpt = sys.argv[1], sys.argv[2]
spark = (SparkSession.builder.master('local[2]').config('spark.ui.enabled', 'false')
         .config('spark.sql.shuffle.partitions', '2').config('spark.driver.bindAddress', '127.0.0.1').getOrCreate())
spark.sparkContext.setLogLevel('ERROR')
df = spark.readStream.format('rate').option('rowsPerSecond', 50).load().selectExpr('value as n', 'cast(value % 3 as string) as k')
q = (df.writeStream.format('json').option('path', out).option('checkpointLocation', ckpt).partitionBy('k')
     .trigger(processingTime='200 milliseconds').start())
deadline = time.time() + 90
while time.time() < deadline:
    p = q.lastProgress
    if p is not None and p['batchId'] >= 12:
        break
    time.sleep(0.2)
q.stop()
batches = q.lastProgress['batchId'] + 1
rows = spark.read.json(out).selectExpr('count(*) as c', 'sum(n) as s').collect()[0]
print(json.dumps({'count': rows['c'], 'sum': int(rows['s'] or 0), 'batches': batches}))
spark.stop()
`, join(dir, 'out'), join(dir, 'ckpt')], { env: { ...process.env, SPARK_LOCAL_IP: '127.0.0.1' }, encoding: 'utf8', timeout: 150_000, stdio: ['ignore', 'pipe', 'inherit'] });
  sparkView = JSON.parse(out.trim().split('\n').pop() as string) as typeof sparkView;
  // A task that wrote its file but whose batch never committed: Spark's readers ignore it, so must we.
  mkdirSync(join(dir, 'out', 'k=1'), { recursive: true });
  writeFileSync(join(dir, 'out', 'k=1', 'part-99999-stray-uncommitted.c000.json'), '{"n":1000000000}\n');
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('the files listed from a compacted Spark commit log hold exactly the rows Spark reads; the stray file is skipped', async () => {
  assert.ok(sparkView.batches >= 12, `Spark ran ${sparkView.batches} batches`);
  assert.equal(existsSync(join(dir, 'out', '_spark_metadata', '9.compact')), true, 'Spark compacted its log at batch 9');
  const listing = await listSourceFiles({ kind: 'files', location: { kind: 'local', path: join(dir, 'out') } });
  assert.equal(listing.layout, 'sparkStreaming');
  assert.deepEqual(listing.partitionColumns, ['k']);
  assert.equal(listing.files.some((f) => f.relativePath.includes('stray')), false);
  assert.match(listing.warnings.join('\n'), /not committed by the streaming query were skipped \(e\.g\. k=1\/part-99999-stray-uncommitted\.c000\.json\)/);
  let count = 0;
  let sum = 0;
  for (const file of listing.files) {
    for (const line of readFileSync(file.path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      count++;
      sum += (JSON.parse(line) as { n: number }).n;
    }
  }
  assert.deepEqual({ count, sum }, { count: sparkView.count, sum: sparkView.sum });
  assert.ok(count > 0);
  const batchIds = new Set(listing.files.map((f) => f.batchId));
  assert.ok(batchIds.has(9), 'entries from 9.compact carry batch 9');
  assert.ok(readdirSync(join(dir, 'out', '_spark_metadata')).includes('10') || batchIds.size > 1);
});
