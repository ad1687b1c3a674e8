// "The SDK way" for Kusto → files: azure-kusto-data's client.execute (which buffers and parses the
// whole response), then the same file writer our engine uses (from the built engine bundle, with
// its compression worker, exactly as the engine variant runs it). Rows are taken from `row.raw`, the
// cheapest path the SDK offers, so the comparison favours the SDK.
import { Client, KustoConnectionStringBuilder } from 'azure-kusto-data';
import type { ColumnSchema, KustoType, Row } from '../../../src/engine/rows';
import type { FileFormat } from '../../../src/formats/recordFileWriter';
import { builtEngine } from './builtEngine';
import { report } from './result';

function toEngineValue(type: KustoType, value: unknown): Row[number] {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'long':
      // Already a double from JSON.parse inside the SDK (rounded beyond 2^53); the row model takes
      // exact ones as they are, as the engine's reader gives them, so no bigint is made per value.
      return Number.isSafeInteger(value) ? (value as number) : BigInt(value as number);
    case 'dynamic':
      return JSON.stringify(value);
    default:
      return value as Row[number];
  }
}

async function main(): Promise<void> {
  const [url, outDir, format] = process.argv.slice(2);
  const started = performance.now();
  const client = new Client(KustoConnectionStringBuilder.withAccessToken(url, 'bench'));
  const response = await client.execute('Bench', 'Bench');
  const table = response.primaryResults[0];
  const columns: ColumnSchema[] = table.columns.map((c) => ({ name: c.name ?? '', type: (c.type ?? 'string') as KustoType }));
  const output = await builtEngine().openFileOutput({ layout: 'sparkFolder', folder: outDir, format: format as FileFormat, columns, ifExists: 'replace', jobId: 'sdk' });
  let batch: Row[] = [];
  let rows = 0;
  for (const row of table.rows()) {
    batch.push(columns.map((c, i) => toEngineValue(c.type, row.raw[i])));
    if (batch.length === 10_000) {
      await output.write(batch);
      rows += batch.length;
      batch = [];
    }
  }
  if (batch.length) await output.write(batch);
  rows += batch.length;
  const summary = await output.commit();
  client.close();
  report({ rows, bytesOut: summary.bytes, seconds: (performance.now() - started) / 1000 });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
