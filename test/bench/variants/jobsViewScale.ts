// The Jobs view's data path with 1,000 finished jobs in the jobs folder: the journal reader and
// the tree provider's getChildren (src/ui/jobsTree.ts under a stand-in `vscode` module), timed for
// opening the view (first read), Refresh Jobs, and the redraws that progress ticks cause. Mode
// "cached" is ours (one reader: an unchanged journal costs a stat, not a read); mode "rereadAll"
// is the baseline that rereads and parses every journal on every refresh (a reader per refresh).
// Journal reads are counted by wrapping fs.promises.readFile. The folder is written first, untimed;
// in mode "cached" an earlier window's reader has read it and left its index (the usual case: the
// very first open after installing reads every journal once, as the baseline does on every refresh).
import { mkdirSync, mkdtempSync, promises as fsp, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report } from './result';

const JOBS = Number(process.env.KDM_BENCH_JOBS ?? 1000);
const TICKS = 20;

class EventEmitter<T> {
  private listeners: Array<(e: T) => void> = [];
  event = (listener: (e: T) => void) => {
    this.listeners.push(listener);
    return { dispose: () => undefined };
  };
  fire(e: T): void {
    for (const l of this.listeners) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}
class TreeItem {
  id?: string;
  description?: string;
  constructor(readonly label: string, readonly collapsibleState?: number) {}
}
class MarkdownString {
  value = '';
  constructor(value = '') {
    this.value = value;
  }
  appendMarkdown(text: string): this {
    this.value += text;
    return this;
  }
}
const vscodeStub = {
  EventEmitter,
  TreeItem,
  MarkdownString,
  ThemeIcon: class {
    constructor(readonly id: string, readonly color?: unknown) {}
  },
  ThemeColor: class {
    constructor(readonly id: string) {}
  },
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
};
type Resolver = (request: string, ...rest: unknown[]) => string;
const internals = Module as unknown as { _resolveFilename: Resolver; _cache: Record<string, unknown> };
const original = internals._resolveFilename;
internals._resolveFilename = (request, ...rest) => (request === 'vscode' ? 'vscode' : original(request, ...rest));
internals._cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscodeStub };

function writeJobs(jobsDir: string): void {
  for (let i = 0; i < JOBS; i++) {
    const id = `job-${String(i).padStart(5, '0')}`;
    const dir = join(jobsDir, id);
    mkdirSync(dir, { recursive: true });
    const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
    const spec = { version: 1, id, name: `Samples → out-${i}`, createdAt: at, source: { kind: 'kustoQuery', connection: { clusterUrl: 'https://c.kusto.windows.net', database: 'Samples' }, query: `StormEvents | where Id == ${i}` }, destination: { kind: 'files', location: { kind: 'local', path: `/data/out-${i}` }, format: 'parquet', layout: 'sparkFolder' } };
    const result = { rows: 1000 + i, bytes: 50_000 + i, files: [`/data/out-${i}`], seconds: 1.5 };
    writeFileSync(join(dir, 'journal.json'), JSON.stringify({ journalVersion: 1, spec, state: 'succeeded', phase: 'done', startedAt: at, updatedAt: at, runs: 1, readMode: 'stream', estimatedRows: 1000 + i, result }, null, 2));
    writeFileSync(join(dir, 'result.json'), JSON.stringify({ jobId: id, direction: 'kustoToFiles', state: 'succeeded', ...result, warnings: [], endedAt: at }, null, 2));
    writeFileSync(join(dir, 'job.log'), `${at} [info] job ${id} succeeded\n`);
  }
}

async function main(): Promise<void> {
  const mode = process.argv[2] === 'rereadAll' ? 'rereadAll' : 'cached';
  const storage = mkdtempSync(join(tmpdir(), 'kdm-bench-jobs-'));
  const jobsDir = join(storage, 'jobs');
  writeJobs(jobsDir);
  let reads = 0;
  const readFile = fsp.readFile.bind(fsp);
  (fsp as { readFile: typeof fsp.readFile }).readFile = ((...args: Parameters<typeof fsp.readFile>) => {
    reads++;
    return readFile(...args);
  }) as typeof fsp.readFile;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { JobsTreeProvider } = require('../../../src/ui/jobsTree') as typeof import('../../../src/ui/jobsTree');
  const { JobsFolderReader } = require('../../../src/jobHost/journalReader') as typeof import('../../../src/jobHost/journalReader');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const changed = new EventEmitter<void>();
  const indexPath = join(storage, 'jobs-view-index.json');
  // Ours as a window meets it: an earlier window read the folder and left its index.
  if (mode === 'cached') {
    const earlier = new JobsFolderReader(jobsDir, indexPath);
    await earlier.list();
    await earlier.flushIndex();
  }
  reads = 0;
  let reader = mode === 'cached' ? new JobsFolderReader(jobsDir, indexPath) : new JobsFolderReader(jobsDir);
  const runner = {
    onDidChangeJobs: changed.event,
    liveJobs: () => [],
    get reader() {
      // The baseline: a reader with nothing cached on every refresh, so every journal is read again.
      if (mode === 'rereadAll') reader = new JobsFolderReader(jobsDir);
      return reader;
    },
  };
  const context = { globalStorageUri: { fsPath: storage } };
  const t0 = performance.now();
  const provider = new JobsTreeProvider(context as never, runner as never);
  const first = await provider.getChildren();
  const t1 = performance.now();
  const openReads = reads;
  // Refresh Jobs (or a change in the folder): every journal stat'ed again, parsed only if changed.
  provider.refresh();
  const second = await provider.getChildren();
  const t2 = performance.now();
  if (first.length !== JOBS || second.length !== JOBS) throw new Error(`the view listed ${first.length}/${second.length} jobs, not ${JOBS}`);
  const readsBefore = reads;
  // Progress ticks of this window's jobs: the runner's change event, then the view asks again.
  for (let i = 0; i < TICKS; i++) {
    changed.fire();
    const ticked = await provider.getChildren();
    if (ticked.length !== JOBS) throw new Error(`a tick listed ${ticked.length} jobs`);
  }
  const t3 = performance.now();
  const readsPerTick = (reads - readsBefore) / TICKS;
  provider.dispose();
  rmSync(storage, { recursive: true, force: true });
  const openMs = t1 - t0;
  const refreshMs = t2 - t1;
  report({
    rows: first.length,
    bytesOut: 0,
    seconds: (openMs + refreshMs) / 1000,
    note: `${mode}: open ${openMs.toFixed(1)} ms (${openReads} file reads), refresh ${refreshMs.toFixed(1)} ms, per progress tick ${((t3 - t2) / TICKS).toFixed(1)} ms with ${readsPerTick} journal/result reads (${JOBS} jobs)`,
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
