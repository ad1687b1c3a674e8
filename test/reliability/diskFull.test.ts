// Kusto → files into a destination that fills up (a 128 KiB tmpfs) or is read-only (a tmpfs
// mounted ro), in each write path: query → JSON lines file, query → Parquet Spark folder, and
// query → .export → download into a Spark folder. Each must fail with a clear message naming the
// cause, remove its temp files, publish nothing, and leave what was there before untouched.
// It needs `mount` (root, or a container that allows tmpfs); elsewhere it is skipped and says why,
// except under CI, where a missing mount fails the suite instead of hiding it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobSpec } from '../../src/engine/jobSpec';
import { runJob } from '../../src/engine/runner';
import { executeManagement } from '../../src/kusto/managementClient';
import { startEmulator, trustEmulatorCertificate } from '../emulator/index';
import { createStagingContainer, type StagingContainer } from '../helpers/azurite';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
const DB = 'DiskFull';
let emulator: Emulator;
let staging: StagingContainer;
let dir: string;
const mounts: string[] = [];

/** Mounts a tmpfs of `size` at a new folder; the reason it cannot, otherwise. */
function mountTmpfs(name: string, options: string): string | Error {
  const at = join(dir, name);
  mkdirSync(at, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', at], { stdio: 'pipe' });
    mounts.push(at);
    return at;
  } catch (err) {
    return new Error(`cannot mount a tmpfs here (${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()})`);
  }
}

const canMount = ((): string | undefined => {
  const probe = mkdtempSync(join(tmpdir(), 'kdm-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `mount is not permitted here: ${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()}`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
})();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-disk-full-'));
  if (canMount) {
    if (process.env.CI === 'true') throw new Error(`the disk-full tests need tmpfs mounts under CI: ${canMount}`);
    return;
  }
  emulator = await startEmulator({ databases: [DB], auth: 'open', ingestionPollMs: 50 });
  trustEmulatorCertificate(emulator);
  staging = await createStagingContainer(emulator.azurite.blobUrl);
  // 6,000 rows of ~140 bytes of hex (compresses to about half): ~850 KB as JSON lines, and still
  // well over the 128 KiB tmpfs as the exported (compressed) Parquet.
  const hex = (n: number): string => createHash('sha256').update(String(n)).digest('hex') + createHash('sha256').update(`${n}.`).digest('hex');
  for (let chunk = 0; chunk < 6; chunk++) {
    const rows = Array.from({ length: 1000 }, (_, i) => `${chunk * 1000 + i + 1}, "${hex(chunk * 1000 + i)}"`).join(',\n');
    await executeManagement({ clusterUrl: emulator.url, database: DB }, `.set-or-append Big <| datatable(id:long, name:string)[${rows}]`);
  }
});

after(async () => {
  for (const at of mounts.reverse()) {
    try { execFileSync('umount', [at], { stdio: 'pipe' }); } catch { /* reported by the test that mounted it */ }
  }
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Path = 'stream → JSON lines file' | 'stream → Parquet Spark folder' | 'export → Parquet Spark folder';

function spec(id: string, path: Path, out: string): JobSpec {
  const connection = { clusterUrl: emulator.url, database: DB };
  return {
    version: 1, id, createdAt: '2026-01-01T00:00:00Z',
    source: path.startsWith('export')
      ? { kind: 'kustoQuery', connection, query: 'Big', readMode: 'export', staging: { kind: 'blob', url: `${staging.url}/exports-${id}`, secretRef: 'env:KDM_TEST_STAGING_SAS', authKind: 'sas' } }
      : { kind: 'kustoQuery', connection, query: 'Big', readMode: 'stream' },
    destination: path.endsWith('file')
      ? { kind: 'files', location: { kind: 'local', path: out }, format: 'json', layout: 'singleFile' }
      : { kind: 'files', location: { kind: 'local', path: out }, format: 'parquet', layout: 'sparkFolder', compression: 'none' },
    options: { retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 }, exportPollMaxIntervalMs: 100, estimateTimeoutMs: 5000 },
  };
}

const options = () => ({ jobsDir: join(dir, 'jobs'), secrets: { resolve: async (ref: string) => (ref === 'env:KDM_TEST_STAGING_SAS' ? staging.sas : undefined) } });

/** Every entry under `at`, recursively (hidden temp names included). */
function entries(at: string): string[] {
  return readdirSync(at, { recursive: true, withFileTypes: false }).map(String).sort();
}

const PATHS: Path[] = ['stream → JSON lines file', 'stream → Parquet Spark folder', 'export → Parquet Spark folder'];

describe('a destination that fills up or is read-only', { skip: process.env.CI === 'true' ? false : canMount }, () => {
  for (const [i, path] of PATHS.entries()) {
    test(`disk full, ${path}: a clear "no space" error, temp files removed, nothing published, the user's file untouched`, async () => {
      const at = mountTmpfs(`full-${i}`, 'size=128k');
      assert.ok(typeof at === 'string', String(at));
      writeFileSync(join(at, 'keep.txt'), 'the user\'s own file\n');
      const out = join(at, path.endsWith('file') ? 'out.jsonl' : 'out');
      const result = await runJob(spec(`full-${i}`, path, out), options());
      assert.equal(result.state, 'failed', 'a job that ran out of space must fail');
      // The cause, where, and what to do (not a bare "ENOSPC: no space left on device, write").
      assert.match(result.error ?? '', new RegExp(`cannot write to ${at.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the disk is full \\(ENOSPC\\)`), `the message names the cause and the place: ${result.error}`);
      assert.match(result.error ?? '', /free some space there or choose another destination/i, `the message says what to do: ${result.error}`);
      assert.doesNotMatch(result.error ?? '', /\n\s+at .+:\d+:\d+/, 'no stack trace');
      assert.equal(existsSync(out), false, 'nothing published under the final name');
      assert.deepEqual(entries(at), ['keep.txt'], 'temp files removed, nothing else left');
      assert.equal(readFileSync(join(at, 'keep.txt'), 'utf8'), 'the user\'s own file\n');
      assert.ok(statfsSync(at).bfree > 0, 'the space the job used is given back');
    });
  }

  for (const [i, path] of PATHS.entries()) {
    test(`read-only destination, ${path}: a clear "read-only" error, nothing published`, async () => {
      const at = mountTmpfs(`ro-${i}`, 'size=128k');
      assert.ok(typeof at === 'string', String(at));
      writeFileSync(join(at, 'keep.txt'), 'the user\'s own file\n');
      execFileSync('mount', ['-o', 'remount,ro', at], { stdio: 'pipe' });
      const out = join(at, path.endsWith('file') ? 'out.jsonl' : 'out');
      const result = await runJob(spec(`ro-${i}`, path, out), options());
      assert.equal(result.state, 'failed');
      // Node reports a recursive mkdir on a read-only file system as ENOENT: the message must not.
      assert.match(result.error ?? '', new RegExp(`cannot write to ${at.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: it is on a read-only file system \\(EROFS\\)`), `the message names the cause and the place: ${result.error}`);
      assert.match(result.error ?? '', /choose a destination you can write to/i, `the message says what to do: ${result.error}`);
      assert.doesNotMatch(result.error ?? '', /\n\s+at .+:\d+:\d+/, 'no stack trace');
      assert.equal(existsSync(out), false);
      assert.deepEqual(entries(at), ['keep.txt']);
    });
  }
});
