// The export path's own logic (journal, _SUCCESS, parallel download with temp names, resume) with a
// scripted Kusto management endpoint that plays .export against a real Azurite: the files Kusto
// "exports" are uploaded by the script, so the test knows their exact bytes.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ServerResponse } from 'node:http';
import type { ContainerClient } from '@azure/storage-blob';
import type { JobSpec } from '../../src/engine/jobSpec';
import { resumeJob, runJob } from '../../src/engine/runner';
import { type Azurite, createStagingContainer, startAzurite } from '../helpers/azurite';
import { type FakeKustoServer, type ReceivedRequest, startFakeKusto } from '../unit/kusto/fakeKustoServer';

let azurite: Azurite;
let kusto: FakeKustoServer;
let work: string;
let sas: string;
let container: ContainerClient;
const OPERATION = '0f7c8a8e-1111-4222-8333-444455556666';
const exported: Array<{ name: string; content: string; rows: number }> = [];

function v1(columns: string[], rows: unknown[][]): string {
  return JSON.stringify({ Tables: [{ TableName: 'Table_0', Columns: columns.map((c) => ({ ColumnName: c, ColumnType: 'string' })), Rows: rows }] });
}

/** Plays Kusto: .export uploads three known files into the folder named by the command; the operation completes on the 2nd poll. */
function managementEndpoint(options: { losePart3?: boolean } = {}): (req: ReceivedRequest, res: ServerResponse) => void {
  let polls = 0;
  return (req, res) => {
    const csl = req.body.csl ?? '';
    res.writeHead(200, { 'Content-Type': 'application/json' });
    if (csl.startsWith('.export')) {
      const url = /h@"([^"]+)"/.exec(csl)?.[1] as string;
      const prefix = /namePrefix="([^"]+)"/.exec(csl)?.[1] as string;
      const folder = new URL(url).pathname.split('/').slice(3).join('/');
      polls = 0;
      exported.length = 0;
      const uploads = [1, 2, 3].map(async (n) => {
        const name = `${folder}/${prefix}_${n}.snappy.parquet`;
        const content = `parquet bytes of part ${n}`;
        exported.push({ name, content, rows: n * 100 });
        await container.getBlockBlobClient(name).upload(content, content.length);
      });
      void Promise.all(uploads).then(() => res.end(v1(['OperationId'], [[OPERATION]])));
      return;
    }
    if (csl.startsWith('.show operations')) {
      polls++;
      res.end(v1(['OperationId', 'State', 'Status'], [[OPERATION, polls >= 2 ? 'Completed' : 'InProgress', '']]));
      return;
    }
    if (csl.startsWith('.show operation ')) {
      // Part 3 vanishes after the export (a 404 at download): the job fails after parts 1 and 2 are in place.
      const lost = options.losePart3 ? container.deleteBlob(exported.find((f) => f.name.endsWith('_3.snappy.parquet'))?.name as string) : Promise.resolve();
      const sorted = [...exported].sort((a, b) => a.name.localeCompare(b.name));
      void lost.then(() => res.end(v1(['Path', 'NumRecords', 'SizeInBytes'], sorted.map((f) => [`${azurite.blobUrl}/staging/${f.name}`, f.rows, f.content.length]))));
      return;
    }
    res.end(v1(['x'], []));
  };
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'kdm-export-resume-'));
  azurite = await startAzurite();
  kusto = await startFakeKusto();
  ({ container, sas } = await createStagingContainer(azurite.blobUrl));
});
after(async () => {
  await kusto?.stop();
  await azurite?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function spec(id: string, out: string): JobSpec {
  return {
    version: 1,
    id,
    createdAt: new Date().toISOString(),
    source: { kind: 'kustoQuery', connection: { clusterUrl: kusto.url, database: 'Tests' }, query: 'Numbers | where i > 0', readMode: 'export', staging: { kind: 'blob', url: `${azurite.blobUrl}/staging/exp`, secretRef: 'staging', authKind: 'sas' }, keepExportedFiles: true },
    destination: { kind: 'files', location: { kind: 'local', path: out }, format: 'parquet', layout: 'sparkFolder' },
    options: { exportPollMaxIntervalMs: 50, downloadConcurrency: 2, retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 } },
  };
}

const secrets = { resolve: async (ref: string) => (ref === 'staging' ? sas : undefined) };

describe('export path: journal, _SUCCESS, download and resume (scripted Kusto, real Azurite)', () => {
  test('exports into <staging>/<db>/<jobId>, writes _SUCCESS there, and downloads a Spark folder', async () => {
    kusto.script([managementEndpoint()]);
    const out = join(work, 'out-1');
    const result = await runJob(spec('exp-1', out), { jobsDir: join(work, 'jobs'), secrets });
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(result.rows, 600);
    const exportCsl = kusto.requests.find((r) => r.body.csl?.startsWith('.export'))?.body.csl ?? '';
    assert.match(exportCsl, /^\.export async compressed to parquet \(h@"http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/staging\/exp\?[^"]*sig=[^"]+"\) with \(namePrefix="Tests\/exp-1\/part-[0-9a-f]{8}", compressionType="snappy", parquetDatetimePrecision="microsecond"\) <\| Numbers \| where i > 0$/);
    const blobs: string[] = [];
    for await (const b of container.listBlobsFlat({ prefix: 'exp/Tests/exp-1/' })) blobs.push(b.name);
    // The name prefix is unique to the attempt that started the export.
    const part = /namePrefix="Tests\/exp-1\/(part-[0-9a-f]{8})"/.exec(exportCsl)?.[1] as string;
    assert.deepEqual(blobs.sort(), ['exp/Tests/exp-1/_SUCCESS', `exp/Tests/exp-1/${part}_1.snappy.parquet`, `exp/Tests/exp-1/${part}_2.snappy.parquet`, `exp/Tests/exp-1/${part}_3.snappy.parquet`]);
    assert.deepEqual((await readdir(out)).sort(), ['_SUCCESS', '_kdm_output.json', 'part-00000-exp-1-c000.snappy.parquet', 'part-00001-exp-1-c000.snappy.parquet', 'part-00002-exp-1-c000.snappy.parquet']);
    assert.equal(await readFile(join(out, 'part-00002-exp-1-c000.snappy.parquet'), 'utf8'), 'parquet bytes of part 3');
    const log = await readFile(join(work, 'jobs', 'exp-1', 'job.log'), 'utf8');
    assert.ok(!log.includes(new URLSearchParams(sas).get('sig') as string), 'the SAS signature leaked into the log');
    assert.match(log, /sig=\*\*\*|\?\*\*\*/);
  });

  test('a job whose download failed resumes without exporting again and downloads only the missing files', async () => {
    kusto.script([managementEndpoint({ losePart3: true })]);
    const out = join(work, 'out-2');
    const first = await runJob(spec('exp-2', out), { jobsDir: join(work, 'jobs'), secrets });
    assert.equal(first.state, 'failed');
    assert.deepEqual((await readdir(work)).filter((n) => n.includes('out-2')).sort(), ['.out-2.kdm-tmp-exp-2']);

    // Part 3 comes back; part 1 changes in storage: a resume must not fetch part 1 again.
    const named = (n: number): string => exported.find((f) => f.name.startsWith('exp/Tests/exp-2/') && f.name.endsWith(`_${n}.snappy.parquet`))?.name as string;
    await container.getBlockBlobClient(named(3)).upload('parquet bytes of part 3', 23);
    await container.getBlockBlobClient(named(1)).upload('CHANGED', 7);
    const exportsBefore = kusto.requests.filter((r) => r.body.csl?.startsWith('.export')).length;
    const resumed = await resumeJob('exp-2', { jobsDir: join(work, 'jobs'), secrets });
    assert.equal(resumed.state, 'succeeded', resumed.error);
    assert.equal(kusto.requests.filter((r) => r.body.csl?.startsWith('.export')).length, exportsBefore);
    assert.deepEqual(
      await Promise.all(['part-00000', 'part-00001', 'part-00002'].map((p) => readFile(join(out, `${p}-exp-2-c000.snappy.parquet`), 'utf8'))),
      ['parquet bytes of part 1', 'parquet bytes of part 2', 'parquet bytes of part 3'],
    );
    assert.deepEqual((await readdir(work)).filter((n) => n.includes('out-2')), ['out-2']);
  });
});
