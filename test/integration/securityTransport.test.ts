// Plain http only for this machine: a job whose cluster or staging storage is reached over http on
// another address is refused before any request leaves (a listener on this machine's non-loopback
// address counts what arrives), unless the spec allows it on purpose, which the job's log warns
// about; the CLI's --allow-insecure-http sets that option. And the local emulator (Kusto endpoint,
// status-table endpoint, its Azurite) listens on loopback only.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobSpec } from '../../src/engine/jobSpec';
import { runJob } from '../../src/engine/runner';
import { startEmulator } from '../emulator/index';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
const root = join(__dirname, '..', '..');
const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
let remote: Server;
let remoteUrl: string;
let requests = 0;
let emulator: Emulator;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-sec-transport-'));
  emulator = await startEmulator({ databases: ['Sec'], auth: 'open' });
  if (!external) return;
  // A "cluster" and "storage" on another address (this machine's own, not loopback): it counts requests and refuses them.
  remote = createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"error":{"code":"Test","message":"remote stand-in"}}');
  });
  await new Promise<void>((resolve) => remote.listen(0, external, () => resolve()));
  remoteUrl = `http://${external}:${(remote.address() as AddressInfo).port}`;
});

after(async () => {
  await emulator?.stop();
  await new Promise<void>((resolve) => (remote ? remote.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const jobsDir = (): string => join(dir, 'jobs');
const noSecrets = { resolve: async (ref: string) => (ref === 'env:SAS' ? 'sv=2024-01-01&sig=c2VjcmV0' : undefined) };

function queryToFile(id: string, clusterUrl: string, extra: Partial<JobSpec> = {}): JobSpec {
  return {
    version: 1, id, createdAt: '2026-01-01T00:00:00Z',
    source: { kind: 'kustoQuery', connection: { clusterUrl, database: 'Sec' }, query: 'print x = 1', readMode: 'stream' },
    destination: { kind: 'files', location: { kind: 'local', path: join(dir, `${id}.jsonl`) }, format: 'json', layout: 'singleFile' },
    options: { retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1 } },
    ...extra,
  };
}

describe('plain http is refused for another machine unless allowed', { skip: external ? false : 'this machine has no non-loopback IPv4 address' }, () => {
  test('a query from an http:// cluster on another address: refused before any request, with what to do', async () => {
    const before = requests;
    const result = await runJob(queryToFile('http-cluster', remoteUrl), { jobsDir: jobsDir(), secrets: noSecrets });
    assert.equal(result.state, 'failed');
    assert.equal(result.error, `plain http is refused for ${remoteUrl} (not this machine): tokens, keys and data would travel unencrypted. Use https, or allow it on purpose with "options": {"allowInsecureHttp": true} in the job file (CLI: --allow-insecure-http)`);
    assert.equal(requests - before, 0, 'nothing was sent to the remote address');
    assert.equal(existsSync(join(dir, 'http-cluster.jsonl')), false);
  });

  test('an export staged in http:// storage on another address: refused, and its SAS is not in the message', async () => {
    const before = requests;
    const spec = queryToFile('http-staging', emulator.url);
    spec.source = { kind: 'kustoQuery', connection: { clusterUrl: emulator.url, database: 'Sec' }, query: 'print x = 1', readMode: 'export', staging: { kind: 'blob', url: `${remoteUrl}/devstoreaccount1/staging`, secretRef: 'env:SAS', authKind: 'sas' } };
    spec.destination = { kind: 'files', location: { kind: 'local', path: join(dir, 'http-staging') }, format: 'parquet', layout: 'sparkFolder' };
    const result = await runJob(spec, { jobsDir: jobsDir(), secrets: noSecrets });
    assert.equal(result.state, 'failed');
    assert.match(result.error ?? '', new RegExp(`^plain http is refused for ${remoteUrl}/devstoreaccount1/staging \\(not this machine\\)`));
    assert.doesNotMatch(result.error ?? '', /sig=|c2VjcmV0/);
    assert.equal(requests - before, 0);
  });

  test('files into a table of an http:// cluster on another address: refused before any request', async () => {
    const before = requests;
    const spec: JobSpec = {
      version: 1, id: 'http-sink', createdAt: '2026-01-01T00:00:00Z',
      source: { kind: 'files', location: { kind: 'local', path: join(root, 'test', 'fixtures') } },
      destination: { kind: 'kustoTable', connection: { clusterUrl: remoteUrl, database: 'Sec' }, table: 'T', mode: 'queued' },
    };
    const result = await runJob(spec, { jobsDir: jobsDir(), secrets: noSecrets });
    assert.equal(result.state, 'failed');
    assert.match(result.error ?? '', /^plain http is refused for http:\/\/.+ \(not this machine\)/);
    assert.equal(requests - before, 0);
  });

  test('allowed on purpose (options.allowInsecureHttp): the request goes out and the job log warns', async () => {
    const before = requests;
    const spec = queryToFile('http-allowed', remoteUrl);
    spec.options = { ...spec.options, allowInsecureHttp: true };
    const result = await runJob(spec, { jobsDir: jobsDir(), secrets: noSecrets });
    assert.ok(requests - before >= 1, 'the job did reach the http cluster');
    assert.equal(result.state, 'failed', 'the stand-in answers 500');
    assert.doesNotMatch(result.error ?? '', /plain http is refused/);
    const log = readFileSync(join(jobsDir(), 'http-allowed', 'job.log'), 'utf8');
    assert.match(log, new RegExp(`plain http to ${remoteUrl}: tokens, keys and data travel unencrypted \\(allowed by options.allowInsecureHttp\\)`));
  });

  test('loopback http (the local emulator) needs no override', async () => {
    const result = await runJob(queryToFile('http-loopback', emulator.url), { jobsDir: jobsDir(), secrets: noSecrets });
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(readFileSync(join(dir, 'http-loopback.jsonl'), 'utf8'), '{"x":1}\n');
  });

  test('the CLI flag --allow-insecure-http sets the option in the job it runs', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), 'copy', '--cluster', remoteUrl, '--db', 'Sec', '--query', 'T', '--out', join(dir, 'x.parquet'), '--format', 'parquet', '--allow-insecure-http', '--print-spec'], { cwd: root, encoding: 'utf8' });
    assert.equal((JSON.parse(out) as JobSpec).options?.allowInsecureHttp, true);
    const without = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), 'copy', '--cluster', remoteUrl, '--db', 'Sec', '--query', 'T', '--out', join(dir, 'x.parquet'), '--format', 'parquet', '--print-spec'], { cwd: root, encoding: 'utf8' });
    assert.equal((JSON.parse(without) as JobSpec).options?.allowInsecureHttp, undefined);
  });
});

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('the local emulator listens on loopback only', { skip: external ? false : 'this machine has no non-loopback IPv4 address' }, () => {
  test('its Kusto endpoint, its status-table endpoint and its Azurite answer on 127.0.0.1 and refuse this machine\'s other address', async () => {
    const ports = [emulator.url, emulator.statusTable.url, emulator.azurite.blobUrl, emulator.azurite.queueUrl, emulator.azurite.tableUrl].map((u) => Number(new URL(u).port));
    for (const port of ports) {
      assert.equal(await reachable('127.0.0.1', port), true, `port ${port} answers on loopback`);
      assert.equal(await reachable(external as string, port), false, `port ${port} must not be reachable on ${external}`);
    }
  });
});
