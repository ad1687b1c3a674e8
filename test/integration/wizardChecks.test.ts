// The wizard's host-side checks against the Kusto emulator and real folders: what can be found
// wrong before a job exists is found, in the service's or a plain sentence, and a Spark folder is
// described as the engine's reader sees it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { databaseTables, listDatabases } from '../../src/kusto/clusterSchema';
import { executeManagement } from '../../src/kusto/managementClient';
import { listSourceFiles } from '../../src/spark/sparkFolderReader';
import { type CheckContext, checkWizardForm, hostProblem } from '../../src/ui/wizardChecks';
import type { WizardForm } from '../../src/webviewProtocol/wizardProtocol';
import { type RunningEmulator, startEmulator } from '../emulator/index';

const engine = { listDatabases, databaseTables, executeManagement, listSourceFiles };

describe('the wizard checks a form before any job exists', () => {
  let emulator: RunningEmulator;
  let dir: string;
  let queryForm: WizardForm;
  const ctx = (resolveHost = false): CheckContext => ({ engine, resolveHost, cache: new Map() });

  before(async () => {
    emulator = await startEmulator({ seed: 'sample', auth: 'open' });
    dir = mkdtempSync(join(tmpdir(), 'kdm-wizard-checks-'));
    queryForm = { direction: 'kustoToFiles', clusterUrl: emulator.url, database: 'Samples', query: 'StormEvents | project State, EventType', outputPath: join(dir, 'out'), format: 'parquet', sourcePath: '', table: '' };
  });

  after(async () => {
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a good query can run, and its columns (from | take 0) are what partitions are picked from', async () => {
    const v = await checkWizardForm(queryForm, 1, ctx());
    assert.deepEqual(v.errors, {});
    assert.equal(v.canRun, true);
    assert.deepEqual(v.columns, ['State', 'EventType']);
  });

  test('a misspelt table comes back as the service\'s message on the query, and Run cannot start', async () => {
    const v = await checkWizardForm({ ...queryForm, query: 'StormEvnts | take 10' }, 2, ctx());
    assert.match(v.errors.query ?? '', /StormEvnts/);
    assert.doesNotMatch(v.errors.query ?? '', /\n|at .*\.ts/);
    assert.equal(v.canRun, false);
  });

  test('a partition column the query does not have, a missing database and an existing output are each named', async () => {
    const partition = await checkWizardForm({ ...queryForm, options: { partitionBy: ['Stat'] } }, 3, ctx());
    assert.match(partition.errors.partitionBy ?? '', /no column "Stat"/);
    const database = await checkWizardForm({ ...queryForm, database: 'samples' }, 4, ctx());
    assert.match(database.errors.database ?? '', /did you mean "Samples"/);
    mkdirSync(join(dir, 'there'));
    const output = await checkWizardForm({ ...queryForm, outputPath: join(dir, 'there') }, 5, ctx());
    assert.equal(output.outputExists, true);
    assert.match(output.errors.outputPath ?? '', /exists already/);
    const replace = await checkWizardForm({ ...queryForm, outputPath: join(dir, 'there'), options: { ifExists: 'replace' } }, 6, ctx());
    assert.equal(replace.canRun, true, JSON.stringify(replace.errors));
  });

  test('an unknown host is a plain sentence, not getaddrinfo ENOTFOUND', async () => {
    const problem = await hostProblem('https://no-such-cluster.invalid');
    assert.match(problem ?? '', /No cluster answers to "no-such-cluster\.invalid"/);
    assert.doesNotMatch(problem ?? '', /ENOTFOUND|getaddrinfo/);
    const v = await checkWizardForm({ ...queryForm, clusterUrl: 'https://no-such-cluster.invalid' }, 7, ctx(true));
    assert.match(v.errors.clusterUrl ?? '', /No cluster answers/);
    assert.equal(v.canRun, false);
  });

  test('a Spark folder is recognised: part files, partition columns with their values, _SUCCESS', async () => {
    const spark = join(dir, 'spark-out');
    for (const state of ['TEXAS', 'OHIO']) {
      mkdirSync(join(spark, `State=${state}`), { recursive: true });
      writeFileSync(join(spark, `State=${state}`, 'part-00000-abc.c000.csv'), 'EventId,EventType\n1,Hail\n');
      writeFileSync(join(spark, `State=${state}`, '.part-00000-abc.c000.csv.crc'), 'crc');
    }
    const form: WizardForm = { ...queryForm, direction: 'filesToKusto', sourcePath: spark, table: 'NewEvents' };
    const before = await checkWizardForm(form, 8, ctx());
    assert.equal(before.source?.layout, 'spark');
    assert.equal(before.source?.files, 2);
    assert.deepEqual(before.source?.partitions, [{ column: 'State', values: ['OHIO', 'TEXAS'] }]);
    assert.equal(before.source?.successMarker, false);
    assert.equal(before.tableExists, false);
    assert.equal(before.canRun, true, JSON.stringify(before.errors));
    writeFileSync(join(spark, '_SUCCESS'), '');
    assert.equal((await checkWizardForm(form, 9, ctx())).source?.successMarker, true);
  });

  test('a Structured Streaming folder is shown with its committed batches; an uncommitted part file is not counted', async () => {
    const stream = join(dir, 'stream-out');
    mkdirSync(join(stream, '_spark_metadata'), { recursive: true });
    const line = (name: string, size: number) => JSON.stringify({ path: `file://${join(stream, name)}`, size, isDir: false, modificationTime: 1700000000000, blockReplication: 1, blockSize: 33554432, action: 'add' });
    for (const [batch, name] of [[0, 'part-00000-a.c000.csv'], [1, 'part-00000-b.c000.csv']] as const) {
      writeFileSync(join(stream, name), 'id\n1\n');
      writeFileSync(join(stream, '_spark_metadata', String(batch)), `v1\n${line(name, 5)}\n`);
    }
    writeFileSync(join(stream, 'part-00000-uncommitted.c000.csv'), 'id\n9\n');
    const v = await checkWizardForm({ ...queryForm, direction: 'filesToKusto', sourcePath: stream, table: 'Streamed' }, 12, ctx());
    assert.equal(v.source?.layout, 'sparkStreaming');
    assert.equal(v.source?.files, 2);
    assert.equal(v.source?.batches, 2);
    assert.equal(v.source?.latestBatchId, 1);
  });

  test('a missing source folder and a missing table that must exist stop Run with what to do', async () => {
    const form: WizardForm = { ...queryForm, direction: 'filesToKusto', sourcePath: join(dir, 'nothing-here'), table: 'NoSuchTable', options: { tableCreation: 'failIfNotExists' } };
    const v = await checkWizardForm(form, 10, ctx());
    assert.match(v.errors.sourcePath ?? '', /does not exist/);
    assert.match(v.errors.table ?? '', /There is no table "NoSuchTable"/);
    assert.equal(v.canRun, false);
    const existing = await checkWizardForm({ ...form, table: 'StormEvents' }, 11, ctx());
    assert.equal(existing.tableExists, true);
    assert.equal(existing.errors.table, undefined);
  });
});
