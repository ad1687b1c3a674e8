// Pre-flight privileges through the engine's runner: identities signed in by the real
// ClientSecretCredential against the authority stand-in, roles held in the emulator (tokens mode).
// A job that lacks a role fails before any data moves, naming the role, the database or table, the
// identity and the grant command; a table admin stands in where the service lets it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { createTokenProvider } from '../../src/auth/credentialFactory';
import type { Connection } from '../../src/connections/connection';
import type { JobSpec, KustoTableDestination } from '../../src/engine/jobSpec';
import { runJob } from '../../src/engine/runner';
import { executeManagement, executeManagementRecords } from '../../src/kusto/managementClient';
import { startAuthority, type RunningAuthority } from '../authority/authorityServer';
import { adminToken, startEmulator, trustEmulatorCertificate } from '../emulator/index';

const TENANT = 'f00dbabe-1111-2222-3333-444444444444';
const apps = {
  viewer: 'a0000000-0000-0000-0000-000000000001',
  ingestorOnly: 'a0000000-0000-0000-0000-000000000002',
  writer: 'a0000000-0000-0000-0000-000000000003', // viewer + ingestor, no user
  tableAdmin: 'a0000000-0000-0000-0000-000000000004', // user + ingestor + admin of table Orders (not database admin)
  nobody: 'a0000000-0000-0000-0000-000000000005',
};
const fqn = (app: string) => `aadapp=${app};${TENANT}`;
let emulator: Awaited<ReturnType<typeof startEmulator>>;
let authority: RunningAuthority;
let work: string;

const admin = { getToken: async () => adminToken() };
const mgmt = (command: string) => executeManagementRecords({ clusterUrl: emulator.url, database: 'Sales', tokenProvider: admin }, command);

function credentialsFor(app: string) {
  const connection: Connection = { id: `conn-${app}`, name: app, clusterUrl: emulator.url, auth: { kind: 'appSecret', tenantId: TENANT, clientId: app, authorityHost: authority.url } };
  const provider = createTokenProvider(connection, { secret: async () => `secret-of-${app}` });
  return { resolve: (id: string | undefined) => (id === connection.id ? provider : undefined) };
}

function ingestSpec(id: string, app: string, destination: Partial<KustoTableDestination> = {}): JobSpec {
  return {
    version: 1,
    id,
    createdAt: '2026-01-01T00:00:00Z',
    source: { kind: 'files', location: { kind: 'local', path: join(work, 'data') }, format: 'csv' },
    destination: { kind: 'kustoTable', connection: { clusterUrl: emulator.url, database: 'Sales', auth: { kind: 'credential', id: `conn-${app}` } }, table: 'Orders', mode: 'queued', tableCreation: 'failIfNotExists', statusPollIntervalMs: 20, statusTimeoutMs: 20_000, ...destination },
    options: { retry: { maxAttempts: 1 } },
  };
}

async function orderCount(): Promise<unknown> {
  const [t] = await executeManagement({ clusterUrl: emulator.url, database: 'Sales', tokenProvider: admin }, 'Orders | count', 'v1/rest/query');
  return t?.rows[0]?.[0];
}

async function blobCount(): Promise<number> {
  const service = BlobServiceClient.fromConnectionString(emulator.azurite.connectionString);
  let n = 0;
  for await (const c of service.listContainers()) for await (const _ of service.getContainerClient(c.name).listBlobsFlat()) n++;
  return n;
}

async function run(spec: JobSpec, app: string) {
  return runJob(spec, { jobsDir: join(work, 'jobs'), credentials: credentialsFor(app) });
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kdm-preflight-'));
  mkdirSync(join(work, 'data'));
  writeFileSync(join(work, 'data', 'orders.csv'), 'id,item\n1,apple\n2,pear\n');
  emulator = await startEmulator({ databases: ['Sales'], auth: 'tokens', ingestionPollMs: 50 });
  trustEmulatorCertificate(emulator);
  authority = await startAuthority({ apps: Object.values(apps).map((clientId) => ({ clientId, tenantId: TENANT, secret: `secret-of-${clientId}` })) });
  await mgmt('.create table Orders (id:long, item:string)');
  await mgmt(`.add database Sales viewers ('${fqn(apps.viewer)}', '${fqn(apps.writer)}')`);
  await mgmt(`.add database Sales ingestors ('${fqn(apps.ingestorOnly)}', '${fqn(apps.writer)}', '${fqn(apps.tableAdmin)}')`);
  await mgmt(`.add database Sales users ('${fqn(apps.tableAdmin)}')`);
  await mgmt(`.add table Orders admins ('${fqn(apps.tableAdmin)}')`);
});

after(async () => {
  await authority?.stop();
  await emulator?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('pre-flight privileges', () => {
  test('a viewer-only identity is refused a queued ingest before any file is uploaded, with the grant command', async () => {
    const before = await blobCount();
    const result = await run(ingestSpec('pf-viewer', apps.viewer), apps.viewer);
    assert.equal(result.state, 'failed');
    assert.equal(result.errorCode, 'MissingPrivilege');
    assert.match(result.error ?? '', /Access denied before any data moved/);
    assert.match(result.error ?? '', new RegExp(`aadapp=${apps.viewer};${TENANT} lacks database ingestor on "Sales" to ingest into table "Orders"`));
    assert.ok(result.error?.includes(`.add database ['Sales'] ingestors ('${fqn(apps.viewer)}')`), result.error);
    assert.equal(await blobCount(), before, 'nothing was uploaded');
    assert.equal(await orderCount(), 0);
  });

  test('an ingestor that is not a viewer is told it needs viewer to read the schema (as the service\'s ADF sink)', async () => {
    const result = await run(ingestSpec('pf-ingestor', apps.ingestorOnly), apps.ingestorOnly);
    assert.match(result.error ?? '', /database viewer on "Sales" to read the schema of table "Orders"/);
    assert.ok(result.error?.includes(`.add database ['Sales'] viewers ('${fqn(apps.ingestorOnly)}')`));
  });

  test('creating a missing table needs database user; a job that does not create tables says the table is missing', async () => {
    const create = await run(ingestSpec('pf-create', apps.writer, { table: 'NewOrders', tableCreation: 'createIfNotExists' }), apps.writer);
    assert.match(create.error ?? '', /database user on "Sales" to create table "NewOrders"; grant: \.add database \['Sales'\] users/);
    const fail = await run(ingestSpec('pf-missing', apps.writer, { table: 'NewOrders' }), apps.writer);
    assert.match(fail.error ?? '', /Table "NewOrders" does not exist in database "Sales"/);
  });

  test('transactional into a table the identity does not administer names table admin and the table grant', async () => {
    const result = await run(ingestSpec('pf-tx', apps.writer, { mode: 'transactional' }), apps.writer);
    assert.match(result.error ?? '', /table admin on "Sales" table "Orders" to move the ingested extents/);
    assert.ok(result.error?.includes(`.add table ['Orders'] admins ('${fqn(apps.writer)}')`));
  });

  test('a table admin (not database admin) passes the check and the transactional job lands its rows', async () => {
    const result = await run(ingestSpec('pf-tx-ok', apps.tableAdmin, { mode: 'transactional' }), apps.tableAdmin);
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(await orderCount(), 2);
  });

  test('a query job by an identity with no role in the database names database viewer', async () => {
    const spec: JobSpec = {
      version: 1,
      id: 'pf-query',
      createdAt: '2026-01-01T00:00:00Z',
      source: { kind: 'kustoQuery', connection: { clusterUrl: emulator.url, database: 'Sales', auth: { kind: 'credential', id: `conn-${apps.nobody}` } }, query: 'Orders', readMode: 'stream' },
      destination: { kind: 'files', location: { kind: 'local', path: join(work, 'out.csv') }, format: 'csv', layout: 'singleFile' },
    };
    const result = await run(spec, apps.nobody);
    assert.match(result.error ?? '', /lacks database viewer on "Sales" to run the query; grant: \.add database \['Sales'\] viewers/);
  });
});
