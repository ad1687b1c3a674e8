// Our engine for Kusto → files, as built (dist/engineHost.js): the runner streams the (recorded)
// response into a Spark folder. A 4th argument N sets options.parseWorkers (Parquet parsed and
// encoded on N worker threads). KDM_BENCH_MAX_ROWS_PER_FILE and KDM_BENCH_PARTITION_BY (a column
// name) set the destination's maxRowsPerFile and partitionBy.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtEngine } from './builtEngine';
import { report } from './result';

async function main(): Promise<void> {
  const [url, outDir, format, threads] = process.argv.slice(2);
  const { runJob } = builtEngine();
  const jobsDir = mkdtempSync(join(tmpdir(), 'kdm-bench-jobs-'));
  const started = performance.now();
  const result = await runJob(
    {
      version: 1,
      id: `bench-engine-${format}`,
      createdAt: new Date().toISOString(),
      source: { kind: 'kustoQuery', connection: { clusterUrl: url, database: 'Bench' }, query: 'Bench', readMode: 'stream' },
      destination: { kind: 'files', location: { kind: 'local', path: outDir }, format: format as 'parquet' | 'csv' | 'json', layout: 'sparkFolder', ifExists: 'replace',
        maxRowsPerFile: process.env.KDM_BENCH_MAX_ROWS_PER_FILE ? Number(process.env.KDM_BENCH_MAX_ROWS_PER_FILE) : undefined,
        partitionBy: process.env.KDM_BENCH_PARTITION_BY ? [process.env.KDM_BENCH_PARTITION_BY] : undefined },
      options: threads ? { parseWorkers: Number(threads) } : undefined,
    },
    { jobsDir },
  );
  const seconds = (performance.now() - started) / 1000;
  rmSync(jobsDir, { recursive: true, force: true });
  if (result.state !== 'succeeded') throw new Error(`engine job ${result.state}: ${result.error}`);
  report({ rows: result.rows, bytesOut: result.bytes, seconds });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
