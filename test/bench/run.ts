// `npm run bench [-- --quick]`: the main moves at scale, each against baselines measured in the
// same run. Every variant runs in its own process (peak RSS is its own); ratios are the claim,
// absolute times are context. Results: a table on stdout and test-artifacts/bench/results.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { redactSecrets } from '../../src/engine/redact';
import { runVariant, variantCommand } from './childRun';
import type { VariantResult } from './variants/result';
import { scenarios, type BenchContext, type Prepared, type Scenario } from './scenarios';
import { timesFaster } from './timesFaster';

const root = resolve(__dirname, '..', '..');

interface Row extends VariantResult {
  scenario: string;
  variant: string;
  command: string;
  rowsPerSec: number;
  mbPerSec: number;
  ratioVsBaseline?: number;
  baseline?: string;
  /** This variant's rate as a share of the limit variant's (by time where the scenario compares time). */
  ofLimit?: number;
  failed?: string;
  /** The variant is a baseline allowed to fail at this size (see VariantDef.mayNotFinish). */
  mayNotFinish?: boolean;
  /** Seconds of every run, in run order; the row reports the median run. */
  runSeconds?: number[];
  /** Files → Kusto: seconds until every file was enqueued, of every run in run order. */
  runEnqueuedSeconds?: number[];
}

function fmt(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return '-';
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(digits)} M`;
  if (Math.abs(n) >= 1e3) return `${(n / 1e3).toFixed(digits)} k`;
  return n.toFixed(digits);
}

async function runScenario(scenario: Scenario, ctx: BenchContext): Promise<Row[]> {
  const prepared = await scenario.prepare(ctx);
  const runs = new Map<string, VariantResult[]>();
  const commands = new Map<string, string>();
  const failures = new Map<string, string>();
  try {
    // Rounds of every variant in turn, not every run of one variant then the next: a machine that
    // slows under sustained load (measured here: the engine took 0.77 s before three SDK runs and
    // 0.93-0.99 s after them, the raw copy 0.27 s before and 0.45 s after) then weighs on all the
    // variants alike. The median run of each is reported.
    for (let round = 0; round < (scenario.runs ?? 1); round++) {
      for (const variant of scenario.variants) {
        if (failures.has(variant.name) || (round > 0 && variant.firstRoundOnly)) continue;
        const fresh = (await scenario.prepareVariant?.(prepared)) ?? {};
        const forVariant: Prepared = { ...prepared, ...fresh };
        const args = variant.args(forVariant);
        // Printed and saved: keys in connection strings (even Azurite's public one) are redacted.
        if (!commands.has(variant.name)) commands.set(variant.name, redactSecrets(variantCommand(variant.script, args)));
        process.stderr.write(`[bench] ${scenario.name} / ${variant.name}${(scenario.runs ?? 1) > 1 ? ` (round ${round + 1})` : ''} ...\n`);
        const output = variant.output?.(forVariant);
        if (output) {
          rmSync(output, { recursive: true, force: true });
          execFileSync('sync');
        }
        try {
          const result = await runVariant(variant.script, args, variant.env?.(forVariant));
          runs.set(variant.name, [...(runs.get(variant.name) ?? []), result]);
        } catch (err) {
          failures.set(variant.name, (err as Error).message.split('\n').slice(0, 3).join(' '));
        } finally {
          await fresh.cleanup?.();
        }
      }
    }
  } finally {
    await prepared.cleanup?.();
  }
  const rows: Row[] = [];
  for (const variant of scenario.variants) {
    const command = commands.get(variant.name) ?? '';
    const failed = failures.get(variant.name);
    const done = runs.get(variant.name) ?? [];
    if (failed !== undefined) {
      rows.push({ rows: 0, bytesOut: 0, seconds: NaN, maxRssMB: NaN, scenario: scenario.name, variant: variant.name, command, rowsPerSec: NaN, mbPerSec: NaN, failed, mayNotFinish: variant.mayNotFinish });
      continue;
    }
    const bySeconds = [...done].sort((a, b) => a.seconds - b.seconds);
    const result = bySeconds[Math.floor((bySeconds.length - 1) / 2)];
    rows.push({
      ...result,
      scenario: scenario.name,
      variant: variant.name,
      command,
      rowsPerSec: result.rows / result.seconds,
      mbPerSec: scenario.bytesForRate(prepared, result) / 1e6 / result.seconds,
      runSeconds: done.map((r) => r.seconds),
      runEnqueuedSeconds: done.every((r) => r.enqueuedSeconds !== undefined) ? done.map((r) => r.enqueuedSeconds as number) : undefined,
    });
  }
  const compare = (row: Row, other: Row): number => (scenario.higherIsBetter === false ? other.seconds / row.seconds : row.mbPerSec / other.mbPerSec);
  const baseline = rows.find((r) => r.variant === scenario.baseline);
  const limit = rows.find((r) => r.variant === scenario.limit);
  for (const row of rows) {
    if (baseline && !baseline.failed && !row.failed) {
      row.baseline = scenario.baseline;
      row.ratioVsBaseline = compare(row, baseline);
    }
    // Against the limit, the client's own part where the scenario measures it (files → Kusto: until every file is enqueued).
    const clientPart = row.enqueuedSeconds !== undefined && limit?.enqueuedSeconds !== undefined;
    if (limit && !limit.failed && !row.failed) row.ofLimit = clientPart ? (limit.enqueuedSeconds as number) / (row.enqueuedSeconds as number) : compare(row, limit);
  }
  return rows;
}

interface ExtensionFigures {
  activationMs: number;
  vsixBytes: number;
}

async function measureExtension(): Promise<ExtensionFigures> {
  process.stderr.write('[bench] extension: packaging the VSIX and timing activation ...\n');
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const vsixBytes = statSync(join(root, 'dist', 'kusto-data-mover.vsix')).size;
  const activation = await runVariant('activation.ts', []);
  return { activationMs: activation.seconds * 1000, vsixBytes };
}

/** The issue's targets, as PASS/MISS lines: information for people, never an assertion. */
function printTargets(all: Row[], extension: ExtensionFigures | undefined): void {
  const find = (scenario: string, variant: string) => all.find((r) => r.scenario === scenario && r.variant === variant && !r.failed);
  const check = (label: string, ok: boolean | undefined, detail: string) => console.log(`  ${ok === undefined ? 'N/A ' : ok ? 'PASS' : 'MISS'} ${label}: ${detail}`);
  /** `ours` at least `want` times as fast as `theirs` (timesFaster), as a target line. */
  const atLeast = (label: string, ours: Row | undefined, theirs: Row | undefined, want: number, missing = '-') => {
    const judged = ours && theirs ? timesFaster(ours, theirs) : undefined;
    check(label, judged && judged.ratio >= want, judged?.detail ?? missing);
  };
  console.log('\nTargets:');
  for (const scenario of [...new Set(all.map((r) => r.scenario))].filter((s) => s.startsWith('kusto→parquet'))) {
    const engine = find(scenario, 'engine');
    const sdk = find(scenario, 'sdk execute + write');
    const raw = find(scenario, 'raw copy (limit)');
    atLeast(`${scenario}: engine ≥ 5× the SDK way`, engine, sdk, 5, 'the SDK way did not finish');
    atLeast(`${scenario}: engine ≥ 0.5× raw copy`, engine, raw, 0.5);
    // Issue 28 raised the bar for the unpartitioned job to 0.8× the raw copy.
    atLeast(`${scenario}: engine ≥ 0.8× raw copy (issue 28)`, engine, raw, 0.8);
    check(`${scenario}: engine peak RSS < 300 MB`, engine ? engine.maxRssMB < 300 : undefined, engine ? `${engine.maxRssMB} MB` : '-');
    // Issue 28: with a rows-per-file limit and with partitionBy, within 1.3× of the plain job's time and under the same memory bound.
    for (const variant of ['engine, maxRowsPerFile', 'engine, partitionBy']) {
      const other = find(scenario, variant);
      if (!other && !all.some((r) => r.scenario === scenario && r.variant === variant)) continue;
      // The variant's time over the plain job's, round by round.
      const judged = engine && other ? timesFaster(engine, other) : undefined;
      check(`${scenario}: ${variant} within 1.3× of the engine's time`, judged && judged.ratio <= 1.3, judged?.detail ?? '-');
      check(`${scenario}: ${variant} peak RSS < 300 MB`, other ? other.maxRssMB < 300 : undefined, other ? `${other.maxRssMB} MB` : '-');
    }
    const workers = find(scenario, 'engine, 2 parse workers');
    if (engine && workers && sdk) console.log(`  info ${scenario}: with 2 parse workers (opt-in) = ${(workers.mbPerSec / engine.mbPerSec).toFixed(2)}× the default engine, ${(workers.mbPerSec / sdk.mbPerSec).toFixed(2)}× the SDK way, peak RSS ${workers.maxRssMB} MB`);
    else if (engine && workers) console.log(`  info ${scenario}: with 2 parse workers (opt-in) = ${(workers.mbPerSec / engine.mbPerSec).toFixed(2)}× the default engine, peak RSS ${workers.maxRssMB} MB`);
    // Context for the raw-copy target: what parsing alone costs with V8's native parser.
    const parseOnly = find(scenario, 'JSON.parse only (reference)');
    console.log(`  info ${scenario}: native JSON.parse alone (no writing) = ${parseOnly && raw ? `${(parseOnly.mbPerSec / raw.mbPerSec).toFixed(2)}× raw copy` : 'could not finish'}; the engine = ${parseOnly && engine ? `${(engine.mbPerSec / parseOnly.mbPerSec).toFixed(2)}× JSON.parse alone` : '-'}`);
  }
  // Issue 28: CSV and JSON lines ≥ 6× the SDK way at 1 M rows; ≥ 0.5× the raw copy and peak RSS < 250 MB at 10 M rows.
  for (const scenario of [...new Set(all.map((r) => r.scenario))].filter((s) => s.startsWith('kusto→csv') || s.startsWith('kusto→json'))) {
    const engine = find(scenario, 'engine');
    const sdk = find(scenario, 'sdk execute + write');
    const raw = find(scenario, 'raw copy (limit)');
    const rows = engine?.rows ?? 0;
    if (rows < 10_000_000) atLeast(`${scenario}: engine ≥ 6× the SDK way`, engine, sdk, 6, 'the SDK way did not finish');
    else atLeast(`${scenario}: engine ≥ 0.5× raw copy`, engine, raw, 0.5);
    check(`${scenario}: engine peak RSS < 250 MB`, engine ? engine.maxRssMB < 250 : undefined, engine ? `${engine.maxRssMB} MB` : '-');
  }
  for (const scenario of [...new Set(all.map((r) => r.scenario))].filter((s) => s.startsWith('folder→kusto'))) {
    const engine = find(scenario, 'engine (queued)');
    const sdk = find(scenario, 'sdk ingestFromFile one by one');
    const upload = find(scenario, 'raw parallel upload (limit)');
    const percent = (limit: number, ours: number) => `${((limit / ours) * 100).toFixed(0)}%`;
    check(`${scenario}: engine ≥ 3× one-by-one SDK (until every status is final)`, engine && sdk ? sdk.seconds / engine.seconds >= 3 : undefined, engine && sdk ? `${(sdk.seconds / engine.seconds).toFixed(2)}×` : '-');
    // Judged on the client's part: until every file is enqueued (the emulator's ingestion is held
    // meanwhile, as the service's would run on the cluster, not on these cores).
    const enqueued = engine?.enqueuedSeconds;
    check(`${scenario}: engine ≥ 80% of raw upload (until every file is enqueued)`, enqueued && upload ? upload.seconds / enqueued >= 0.8 : undefined, enqueued && upload ? percent(upload.seconds, enqueued) : '-');
    // Information only: includes the local emulator ingesting every file afterwards.
    console.log(`  info ${scenario}: engine until every status is final = ${engine && upload ? percent(upload.seconds, engine.seconds) : '-'} of raw upload (enqueue + the emulator's ingestion after it)`);
  }
  const jobsView = find('jobs view, 1,000 finished jobs', 'jobs view (cached reader)');
  const rereadAll = find('jobs view, 1,000 finished jobs', 'reread every journal');
  check('jobs view, 1,000 finished jobs: open + refresh < 100 ms', jobsView ? jobsView.seconds * 1000 < 100 : undefined, jobsView ? `${(jobsView.seconds * 1000).toFixed(1)} ms${rereadAll ? ` (${(rereadAll.seconds / jobsView.seconds).toFixed(2)}× faster than rereading every journal)` : ''}` : '-');
  const readsPerTick = jobsView?.note?.match(/with ([\d.]+) journal\/result reads/)?.[1];
  check('jobs view: a progress tick rereads no unchanged journal', readsPerTick === undefined ? undefined : Number(readsPerTick) === 0, readsPerTick === undefined ? '-' : `${readsPerTick} reads per tick (rereading all: ${rereadAll?.note?.match(/with ([\d.]+) journal\/result reads/)?.[1] ?? '-'})`);
  // Issue 28: parallel download ≥ 3× one by one from storage with latency, and no slower on plain loopback.
  for (const scenario of [...new Set(all.map((r) => r.scenario))].filter((s) => s.startsWith('export download'))) {
    const parallel = find(scenario, 'engine (parallel)');
    const serial = find(scenario, 'one by one');
    const want = scenario.includes('remote storage') ? 3 : 1;
    check(`${scenario}: parallel ≥ ${want}× one by one`, parallel && serial ? serial.seconds / parallel.seconds >= want : undefined, parallel && serial ? `${(serial.seconds / parallel.seconds).toFixed(2)}×` : '-');
  }
  // Issue 28: the files → Kusto upload, parallel ≥ 3× one by one from storage with latency and no slower on plain loopback,
  // judged until every file is enqueued (the client's part: the emulator's ingestion is held meanwhile).
  for (const scenario of [...new Set(all.map((r) => r.scenario))].filter((s) => s.startsWith('files→kusto upload'))) {
    const parallel = find(scenario, 'engine (parallel)');
    const serial = find(scenario, 'one by one');
    const want = scenario.includes('remote storage') ? 3 : 1;
    // The median of each variant's runs by this time (the row's own run is the median by "seconds").
    const median = (r: Row | undefined) => {
      const sorted = [...(r?.runEnqueuedSeconds ?? [])].sort((a, b) => a - b);
      return sorted.length > 0 ? sorted[Math.floor((sorted.length - 1) / 2)] : undefined;
    };
    const ours = median(parallel);
    const theirs = median(serial);
    const ratio = ours && theirs ? theirs / ours : undefined;
    const runs = (r: Row | undefined) => r?.runEnqueuedSeconds?.map((x) => x.toFixed(2)).join(', ');
    check(`${scenario}: parallel ≥ ${want}× one by one (until every file is enqueued)`, ratio === undefined ? undefined : ratio >= want, ratio === undefined ? '-' : `${ratio.toFixed(2)}× (medians ${ours?.toFixed(2)} s against ${theirs?.toFixed(2)} s; every run: ${runs(parallel)} against ${runs(serial)})`);
    if (parallel && serial) console.log(`  info ${scenario}: until every status is final (with the emulator's ingestion after the enqueue) = ${(serial.seconds / parallel.seconds).toFixed(2)}× one by one`);
  }
  if (extension) check('activation < 100 ms', extension.activationMs < 100, `${extension.activationMs.toFixed(1)} ms`);
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  // `--only=a|b`: the scenarios whose names contain any of the texts.
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split('|').filter(Boolean);
  const outRoot = process.env.KDM_BENCH_DIR ?? join(root, 'test-artifacts', 'bench');
  const workDir = join(outRoot, 'work');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const ctx: BenchContext = { quick, workDir, root };
  const all: Row[] = [];
  for (const scenario of scenarios(ctx)) {
    if (only && !only.some((text) => scenario.name.includes(text))) continue;
    all.push(...(await runScenario(scenario, ctx)));
  }
  const header = ['scenario', 'variant', 'rows', 'seconds', 'runs (min–max s)', 'all enqueued s', 'rows/s', 'MB/s', 'peak RSS MB', 'vs baseline', 'of limit'];
  const table = all.map((r) => [
    r.scenario,
    r.variant,
    String(r.rows),
    r.failed ? (r.mayNotFinish ? 'could not finish' : 'FAILED') : r.seconds.toFixed(2),
    r.runSeconds && r.runSeconds.length > 1 ? `${r.runSeconds.length} (${Math.min(...r.runSeconds).toFixed(2)}–${Math.max(...r.runSeconds).toFixed(2)})` : '1',
    r.enqueuedSeconds === undefined ? '' : r.enqueuedSeconds.toFixed(2),
    fmt(r.rowsPerSec),
    fmt(r.mbPerSec),
    String(r.maxRssMB),
    r.ratioVsBaseline === undefined ? '' : `${r.ratioVsBaseline.toFixed(2)}× ${r.baseline}`,
    r.ofLimit === undefined ? '' : `${(r.ofLimit * 100).toFixed(0)}%`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  console.log(`\nKusto Data Mover benchmarks (${quick ? 'quick' : 'full'} mode)\n`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const t of table) console.log(line(t));
  if (all.some((r) => r.enqueuedSeconds !== undefined)) {
    console.log('\nfolder→kusto: "all enqueued s" runs until every file was uploaded and enqueued: the client\'s part. For the engine the emulator\'s ingestion is held');
    console.log('meanwhile (in Azure the cluster ingests, not the client\'s cores) and let go at that point; the SDK variant runs ungated (its ingestion overlaps its ~5 min enqueue).');
    console.log('"seconds" runs until every file\'s ingestion status is final (the local emulator ingests one file at a time into DuckDB on the same 2 cores):');
    console.log('for the engine that is the enqueue plus all of the ingestion after it, no overlap. "≥ 80% of raw upload" is judged on "all enqueued s", "≥ 3× SDK" on "seconds".');
  }
  for (const r of all.filter((x) => x.note)) console.log(`\n${r.scenario} / ${r.variant}: ${r.note}`);
  for (const r of all.filter((x) => x.failed)) console.log(`\n${r.scenario} / ${r.variant} could not finish: ${r.failed}`);
  console.log('\nCommands:');
  for (const r of all) console.log(`  ${r.scenario} / ${r.variant}: ${r.command}`);
  const extension = only ? undefined : await measureExtension();
  if (extension) {
    console.log(`\nExtension: activation ${extension.activationMs.toFixed(1)} ms (require + activate of dist/extension.js, cold, in a fresh process); VSIX ${(extension.vsixBytes / 1024).toFixed(0)} KB`);
  }
  printTargets(all, extension);
  const out = join(outRoot, 'results.json');
  writeFileSync(out, JSON.stringify({ mode: quick ? 'quick' : 'full', at: new Date().toISOString(), results: all, extension }, null, 2));
  console.log(`\nResults written to ${out}`);
  // A baseline that cannot hold the data is a finding, not a harness failure (in quick mode every variant must finish).
  if (all.some((r) => r.failed && (quick || !r.mayNotFinish))) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
