// Issue 23 item 11: a SAS given on the command line is never echoed (an invalid URL's error,
// --print-spec), and the CLI says where a SAS belongs (a secret reference, env:NAME).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');
const SIG = 'sig=Zm9vYmFyc2VjcmV0c2lnbmF0dXJl%2B%3D';
let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'kdm-cli-sas-'));
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), ...args, '--jobs-dir', join(work, 'jobs')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, out })));
}

const query = ['copy', '--cluster', 'http://127.0.0.1:1', '--db', 'Db', '--query', 'T', '--out', 'out', '--format', 'parquet', '--read-mode', 'export'];

describe('SAS tokens on the command line', () => {
  test('an invalid staging URL in a job file is refused without echoing its signature', async () => {
    const file = join(work, 'job.json');
    await writeFile(file, JSON.stringify({ version: 1, id: 'sas-1', createdAt: '2026-01-01T00:00:00Z', source: { kind: 'kustoQuery', connection: { clusterUrl: 'http://127.0.0.1:1', database: 'Db' }, query: 'T', readMode: 'export', staging: { kind: 'blob', url: `not a url?sv=2022&${SIG}` } }, destination: { kind: 'files', location: { kind: 'local', path: join(work, 'out') }, format: 'parquet' } }));
    const r = await cli(['copy', file]);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /source\.staging\.url: is not a valid URL/);
    assert.doesNotMatch(r.out, /Zm9vYmFyc2VjcmV0c2lnbmF0dXJl/);
  });

  test('a SAS in --staging is refused, pointing at --staging-secret env:NAME, and --print-spec never prints it', async () => {
    for (const extra of [[], ['--print-spec']]) {
      const r = await cli([...query, '--staging', `https://acct.blob.core.windows.net/stage?sv=2022&${SIG}`, ...extra]);
      assert.equal(r.code, 2, r.out);
      assert.match(r.out, /--staging must not hold a SAS token: put it in an environment variable and pass --staging-secret env:NAME/);
      assert.doesNotMatch(r.out, /Zm9vYmFyc2VjcmV0c2lnbmF0dXJl/);
    }
  });
});
