// Issue 23, gaps found by the audit: each test runs the CLI against the local emulator started as the
// README says, and checks what the CLI says, its exit code and what is (or is not) on disk or in the table.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../helpers/ports';
import { startProcess, waitFor, type StartedProcess } from '../helpers/processes';

const root = resolve(__dirname, '..', '..');
const DB = 'Samples';
let emulator: StartedProcess;
let cluster: string;
let dir: string;

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.KUSTO_ACCESS_TOKEN;
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), ...args, '--jobs-dir', join(dir, 'jobs'), '--progress', 'none'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-real-input2-'));
  const port = await freePort();
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  emulator = startProcess('npm', ['run', 'emulator', '--', '--seed', 'sample', '--port', String(port), '--poll-ms', '50'], { cwd: root, env });
  cluster = `http://127.0.0.1:${port}`;
  await waitFor(async () => emulator.output().includes('Kusto emulator listening on'), 120_000, 'emulator', emulator);
});
after(async () => {
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('real input through the CLI and the local emulator (audit gaps)', () => {
  test('item 7: a partition value too long for a folder name says which column and what to do, exits 2, offers no resume, leaves nothing', async () => {
    const out = join(dir, 'long-partition');
    const long = 'x'.repeat(300);
    const r = await cli(['copy', '--cluster', cluster, '--db', DB, '--query', `print k='${long}', v=1`, '--out', out, '--format', 'parquet', '--partition-by', 'k']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /partition column "k": a value of 300 bytes makes the folder name "k=x{20}…" 302 bytes long, over the file system's limit of 255 bytes/);
    assert.match(r.stderr, /Partition by a column with shorter values/);
    assert.doesNotMatch(r.stderr, /ENAMETOOLONG|resume with/);
    assert.ok(!existsSync(out), 'no output folder');
    assert.deepEqual(readdirSync(dir).filter((name) => name.includes('kdm-tmp')), [], 'no temp folder left');
  });
});
