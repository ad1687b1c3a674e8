// Folder of Parquet parts → Kusto, three ways, each timed until its work is final:
//   engine   our sink (queued), until every file's ingestion status is final; an optional last
//            argument sets the spec's options.uploadConcurrency (1: one file after another)
//   sdk      azure-kusto-ingest's ingestFromFile, one file after another, then every status final
//   upload   the limit: the same bytes uploaded to Azurite in parallel, nothing else
// The ingesting variants report the rows the table holds afterwards (queried, not assumed), and
// also when every file was enqueued: past that point the time is the service's (here the local
// emulator ingesting into DuckDB one file after another on the same 2 cores), not the client's.
//
// In Azure the service ingests on the cluster, not on the user's machine; here the emulator's
// DuckDB ingestion would compete with the uploader for the same 2 cores. So for `engine` the
// emulator's ingestion loop is held before the clock starts (a "gate": a queue message whose blob
// is served by this process, which holds the download) and let go (404) as soon as every file is
// enqueued. "enqueuedSeconds" is then the client's part alone; "seconds" stays "until every status
// is final", i.e. enqueued + the emulator ingesting everything afterwards, with no overlap (the
// conservative reading for the final-status ratios).
// `sdk` stays ungated: its enqueue takes ~300 s and the emulator ingests alongside; holding the
// ingestion would only make its final time longer, so ungated is the conservative choice for the
// "engine ≥ 3× SDK" ratio.
import { readdirSync, statSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { DataFormat, IngestClient, IngestionProperties, ReportLevel, ReportMethod } from 'azure-kusto-ingest';
import { fetchIngestionResources } from '../../../src/kusto/ingest/ingestionResources';
import { builtEngine } from './builtEngine';
import { type IngestionGate, holdEmulatorIngestion } from '../../helpers/ingestionGate';
import { report } from './result';

const [mode, clusterUrl, folder, table, blobConnectionString, uploadConcurrency] = process.argv.slice(2);

function parts(): string[] {
  return readdirSync(folder).filter((n) => n.endsWith('.parquet')).sort().map((n) => join(folder, n));
}

async function tableRows(): Promise<number> {
  const response = await fetch(`${clusterUrl}/v1/rest/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db: 'Bench', csl: `['${table}'] | count` }) });
  const body = (await response.json()) as { Tables: Array<{ Rows: number[][] }> };
  return Number(body.Tables[0].Rows[0][0]);
}

let enqueuedAt: number | undefined;


async function engine(gate: IngestionGate): Promise<void> {
  const total = parts().length;
  let queued = 0;
  const jobsDir = mkdtempSync(join(tmpdir(), 'kdm-bench-jobs-'));
  const result = await builtEngine().runJob(
    {
      version: 1,
      id: `bench-${table}`,
      createdAt: new Date().toISOString(),
      source: { kind: 'files', location: { kind: 'local', path: folder }, layout: 'spark' },
      destination: { kind: 'kustoTable', connection: { clusterUrl, database: 'Bench' }, table, mode: 'queued', tableCreation: 'createIfNotExists', statusPollIntervalMs: 100, statusTimeoutMs: 3_600_000 },
      ...(uploadConcurrency ? { options: { uploadConcurrency: Number(uploadConcurrency) } } : {}),
    },
    {
      jobsDir,
      // The sink reports "queued <file>" once per file, right after its enqueue message was sent.
      onProgress: (event) => {
        if (event.message?.startsWith('queued ') && ++queued === total) {
          enqueuedAt = performance.now();
          gate.open(); // the client's part is done: let the emulator ingest
        }
      },
    },
  );
  if (result.state !== 'succeeded') throw new Error(`engine job ${result.state}: ${result.error}`);
}

async function sdk(): Promise<void> {
  // The SDK does not create tables: the schema our engine infers is created here, inside the timing.
  const create = await fetch(`${clusterUrl}/v1/rest/mgmt`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ db: 'Bench', csl: `.create table ['${table}'] (id:long, name:string, payload:string, value:real, at:datetime)` }),
  });
  if (!create.ok) throw new Error(`create table: ${create.status} ${await create.text()}`);
  const client = new IngestClient(clusterUrl);
  const properties = new IngestionProperties({ database: 'Bench', table, format: DataFormat.PARQUET, reportLevel: ReportLevel.FailuresAndSuccesses, reportMethod: ReportMethod.Table });
  const pending = [];
  for (const file of parts()) pending.push(await client.ingestFromFile(file, properties));
  enqueuedAt = performance.now();
  for (const result of pending) {
    for (;;) {
      const record = (await result.getIngestionStatusCollection()) as unknown as { Status?: string; Details?: string };
      if (record.Status && record.Status !== 'Pending') {
        if (record.Status !== 'Succeeded') throw new Error(`SDK ingestion ended ${record.Status}: ${record.Details}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.close();
}

/** The container the upload wrote to: its blobs are counted after the clock stops. */
let uploadedTo: ContainerClient | undefined;

async function upload(): Promise<void> {
  const container = BlobServiceClient.fromConnectionString(blobConnectionString).getContainerClient(`bench-upload-${Date.now()}`);
  await container.create();
  const files = parts();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++];
      await container.getBlockBlobClient(file.slice(folder.length + 1)).uploadFile(file, { blockSize: 8 << 20, concurrency: 2 });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  enqueuedAt = performance.now();
  uploadedTo = container;
}

async function bytesInStorage(container: ContainerClient, prefix?: string): Promise<number> {
  let bytes = 0;
  for await (const blob of container.listBlobsFlat({ prefix })) bytes += blob.properties.contentLength ?? 0;
  return bytes;
}

/** What the engine uploaded for this table, counted in the cluster's ingestion storage (its blobs are named <database>__<table>__...). */
async function bytesUploadedByEngine(): Promise<number> {
  const resources = await fetchIngestionResources({ clusterUrl, database: 'Bench' });
  let bytes = 0;
  for (const url of new Set(resources.tempContainers)) bytes += await bytesInStorage(new ContainerClient(url), `Bench__${table}__`);
  return bytes;
}

async function main(): Promise<void> {
  const bytes = parts().reduce((sum, f) => sum + statSync(f).size, 0);
  // Held before the clock starts, so setting up the gate is not timed.
  const gate = mode === 'engine' ? await holdEmulatorIngestion(clusterUrl, 'Bench') : undefined;
  const started = performance.now();
  if (gate) await engine(gate).finally(() => gate.close());
  else if (mode === 'sdk') await sdk();
  else if (mode === 'upload') await upload();
  else throw new Error(`unknown mode ${mode}`);
  const seconds = (performance.now() - started) / 1000;
  const rows = mode === 'upload' ? 0 : await tableRows();
  if (enqueuedAt === undefined) throw new Error('the variant never saw every file enqueued');
  // The upload's and the engine's bytes are those the storage holds afterwards; the SDK's are the
  // folder's (for MB/s). The ingesting variants are judged by the rows in the table.
  const bytesOut = uploadedTo ? await bytesInStorage(uploadedTo) : mode === 'engine' ? await bytesUploadedByEngine() : bytes;
  report({ rows, bytesOut, seconds, enqueuedSeconds: (enqueuedAt - started) / 1000, note: mode === 'upload' ? 'bytes only; no rows ingested' : undefined });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
