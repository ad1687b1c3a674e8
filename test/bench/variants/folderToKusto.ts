// Folder of Parquet parts → Kusto, three ways, each timed until its work is final:
//   engine   our sink (queued), until every file's ingestion status is final
//   sdk      azure-kusto-ingest's ingestFromFile, one file after another, then every status final
//   upload   the limit: the same bytes uploaded to Azurite in parallel, nothing else
// The ingesting variants report the rows the table holds afterwards (queried, not assumed).
import { readdirSync, statSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { DataFormat, IngestClient, IngestionProperties, ReportLevel, ReportMethod } from 'azure-kusto-ingest';
import { runJob } from '../../../src/engine/runner';
import { report } from './result';

const [mode, clusterUrl, folder, table, blobConnectionString] = process.argv.slice(2);

function parts(): string[] {
  return readdirSync(folder).filter((n) => n.endsWith('.parquet')).sort().map((n) => join(folder, n));
}

async function tableRows(): Promise<number> {
  const response = await fetch(`${clusterUrl}/v1/rest/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db: 'Bench', csl: `['${table}'] | count` }) });
  const body = (await response.json()) as { Tables: Array<{ Rows: number[][] }> };
  return Number(body.Tables[0].Rows[0][0]);
}

async function engine(): Promise<void> {
  const jobsDir = mkdtempSync(join(tmpdir(), 'kdm-bench-jobs-'));
  const result = await runJob(
    {
      version: 1,
      id: `bench-${table}`,
      createdAt: new Date().toISOString(),
      source: { kind: 'files', location: { kind: 'local', path: folder }, layout: 'spark' },
      destination: { kind: 'kustoTable', connection: { clusterUrl, database: 'Bench' }, table, mode: 'queued', tableCreation: 'createIfNotExists', statusPollIntervalMs: 100, statusTimeoutMs: 3_600_000 },
    },
    { jobsDir },
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
}

async function main(): Promise<void> {
  const bytes = parts().reduce((sum, f) => sum + statSync(f).size, 0);
  const started = performance.now();
  if (mode === 'engine') await engine();
  else if (mode === 'sdk') await sdk();
  else if (mode === 'upload') await upload();
  else throw new Error(`unknown mode ${mode}`);
  const seconds = (performance.now() - started) / 1000;
  const rows = mode === 'upload' ? 0 : await tableRows();
  report({ rows, bytesOut: bytes, seconds, note: mode === 'upload' ? 'bytes only; no rows ingested' : undefined });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
