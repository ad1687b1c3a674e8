// Privileges, as the service states them, with the emulator in token mode: a transactional job
// checks the right to move extents into the target before ingesting anything (and cleans up);
// a table admin can stand in for database admin there; a viewer gets a message naming the role.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminToken, startEmulator } from '../emulator/index';
import type { JobContext } from '../../src/engine/jobContext';
import type { JobSpec, KustoTableDestination } from '../../src/engine/jobSpec';
import { runFilesToKusto, type SinkResult } from '../../src/engine/sink/runFilesToKusto';
import { executeManagement, executeManagementRecords } from '../../src/kusto/managementClient';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
let emulator: Emulator;
let dir: string;
const DB = 'Sink';
const BOB = 'aaduser=bob@contoso.com';
const CAROL = 'aaduser=carol@contoso.com';

const admin = { getToken: async () => adminToken() };
const as = (principal: string) => ({ getToken: async () => emulator.tokenFor(principal) });

function spec(id: string, table: string, destination: Partial<KustoTableDestination> = {}): JobSpec {
  return {
    version: 1,
    id,
    createdAt: '2026-01-01T00:00:00Z',
    source: { kind: 'files', location: { kind: 'local', path: join(dir, 'data') } },
    destination: { kind: 'kustoTable', connection: { clusterUrl: emulator.url, database: DB }, table, mode: 'transactional', tableCreation: 'failIfNotExists', statusPollIntervalMs: 20, statusTimeoutMs: 20_000, ...destination },
  };
}

function run(job: JobSpec, principal: string): Promise<SinkResult> {
  const ctx: JobContext = {
    jobId: job.id,
    signal: new AbortController().signal,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
    progress: () => undefined,
    credentials: { resolve: () => undefined },
    jobDir: join(dir, 'jobs', job.id),
  };
  return runFilesToKusto(job, ctx, { tokenProvider: as(principal), statusTableCa: emulator.statusTable.caPem });
}

async function mgmt(command: string): Promise<Array<Record<string, unknown>>> {
  return executeManagementRecords({ clusterUrl: emulator.url, database: DB, tokenProvider: admin }, command);
}

async function count(table: string): Promise<unknown[][]> {
  const [t] = await executeManagement({ clusterUrl: emulator.url, database: DB, tokenProvider: admin }, `${table} | count`, 'v1/rest/query');
  return t?.rows ?? [];
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-sink-priv-'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'a.csv'), 'id,name\n1,x\n2,y\n');
  emulator = await startEmulator({ databases: [DB], auth: 'tokens', ingestionPollMs: 50 });
  await mgmt('.create table Guarded (id:long, name:string)');
  await mgmt(`.add database ${DB} users ('${BOB}')`);
  await mgmt(`.add database ${DB} ingestors ('${BOB}')`);
  await mgmt(`.add database ${DB} viewers ('${CAROL}')`);
});

after(async () => {
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('privileges of a files → Kusto job', () => {
  test('transactional without table admin on the target fails before ingesting, naming the role, and leaves no temp table', async () => {
    await assert.rejects(run(spec('priv-1', 'Guarded'), BOB), /Access denied: this job needs table admin of "Guarded" \(or database admin on "Sink"\) to move the ingested extents into it/);
    assert.deepEqual(await count('Guarded'), [[0]]);
    assert.deepEqual((await mgmt('.show tables')).map((r) => r.TableName), ['Guarded']);
  });

  test('made table admin of the target (still not database admin), the same job succeeds', async () => {
    await mgmt(`.add table Guarded admins ('${BOB}')`);
    const result = await run(spec('priv-2', 'Guarded'), BOB);
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(await count('Guarded'), [[2]]);
  });

  test('a database viewer is told that ingesting needs database ingestor', async () => {
    const job = spec('priv-3', 'Guarded', { mode: 'queued' });
    const outcome = await run(job, CAROL).then(
      (r) => r.error ?? '',
      (err: unknown) => (err as Error).message,
    );
    assert.match(outcome, /database ingestor/);
    assert.deepEqual(await count('Guarded'), [[2]]);
  });
});
