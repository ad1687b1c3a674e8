// Child process for the exactly-once tests: runs one files → Kusto job and kills itself (SIGKILL,
// no cleanup, like a crash) at the checkpoint named in argv — e.g. "fileFinal:1" (after the first
// file's outcome was recorded) or "afterMove". Without a checkpoint it runs to the end and prints
// {result: SinkResult, maxRssKb} as JSON. Optional argv[4]: concurrency (default 1).
import { readFileSync } from 'node:fs';
import type { JobContext } from '../../src/engine/jobContext';
import type { JobSpec } from '../../src/engine/jobSpec';
import { runFilesToKusto } from '../../src/engine/sink/runFilesToKusto';

const [specFile, jobDir, killAt = '', concurrency = '1'] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specFile, 'utf8')) as JobSpec;
const [point, countText] = killAt.split(':');
let seen = 0;
const quiet = (): void => undefined;
const ctx: JobContext = {
  jobId: spec.id,
  signal: new AbortController().signal,
  log: { info: quiet, warn: quiet, error: (m) => process.stderr.write(`${m}\n`), debug: quiet },
  progress: quiet,
  credentials: { resolve: () => undefined },
  jobDir,
};
runFilesToKusto(spec, ctx, {
  concurrency: Number(concurrency),
  checkpoint: (name) => {
    if (name !== point) return;
    seen++;
    if (seen >= Number(countText ?? '1')) process.kill(process.pid, 'SIGKILL');
  },
}).then(
  (result) => process.stdout.write(JSON.stringify({ result, maxRssKb: process.resourceUsage().maxRSS })),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  },
);
