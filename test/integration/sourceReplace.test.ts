// Kusto → files, the commit and "replace" (emulator, real processes): a job killed at each point of
// its commit over an earlier output is resumed by the CLI to its own complete output (never the
// earlier one reported as new), with nothing hidden left behind; a resumed job whose output the
// killed run had published reports that output's files; and "replace" refuses a folder that is
// neither an earlier output of ours nor a Spark output folder, deleting nothing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobSpec } from '../../src/engine/jobSpec';
import { resumeJob, runJob } from '../../src/engine/runner';
import { startEmulator } from '../emulator/index';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

const root = resolve(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const DB = 'Tests';
const ROWS = 20_000;
let emulator: Emulator;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'kdm-replace-'));
  emulator = await startEmulator({ auth: 'open', databases: [DB] });
});
after(async () => {
  await emulator?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Exit> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.once('close', (code, signal) => done({ code, signal, stdout, stderr })));
}

function spec(id: string, out: string, rows: number, options: { ifExists?: 'fail' | 'replace'; layout?: 'sparkFolder' | 'singleFile' } = {}): JobSpec {
  return {
    version: 1,
    id,
    createdAt: new Date().toISOString(),
    source: { kind: 'kustoQuery', connection: { clusterUrl: emulator.url, database: DB }, query: `range i from 1 to ${rows} step 1 | extend s = strcat("r", tostring(i))`, readMode: 'stream' },
    destination: { kind: 'files', location: { kind: 'local', path: out }, format: 'csv', layout: options.layout ?? 'sparkFolder', maxRowsPerFile: 8000, ifExists: options.ifExists ?? 'replace' },
  };
}

/** Runs the job in a child process that kills itself at `killAt` (see sourceKillChild.ts). */
async function runKilledAt(job: JobSpec, jobsDir: string, killAt: string): Promise<void> {
  const specFile = join(work, `${job.id}.json`);
  await writeFile(specFile, JSON.stringify(job));
  const exit = await run(['--import', 'tsx', join(root, 'test', 'integration', 'sourceKillChild.ts'), specFile, jobsDir, killAt]);
  assert.equal(exit.signal, 'SIGKILL', `the child was to die at ${killAt}: ${exit.stdout} ${exit.stderr}`);
}

/** The first column of every data row of every CSV part file, sorted. */
async function csvIds(folder: string): Promise<number[]> {
  const ids: number[] = [];
  for (const name of (await readdir(folder)).filter((n) => n.endsWith('.csv'))) {
    for (const line of (await readFile(join(folder, name), 'utf8')).split('\n').slice(1)) if (line) ids.push(Number(line.split(',')[0]));
  }
  return ids.sort((a, b) => a - b);
}

function hiddenBeside(names: string[], out: string): string[] {
  return names.filter((n) => n.startsWith(`.${out}.`));
}

describe('a job killed while committing over an earlier output, resumed by the CLI', () => {
  for (const killAt of ['phase:committing', 'before-move:destination', 'before-move:kdm-tmp', 'after-move:kdm-tmp']) {
    test(`killed at ${killAt}: resume ends with this job's ${ROWS} rows, never the earlier 5, and nothing hidden left`, async () => {
      const name = `out-${killAt.replace(/[^a-z]/g, '')}`;
      const out = join(work, name);
      const jobsDir = join(work, 'jobs');
      // The earlier output: another job's 5 rows, a complete Spark folder of ours.
      const earlier = await runJob(spec(`earlier-${name}`, out, 5), { jobsDir });
      assert.equal(earlier.state, 'succeeded', earlier.error);
      assert.deepEqual(await csvIds(out), [1, 2, 3, 4, 5]);

      const id = `job-${name}`;
      await runKilledAt(spec(id, out, ROWS), jobsDir, killAt);
      const resumed = await run([cli, 'resume', id, '--jobs-dir', jobsDir, '--progress', 'none']);
      assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
      assert.match(resumed.stdout, new RegExp(`^Done: ${ROWS} rows, .*, 3 files in`, 'm'));
      const ids = await csvIds(out);
      assert.deepEqual([ids.length, new Set(ids).size, ids[0], ids.at(-1)], [ROWS, ROWS, 1, ROWS]);
      assert.deepEqual(hiddenBeside(await readdir(work), name), []);
      const marker = JSON.parse(await readFile(join(out, '_kdm_output.json'), 'utf8')) as { jobId: string; rows: number };
      assert.deepEqual([marker.jobId, marker.rows], [id, ROWS]);
    });
  }

  test('a resumed job whose output the killed run had published returns that output\'s files', async () => {
    const out = join(work, 'published');
    const jobsDir = join(work, 'jobs');
    await runKilledAt(spec('published-1', out, ROWS, { ifExists: 'fail' }), jobsDir, 'after-move:kdm-tmp');
    const journal = JSON.parse(await readFile(join(jobsDir, 'published-1', 'journal.json'), 'utf8')) as { state: string; phase: string };
    assert.deepEqual([journal.state, journal.phase], ['running', 'committing']);
    const resumed = await resumeJob('published-1', { jobsDir });
    assert.equal(resumed.state, 'succeeded', resumed.error);
    const parts = (await readdir(out)).filter((n) => n.startsWith('part-')).sort();
    assert.equal(parts.length, 3);
    assert.deepEqual([...resumed.files].sort(), parts.map((p) => join(out, p)));
    assert.equal(resumed.rows, ROWS);
  });

  test('the same for a single file: the resumed job returns the file', async () => {
    const out = join(work, 'single.csv');
    const jobsDir = join(work, 'jobs');
    await runKilledAt(spec('single-1', out, ROWS, { ifExists: 'fail', layout: 'singleFile' }), jobsDir, 'after-move:kdm-tmp');
    const resumed = await resumeJob('single-1', { jobsDir });
    assert.equal(resumed.state, 'succeeded', resumed.error);
    assert.deepEqual([resumed.files, resumed.rows], [[out], ROWS]);
    assert.equal((await readFile(out, 'utf8')).split('\n').length, ROWS + 2);
  });
});

describe('replace refuses what is not an output', () => {
  test('--out <a folder of the user\'s files> --if-exists replace: exit 2, a message naming the folder, nothing deleted', async () => {
    const folder = join(work, 'users-folder');
    await mkdir(join(folder, 'notes'), { recursive: true });
    await writeFile(join(folder, 'thesis.docx'), 'my thesis');
    await writeFile(join(folder, 'notes', 'todo.txt'), 'todo');
    await writeFile(join(folder, 'part-of-plan.txt'), 'looks like a part file, is not Spark output');
    const before = await snapshot(folder);
    for (const layout of ['sparkFolder', 'singleFile']) {
      const exit = await run([cli, 'copy', '--cluster', emulator.url, '--db', DB, '--query', 'range i from 1 to 10 step 1', '--out', folder, '--format', 'csv', '--layout', layout, '--if-exists', 'replace', '--read-mode', 'stream', '--jobs-dir', join(work, 'jobs'), '--progress', 'none']);
      assert.equal(exit.code, 2, `${layout}: ${exit.stdout} ${exit.stderr}`);
      assert.match(exit.stderr, new RegExp(`will not replace ${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `), exit.stderr);
      assert.doesNotMatch(exit.stderr, /\n\s+at /);
      assert.deepEqual(await snapshot(folder), before, `${layout}: the user's files are untouched`);
      assert.deepEqual(hiddenBeside(await readdir(work), 'users-folder'), []);
    }
  });

  test('a Spark output folder (part files, _SUCCESS, checksums, partitions) is replaced', async () => {
    const folder = join(work, 'spark-made');
    await mkdir(join(folder, 'State=TX'), { recursive: true });
    await writeFile(join(folder, 'State=TX', 'part-00000-1b2c-c000.csv'), 'x\n1\n');
    await writeFile(join(folder, 'State=TX', '.part-00000-1b2c-c000.csv.crc'), 'crc');
    await writeFile(join(folder, '_SUCCESS'), '');
    await writeFile(join(folder, '._SUCCESS.crc'), 'crc');
    const result = await runJob(spec('over-spark', folder, 7), { jobsDir: join(work, 'jobs') });
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(await csvIds(folder), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual((await readdir(folder)).filter((n) => !n.startsWith('part-')).sort(), ['_SUCCESS', '_kdm_output.json']);
  });

  test('a folder with part files but no _SUCCESS (an unfinished or foreign folder) is refused', async () => {
    const folder = join(work, 'half-spark');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'part-00000-x-c000.csv'), 'x\n1\n');
    const result = await runJob(spec('over-half', folder, 7), { jobsDir: join(work, 'jobs') });
    assert.equal(result.state, 'failed');
    assert.equal(result.errorCode, 'OutputNotReplaceable');
    assert.match(result.error ?? '', /no _SUCCESS or _spark_metadata/);
    assert.deepEqual(await readdir(folder), ['part-00000-x-c000.csv']);
  });
});

async function snapshot(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out[join(entry.parentPath, entry.name).slice(folder.length)] = await readFile(join(entry.parentPath, entry.name), 'utf8');
  }
  return out;
}
