// Files → Kusto from a blob folder opened with a connection's Entra sign-in (BlobLocation authKind
// "credential"): a Spark-written partitioned Parquet folder in Azurite (HTTPS, `--oauth basic`)
// behind a stand-in for Storage's role checks (test/helpers/storageRoleProxy.ts) on an account
// whose shared key access is disabled, so only the sign-in reaches the data: the real
// ClientSecretCredential against the authority stand-in, asked for Storage's scope, lists and reads
// the footers; Kusto (the emulator, tokens mode) reads each file by a user delegation SAS signed
// with that sign-in. In-process, in a job process (the extension's job host, the blob location
// signing in as another connection than the cluster's), and from the CLI; and an identity without
// Storage Blob Data Reader is refused naming the role and the account, before anything changes.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { createTokenProvider } from '../../src/auth/credentialFactory';
import type { Connection } from '../../src/connections/connection';
import type { CredentialResolver } from '../../src/engine/jobContext';
import type { JobSpec } from '../../src/engine/jobSpec';
import { runJob } from '../../src/engine/runner';
import { JobProcess } from '../../src/jobHost/jobProcessClient';
import { storageCredentialIdsOf } from '../../src/jobHost/journalReader';
import { executeManagement, executeManagementRecords } from '../../src/kusto/managementClient';
import type { RunningAuthority } from '../authority/authorityServer';
import { emulatorCertificate } from '../emulator/ingest/selfSignedCert';
import { adminToken, type RunningEmulator } from '../emulator/index';
import { AZURITE_ACCOUNT } from '../helpers/azurite';
import { type EntraStandIns, startEntraStandIns } from '../helpers/entraStandIns';
import { type StorageRoleProxy, startStorageRoleProxy } from '../helpers/storageRoleProxy';
import { sparkPython } from '../helpers/toolsCache';

const root = resolve(__dirname, '..', '..');
const python = sparkPython();
const TENANT = '0b1e0000-1111-2222-3333-444444444444';
const apps = {
  reader: 'c0000000-0000-0000-0000-000000000001', // Storage Blob Data Reader on the account; ingestor and user in Kusto
  kustoOnly: 'c0000000-0000-0000-0000-000000000002', // ingestor and user in Kusto, no role on the storage
};
const fqn = (app: string): string => `aadapp=${app};${TENANT}`;
const secretOf = (app: string): string => `secret/of+${app}==`;
const DB = 'Lake';

/**
 * What Spark wrote, summed by hand (literal constants, not read back): ids 1..3000;
 * sum(id) = 3000 * 3001 / 2; amount = id / 4; name = "n<id>" (9 * 2 + 90 * 3 + 900 * 4 + 2001 * 5
 * characters); p = id % 3 (1000 rows each); ts = 2024-01-01T00:00:00Z + id seconds.
 */
const EXPECTED = [[3000, 4501500, 1125375, 13893, 3000, '2024-01-01T00:00:01Z', '2024-01-01T00:50:00Z']];
const CHECKSUM = 'summarize n = count(), ids = sum(id), amounts = sum(amount), chars = sum(strlen(name)), ps = sum(p), earliest = min(ts), latest = max(ts)';

describe('files → Kusto from a blob folder opened with the connection\'s Entra sign-in', () => {
  let standIns: EntraStandIns;
  let emulator: RunningEmulator;
  let authority: RunningAuthority;
  let proxy: StorageRoleProxy;
  let work: string;
  let lake: ContainerClient;
  let sparkFiles: string[];

  const connection = (app: string): Connection => standIns.connection(app, emulator.url);

  /** The front end's resolver: each saved connection its own provider, as the window's are. */
  function credentialsFor(...ids: string[]): CredentialResolver {
    const providers = new Map(ids.map((app) => [`conn-${app}`, createTokenProvider(connection(app), { secret: async () => secretOf(app) })]));
    return {
      resolve: (id) => {
        if (id === undefined) return undefined;
        if (!providers.has(id)) throw new Error(`unknown connection "${id}"`);
        return providers.get(id);
      },
    };
  }

  /** The blob folder signs in as `storageApp`, the cluster as `kustoApp`; no secretRef anywhere. */
  function spec(id: string, table: string, storageApp: string, kustoApp = storageApp): JobSpec {
    return {
      version: 1,
      id,
      createdAt: new Date().toISOString(),
      source: { kind: 'files', location: { kind: 'blob', url: `${proxy.serviceUrl}/lake/events`, authKind: 'credential', credentialId: `conn-${storageApp}` } },
      destination: {
        kind: 'kustoTable', connection: { clusterUrl: emulator.url, database: DB, auth: { kind: 'credential', id: `conn-${kustoApp}` } }, table,
        mode: 'queued', tableCreation: 'createIfNotExists', statusPollIntervalMs: 50, statusTimeoutMs: 60_000,
      },
      options: { retry: { maxAttempts: 2, initialDelayMs: 10 } },
    };
  }

  const mgmt = (command: string) => executeManagementRecords({ clusterUrl: emulator.url, database: DB, tokenProvider: { getToken: async () => adminToken() } }, command);

  async function rows(query: string): Promise<unknown[][]> {
    const [table] = await executeManagement({ clusterUrl: emulator.url, database: DB, tokenProvider: { getToken: async () => adminToken() } }, query, 'v1/rest/query');
    return table?.rows ?? [];
  }

  async function tables(): Promise<string[]> {
    return (await mgmt('.show tables')).map((r) => String(r.TableName));
  }

  /** Every file a job left in its folder: no SAS signature, no client secret. */
  function assertNoSecretIn(jobDir: string): void {
    for (const name of (readdirSync(jobDir, { recursive: true }) as string[]).filter((n) => statSync(join(jobDir, n)).isFile())) {
      const text = readFileSync(join(jobDir, name), 'utf8');
      assert.doesNotMatch(text, /sig=(?!\*)[A-Za-z0-9%+/]{8,}/, `${name} holds a SAS signature`);
      for (const app of Object.values(apps)) assert.ok(!text.includes(secretOf(app)), `${name} holds a client secret`);
    }
  }

  /** Kusto read every Spark file by a user delegation SAS; no key, no account SAS; bearer tokens only of `app`. */
  function assertReadThroughSignIn(app: string, from: number): void {
    const seen = proxy.seen.slice(from);
    const fetchedByKusto = seen.filter((s) => s.auth === 'delegationSas' && s.method === 'GET' && s.status === 200).map((s) => decodeURIComponent(s.path).replace(`/${AZURITE_ACCOUNT}/lake/events/`, ''));
    for (const file of sparkFiles) assert.ok(fetchedByKusto.includes(file), `Kusto read ${file} by a delegation SAS (${fetchedByKusto.join(', ')})`);
    assert.deepEqual(seen.filter((s) => s.auth === 'sharedKey' || s.auth === 'serviceSas'), [], 'no account key, no SAS signed with one');
    assert.deepEqual([...new Set(seen.filter((s) => s.auth === 'bearer').map((s) => s.principal))], [fqn(app)]);
  }

  before(async () => {
    standIns = await startEntraStandIns({ tenant: TENANT, apps: Object.values(apps), secretOf, container: 'lake', emulator: { databases: [DB], ingestionPollMs: 50 }, workPrefix: 'kdm-blob-entra-' });
    emulator = standIns.emulator as RunningEmulator;
    ({ authority, work } = standIns);
    // The job process and the CLI trust the same loopback certificate (code-server's NODE_EXTRA_CA_CERTS).
    process.env.NODE_EXTRA_CA_CERTS = emulator.statusTable.caPemPath;
    // The test's own hands on the data (straight to Azurite with the key): put the folder there.
    lake = standIns.storage.container;
    const pair = emulatorCertificate();
    const azuriteUrl = standIns.storage.serviceUrl;
    proxy = await startStorageRoleProxy({ azuriteUrl, account: AZURITE_ACCOUNT, certPem: pair.certPem, keyPem: pair.keyPem });
    proxy.grant(fqn(apps.reader), 'reader');

    // Spark writes the folder: part files per partition, _SUCCESS, .crc files, INT96 timestamps.
    const folder = join(work, 'events');
    execFileSync(python, ['-c', `
import sys
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1").config("spark.sql.session.timeZone", "UTC").getOrCreate()
df = spark.range(1, 3001).select(F.col("id"), F.concat(F.lit("n"), F.col("id").cast("string")).alias("name"), (F.col("id") / 4).alias("amount"),
    F.timestamp_seconds(F.lit(1704067200) + F.col("id")).alias("ts"), (F.col("id") % 3).alias("p"))
df.repartition(2).write.partitionBy("p").parquet(sys.argv[1])
spark.stop()
`, folder], { env: { ...process.env, SPARK_LOCAL_IP: '127.0.0.1', PYSPARK_PYTHON: python }, stdio: ['ignore', 'ignore', 'inherit'] });
    // Relative paths with "/" (Spark's partition folders), files only.
    const written = (readdirSync(folder, { recursive: true }) as string[]).filter((name) => statSync(join(folder, name)).isFile()).map((name) => name.split(sep).join('/'));
    for (const name of written) {
      const body = readFileSync(join(folder, name));
      await lake.getBlockBlobClient(`events/${name}`).upload(body, body.length);
    }
    sparkFiles = written.filter((n) => /(^|\/)part-.*\.parquet$/.test(n)).sort();
    assert.ok(sparkFiles.length >= 3, `Spark wrote part files in three partitions: ${written.join(', ')}`);
    assert.ok(written.includes('_SUCCESS') && written.some((n) => n.endsWith('.crc')), written.join(', '));

    for (const app of Object.values(apps)) await mgmt(`.add database ${DB} users ('${fqn(app)}')`);
    for (const app of Object.values(apps)) await mgmt(`.add database ${DB} ingestors ('${fqn(app)}')`);
  });

  after(async () => {
    await proxy?.stop();
    await standIns?.stop();
  });

  test('in-process: every row lands exactly (count and checksum), read by Kusto with a delegation SAS of the sign-in, no secret kept', async () => {
    const from = proxy.seen.length;
    const result = await runJob(spec('entra-source-1', 'Events', apps.reader), { jobsDir: join(work, 'jobs'), credentials: credentialsFor(apps.reader, apps.kustoOnly) });
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(result.files.slice().sort(), sparkFiles);
    assert.deepEqual(await rows(`Events | ${CHECKSUM}`), EXPECTED);
    assert.deepEqual(await rows('Events | summarize n = count() by p | order by p asc'), [[0, 1000], [1, 1000], [2, 1000]]);
    assertReadThroughSignIn(apps.reader, from);
    // The listing and the delegation key asked the authority for Storage's scope, as the reader.
    assert.ok(authority.issued.some((t) => t.clientId === apps.reader && t.scope.includes('https://storage.azure.com/.default')));
    assertNoSecretIn(join(work, 'jobs', 'entra-source-1'));
  });

  test('in a job process: the blob folder signs in as its own connection, the cluster as another; the window answers each by id', async () => {
    const entry = join(root, 'dist', 'jobProcess.js');
    assert.ok(existsSync(entry), 'dist/jobProcess.js is built (npm run build)');
    const from = proxy.seen.length;
    const hostedSpec = spec('entra-source-2', 'EventsHosted', apps.reader, apps.kustoOnly);
    const job = new JobProcess({
      entry, jobsDir: join(work, 'jobs'), request: { kind: 'run', spec: hostedSpec },
      authId: `conn-${apps.kustoOnly}`, storageCredentialIds: storageCredentialIdsOf(hostedSpec), credentials: credentialsFor(apps.reader, apps.kustoOnly),
    });
    const { result } = await job.result;
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(await rows(`EventsHosted | ${CHECKSUM}`), EXPECTED);
    // Storage saw only the folder's connection (the cluster's identity holds no role there).
    assertReadThroughSignIn(apps.reader, from);
    assert.ok(!authority.issued.some((t) => t.clientId === apps.kustoOnly && t.scope.includes('storage.azure.com')), 'the cluster\'s identity was never asked for Storage');
    assertNoSecretIn(join(work, 'jobs', 'entra-source-2'));
  });

  test('from the CLI: a job file and --auth app-secret (the secret from the environment): --plan lists the folder, the run ingests the same rows', async () => {
    const cli = join(root, 'dist', 'cli.js');
    assert.ok(existsSync(cli), 'dist/cli.js is built (npm run build)');
    const from = proxy.seen.length;
    const jobFile = join(work, 'entra-cli.json');
    writeFileSync(jobFile, JSON.stringify(spec('entra-source-3', 'EventsCli', apps.reader)));
    const copy = (...extra: string[]) => new Promise<{ status: number; stdout: string; stderr: string }>((done) => {
      execFile(process.execPath, [cli, 'copy', jobFile, '--jobs-dir', join(work, 'jobs'), '--progress', 'none', '--auth', 'app-secret', '--tenant', TENANT, '--client-id', apps.reader, '--authority-host', authority.url, ...extra],
        { encoding: 'utf8', timeout: 180_000, env: { ...process.env, KUSTO_ACCESS_TOKEN: '', KDM_CLIENT_SECRET: secretOf(apps.reader) } },
        (err, stdout, stderr) => done({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
    // The dry run lists the folder with the same sign-in as the run.
    const plan = await copy('--plan');
    assert.equal(plan.status, 0, plan.stderr + plan.stdout);
    assert.deepEqual((JSON.parse(plan.stdout) as { files: Array<{ relativePath: string }> }).files.map((f) => f.relativePath).sort(), sparkFiles);
    const run = await copy();
    assert.equal(run.status, 0, run.stderr + run.stdout);
    assert.match(run.stdout, new RegExp(`Done: ${sparkFiles.length} files ingested`));
    assert.deepEqual(await rows(`EventsCli | ${CHECKSUM}`), EXPECTED);
    assertReadThroughSignIn(apps.reader, from);
    assertNoSecretIn(join(work, 'jobs', 'entra-source-3'));
  });

  test('an identity without Storage Blob Data Reader: the job fails naming the role, the account and the identity; no table is created', async () => {
    const result = await runJob(spec('entra-source-4', 'Refused', apps.kustoOnly), { jobsDir: join(work, 'jobs'), credentials: credentialsFor(apps.kustoOnly) });
    assert.equal(result.state, 'failed');
    assert.equal(result.errorCode, 'StorageAccessDenied');
    assert.match(result.error ?? '', /needs the Storage Blob Data Reader role on the storage account 'devstoreaccount1'/);
    assert.ok((result.error ?? '').includes(fqn(apps.kustoOnly)), result.error);
    assert.match(result.error ?? '', /AuthorizationPermissionMismatch/);
    assert.doesNotMatch(result.error ?? '', /\n\s+at /, 'no stack trace');
    assert.ok(!(await tables()).includes('Refused'), 'nothing changed in the cluster');
  });

  test('no sign-in given for the folder\'s connection: the message says how to give one, not that it has none', async () => {
    const result = await runJob(spec('entra-source-5', 'NoSignIn', apps.reader), { jobsDir: join(work, 'jobs'), credentials: { resolve: () => undefined } });
    assert.equal(result.state, 'failed');
    assert.match(result.error ?? '', new RegExp(`opens with the sign-in of connection "conn-${apps.reader}", and this run was given no sign-in for it: from the CLI, pass --auth`));
  });
});
