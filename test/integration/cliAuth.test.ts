// The CLI's sign-in flags: an app + secret job against the authority stand-in and the emulator in
// tokens mode, the secret from an environment variable only; a secret on the command line is refused.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { executeManagementRecords } from '../../src/kusto/managementClient';
import { startAuthority, type RunningAuthority } from '../authority/authorityServer';
import { adminToken, startEmulator } from '../emulator/index';

const root = resolve(__dirname, '..', '..');
const TENANT = 'dead0000-1111-2222-3333-444444444444';
const APP = 'd0000000-0000-0000-0000-00000000000d';
const SECRET = 'cli/Secret+value==';
let emulator: Awaited<ReturnType<typeof startEmulator>>;
let authority: RunningAuthority;
let work: string;

/** Runs the CLI without blocking this process (the emulator and the authority serve from it). */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'dist', 'cli.js'), ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, KUSTO_ACCESS_TOKEN: '', NODE_EXTRA_CA_CERTS: emulator.statusTable.caPemPath, ...env } }, (err, stdout, stderr) => {
      done({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kdm-cli-auth-'));
  emulator = await startEmulator({ seed: 'sample', auth: 'tokens' });
  authority = await startAuthority({ apps: [{ clientId: APP, tenantId: TENANT, secret: SECRET }] });
  await executeManagementRecords({ clusterUrl: emulator.url, database: 'Samples', tokenProvider: { getToken: async () => adminToken() } }, `.add database Samples viewers ('aadapp=${APP};${TENANT}')`);
});

after(async () => {
  await authority?.stop();
  await emulator?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('CLI sign-in', () => {
  const base = () => ['copy', '--cluster', emulator.url, '--db', 'Samples', '--query', 'StormEvents | where State == "TEXAS" | count', '--format', 'csv', '--layout', 'singleFile', '--jobs-dir', join(work, 'jobs'), '--progress', 'none', '--auth', 'app-secret', '--tenant', TENANT, '--client-id', APP, '--authority-host', authority.url];

  test('app + secret from KDM_CLIENT_SECRET: the job runs as the app and writes its rows', async () => {
    const out = join(work, 'texas.csv');
    const r = await cli([...base(), '--out', out, '--job-id', 'cli-auth-1'], { KDM_CLIENT_SECRET: SECRET });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n'), ['Count', '625']);
    assert.ok(authority.issued.some((t) => t.clientId === APP && t.grant === 'client_credentials'));
    const log = readFileSync(join(work, 'jobs', 'cli-auth-1', 'job.log'), 'utf8');
    assert.ok(!log.includes(SECRET));
    assert.match(log, new RegExp(`privileges checked for aadapp=${APP};${TENANT}`));
  });

  test('without the secret in the environment the job fails saying where to put it', async () => {
    const r = await cli([...base(), '--out', join(work, 'none.csv')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /clientSecret of connection "command line" is missing: set the environment variable KDM_CLIENT_SECRET/);
  });

  test('a secret flag on the command line is refused as an unknown option', async () => {
    const r = await cli([...base(), '--out', join(work, 'x.csv'), '--client-secret', SECRET]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /Unknown option '--client-secret'/);
  });
});
