// The extension host's side while a Kusto → Parquet job runs: its event-loop delay
// (perf_hooks.monitorEventLoopDelay) with the job in-process (today's way before the job host)
// against the job in a job process (dist/jobProcess.js over the channel). Prints the job's time
// and the loop delay's p99 and max in the note.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { JobProcess } from '../../../src/jobHost/jobProcessClient';
import { builtEngine, repoRoot } from './builtEngine';
import { report } from './result';

async function main(): Promise<void> {
  const [mode, url, outDir] = process.argv.slice(2);
  const jobsDir = mkdtempSync(join(tmpdir(), 'kdm-bench-loop-'));
  const spec = {
    version: 1,
    id: `bench-loop-${mode}`,
    createdAt: new Date().toISOString(),
    source: { kind: 'kustoQuery', connection: { clusterUrl: url, database: 'Bench' }, query: 'Bench', readMode: 'stream' },
    destination: { kind: 'files', location: { kind: 'local', path: outDir }, format: 'parquet', layout: 'sparkFolder', ifExists: 'replace' },
  };
  // Progress is consumed as a window would (one event each ~250 ms), in both modes.
  let events = 0;
  const onProgress = (): void => {
    events++;
  };
  const engine = mode === 'inProcess' ? builtEngine() : undefined;
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const started = performance.now();
  const result =
    mode === 'inProcess'
      ? await engine?.runJob(spec, { jobsDir, onProgress })
      : (await new JobProcess({ entry: resolve(repoRoot(), 'dist', 'jobProcess.js'), jobsDir, request: { kind: 'run', spec }, authId: undefined, credentials: { resolve: () => undefined }, onProgress }).result).result;
  const seconds = (performance.now() - started) / 1000;
  histogram.disable();
  rmSync(jobsDir, { recursive: true, force: true });
  if (!result || result.state !== 'succeeded') throw new Error(`job ${result?.state}: ${result?.error}`);
  const ms = (ns: number): string => (ns / 1e6).toFixed(1);
  report({ rows: result.rows, bytesOut: result.bytes, seconds, note: `loop delay p50 ${ms(histogram.percentile(50))} ms, p99 ${ms(histogram.percentile(99))} ms, max ${ms(histogram.max)} ms (${events} progress events)` });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
