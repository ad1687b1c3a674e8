// Known secret values (plain, URL-encoded, base64) go through the connection store and real jobs
// (a good sign-in and a wrong one); afterwards settings/state, job specs, journals, job logs and the
// log lines a front end received are scanned and hold none of them. A planted copy proves the
// scanner finds each form.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTokenProvider } from '../../src/auth/credentialFactory';
import type { Connection } from '../../src/connections/connection';
import { ConnectionStore } from '../../src/connections/connectionStore';
import type { CredentialResolver, JobLogger } from '../../src/engine/jobContext';
import type { JobSpec } from '../../src/engine/jobSpec';
import { runJob } from '../../src/engine/runner';
import { executeManagementRecords } from '../../src/kusto/managementClient';
import { startAuthority, type RunningAuthority } from '../authority/authorityServer';
import { adminToken, startEmulator, trustEmulatorCertificate } from '../emulator/index';

const TENANT = 'beef0000-1111-2222-3333-444444444444';
const APP = 'b0000000-0000-0000-0000-00000000000b';
const SECRET = 'kdm~Secr3t/with+slash&amp=';
const WRONG = 'kdm~Wr0ng/secret+value?=';
const forms = (s: string) => [s, encodeURIComponent(s), Buffer.from(s).toString('base64'), Buffer.from(s).toString('base64url')];

let emulator: Awaited<ReturnType<typeof startEmulator>>;
let authority: RunningAuthority;
let work: string;
const state = new Map<string, unknown>();
const secrets = new Map<string, string>();
const logLines: string[] = [];

function scan(dir: string, needles: string[]): string[] {
  const found: string[] = [];
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) return readdirSync(p).forEach((n) => walk(join(p, n)));
    const text = readFileSync(p, 'latin1');
    for (const n of needles) if (text.includes(n)) found.push(`${p}: ${n}`);
  };
  walk(dir);
  return found;
}

function scanText(text: string, needles: string[]): string[] {
  return needles.filter((n) => text.includes(n));
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kdm-secret-scan-'));
  emulator = await startEmulator({ databases: ['Sales'], auth: 'tokens' });
  trustEmulatorCertificate(emulator);
  authority = await startAuthority({ apps: [{ clientId: APP, tenantId: TENANT, secret: SECRET }] });
  await executeManagementRecords({ clusterUrl: emulator.url, database: 'Sales', tokenProvider: { getToken: async () => adminToken() } }, `.add database Sales viewers ('aadapp=${APP};${TENANT}')`);
});

after(async () => {
  await authority?.stop();
  await emulator?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('secrets never leave SecretStorage', () => {
  test('connection and job flows leave no secret in state, specs, journals or logs; the scanner finds a planted one', async () => {
    const store = new ConnectionStore(
      { get: <T>(k: string) => state.get(k) as T | undefined, update: async (k, v) => void state.set(k, JSON.parse(JSON.stringify(v))) },
      { get: async (k) => secrets.get(k), store: async (k, v) => void secrets.set(k, v), delete: async (k) => void secrets.delete(k) },
    );
    const good: Connection = { id: 'good', name: 'Good', clusterUrl: emulator.url, auth: { kind: 'appSecret', tenantId: TENANT, clientId: APP, authorityHost: authority.url } };
    await store.save(good, { clientSecret: SECRET });
    await store.save({ ...good, id: 'bad', name: 'Bad' }, { clientSecret: WRONG });
    const credentials: CredentialResolver = {
      resolve: (id) => {
        const c = id ? store.get(id) : undefined;
        return c && createTokenProvider(c, { secret: (name) => store.secret(c.id, name) });
      },
    };
    const log: JobLogger = { info: (m) => logLines.push(m), warn: (m) => logLines.push(m), error: (m) => logLines.push(m), debug: (m) => logLines.push(m) };
    const spec = (id: string, auth: string): JobSpec => ({
      version: 1,
      id,
      createdAt: '2026-01-01T00:00:00Z',
      source: { kind: 'kustoQuery', connection: { clusterUrl: emulator.url, database: 'Sales', auth: { kind: 'credential', id: auth } }, query: 'print x = 1', readMode: 'stream' },
      destination: { kind: 'files', location: { kind: 'local', path: join(work, 'out', `${id}.csv`) }, format: 'csv', layout: 'singleFile' },
      options: { retry: { maxAttempts: 1 } },
    });
    const jobs = join(work, 'jobs');
    const ok = await runJob(spec('scan-good', 'good'), { jobsDir: jobs, credentials, log });
    assert.equal(ok.state, 'succeeded', ok.error);
    const bad = await runJob(spec('scan-bad', 'bad'), { jobsDir: jobs, credentials, log });
    assert.equal(bad.state, 'failed');
    assert.match(bad.error ?? '', /Invalid client secret/);

    const needles = [...forms(SECRET), ...forms(WRONG)];
    assert.deepEqual(scan(jobs, needles), []);
    assert.deepEqual(scanText(JSON.stringify([...state]), needles), []);
    assert.deepEqual(scanText(logLines.join('\n') + (bad.error ?? ''), needles), []);
    assert.ok(logLines.length > 3, 'the flows did log');
    // The secrets are where they belong.
    assert.deepEqual([...secrets.values()].sort(), [SECRET, WRONG].sort());

    // Positive control: each form, planted in a copy of the jobs folder, is found.
    for (const [i, planted] of forms(SECRET).entries()) {
      const copy = join(work, `planted-${i}`);
      cpSync(jobs, copy, { recursive: true });
      writeFileSync(join(copy, 'scan-good', 'job.log'), `${readFileSync(join(copy, 'scan-good', 'job.log'), 'utf8')}\nleaked ${planted}\n`);
      assert.deepEqual(scan(copy, [planted]).length, 1, `the scanner finds the ${['plain', 'URL-encoded', 'base64', 'base64url'][i]} form`);
    }
  });
});
