// Kusto → files through `.export` into a staging location opened with the connection's own Entra
// sign-in (BlobLocation authKind "credential"). The engine asks Kusto to write with `;impersonate`;
// the emulator writes as the caller (standing in with its account key) only when the caller holds
// Storage Blob Data Contributor there. The engine then reads the exported files, and writes
// _SUCCESS, with the same sign-in asked for Azure Storage's scope: the real ClientSecretCredential
// against the authority stand-in, the real storage SDK against Azurite over HTTPS with
// `--oauth basic` (which checks each bearer token's issuer, audience and lifetime). Spark reads
// the result.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { createTokenProvider } from '../../src/auth/credentialFactory';
import type { Connection } from '../../src/connections/connection';
import type { JobSpec } from '../../src/engine/jobSpec';
import { runJob } from '../../src/engine/runner';
import { executeManagement, executeManagementRecords } from '../../src/kusto/managementClient';
import type { RunningAuthority } from '../authority/authorityServer';
import { adminToken, type RunningEmulator } from '../emulator/index';
import { type EntraStandIns, startEntraStandIns } from '../helpers/entraStandIns';
import { sparkPython } from '../helpers/toolsCache';

const python = sparkPython();
const TENANT = '5ca1ab1e-1111-2222-3333-444444444444';
const apps = {
  contributor: 'b0000000-0000-0000-0000-000000000001', // database viewer, Storage Blob Data Contributor
  viewerOnly: 'b0000000-0000-0000-0000-000000000002', // database viewer, no role on the storage
};
const fqn = (app: string) => `aadapp=${app};${TENANT}`;
const DB = 'Tests';

describe('export through a staging location opened with the connection\'s Entra sign-in', () => {
  let standIns: EntraStandIns;
  let emulator: RunningEmulator;
  let authority: RunningAuthority;
  let work: string;
  let blobUrl: string;
  let staging: ContainerClient;
  const admin = { getToken: async () => adminToken() };

  const connection = (app: string): Connection => standIns.connection(app, emulator.url);

  function credentialsFor(app: string) {
    const provider = createTokenProvider(connection(app), { secret: async () => `secret-of-${app}` });
    return { resolve: (id: string | undefined) => (id === `conn-${app}` ? provider : undefined) };
  }

  function exportSpec(id: string, app: string, out: string): JobSpec {
    const auth = { kind: 'credential' as const, id: `conn-${app}` };
    return {
      version: 1,
      id,
      createdAt: new Date().toISOString(),
      source: {
        kind: 'kustoQuery',
        connection: { clusterUrl: emulator.url, database: DB, auth },
        query: 'Numbers',
        readMode: 'export',
        staging: { kind: 'blob', url: `${blobUrl}/staging/exports`, authKind: 'credential', credentialId: auth.id },
        keepExportedFiles: true,
      },
      destination: { kind: 'files', location: { kind: 'local', path: out }, format: 'parquet', layout: 'sparkFolder' },
      options: { exportPollMaxIntervalMs: 200, retry: { maxAttempts: 1 } },
    };
  }

  async function blobsUnder(prefix: string): Promise<string[]> {
    const names: string[] = [];
    for await (const b of staging.listBlobsFlat({ prefix })) names.push(b.name);
    return names.sort();
  }

  before(async () => {
    // The staging account: Azurite over HTTPS that takes bearer tokens (and the account key the emulator holds).
    standIns = await startEntraStandIns({
      tenant: TENANT, apps: Object.values(apps), secretOf: (app) => `secret-of-${app}`, container: 'staging',
      emulator: { databases: [DB], storageBlobDataContributors: [fqn(apps.contributor)] }, workPrefix: 'kdm-export-entra-',
    });
    ({ authority, work } = standIns);
    emulator = standIns.emulator as RunningEmulator;
    ({ blobUrl, container: staging } = standIns.storage);
    const mgmt = (command: string) => executeManagementRecords({ clusterUrl: emulator.url, database: DB, tokenProvider: admin }, command);
    await mgmt('.set-or-append Numbers <| range i from 1 to 5000 step 1 | extend s = strcat("v", tostring(i)), t = datetime(2020-01-01T00:00:00.1234567Z) + i * 1s');
    await mgmt(`.add database ${DB} viewers ('${fqn(apps.contributor)}', '${fqn(apps.viewerOnly)}')`);
  });

  after(async () => {
    await standIns?.stop();
  });

  test('a contributor\'s export lands in the Entra staging, is read back with Storage-scoped tokens, and Spark reads every row', async () => {
    const out = join(work, 'numbers');
    const result = await runJob(exportSpec('entra-export-1', apps.contributor, out), { jobsDir: join(work, 'jobs'), credentials: credentialsFor(apps.contributor) });
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(result.readMode, 'export');
    assert.equal(result.rows, 5000);

    // Kusto was asked to write as the caller, and the caller's own token for Storage read the files back.
    const jobLog = readFileSync(join(work, 'jobs', 'entra-export-1', 'job.log'), 'utf8');
    assert.match(jobLog, /;impersonate/);
    const storageTokens = authority.issued.filter((t) => t.clientId === apps.contributor && t.scope.includes('https://storage.azure.com/.default'));
    assert.ok(storageTokens.length >= 1, `scopes asked: ${authority.issued.map((t) => `${t.clientId} ${t.scope}`).join('; ')}`);

    // In staging: the exported Parquet parts and the _SUCCESS the engine wrote, under <prefix>/<db>/<jobId>/.
    const blobs = await blobsUnder(`exports/${DB}/entra-export-1/`);
    assert.ok(blobs.includes(`exports/${DB}/entra-export-1/_SUCCESS`), blobs.join(', '));
    assert.ok(blobs.filter((b) => b.endsWith('.parquet')).length >= 1, blobs.join(', '));
    assert.match(result.snippets?.pyspark ?? '', /abfss:\/\/staging@devstoreaccount1\.dfs\.core\.windows\.net\/exports\/Tests\/entra-export-1/);

    // Locally: a Spark folder, which pyspark reads with exact values.
    const names = readdirSync(out).sort();
    assert.deepEqual(names.slice(0, 2), ['_SUCCESS', '_kdm_output.json']);
    assert.ok(names.length >= 3, names.join(', '));
    const program = `
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1").getOrCreate()
${result.snippets?.pysparkLocal ?? 'raise SystemExit("no snippet")'}
from pyspark.sql import functions as F
r = df.agg(F.count("*"), F.sum("i"), F.min("s"), F.max("t")).collect()[0]
print(r[0], r[1], r[2], r[3].isoformat())
spark.stop()
`;
    const printed = execFileSync(python, ['-c', program], { env: { ...process.env, SPARK_LOCAL_IP: '127.0.0.1', PYSPARK_PYTHON: python }, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().split('\n').at(-1);
    // 1 + ... + 5000 = 12,502,500; the last t is 5000 s after 00:00:00.1234567, at microsecond precision.
    assert.equal(printed, '5000 12502500 v1 2020-01-01T01:23:20.123456');
  });

  test('an identity without Storage Blob Data Contributor is refused by the storage: the job fails naming the role, and nothing is written', async () => {
    const out = join(work, 'refused');
    const result = await runJob(exportSpec('entra-export-2', apps.viewerOnly, out), { jobsDir: join(work, 'jobs'), credentials: credentialsFor(apps.viewerOnly) });
    assert.equal(result.state, 'failed');
    assert.match(result.error ?? '', /Storage Blob Data Contributor/);
    assert.match(result.error ?? '', new RegExp(`aadapp=${apps.viewerOnly}`));
    assert.doesNotMatch(result.error ?? '', /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(out), false, 'no output');
    assert.deepEqual((await blobsUnder(`exports/${DB}/entra-export-2/`)).filter((b) => b.endsWith('.parquet')), [], 'no exported file');
  });

  test('the emulator refuses `;impersonate` to a storage account it holds no key for, with a clear message', async () => {
    const token = { getToken: async () => emulator.tokenFor(fqn(apps.contributor)) };
    await assert.rejects(
      executeManagement({ clusterUrl: emulator.url, database: DB, tokenProvider: token }, '.export to csv (h@"https://elsewhere.blob.core.windows.net/c/dir;impersonate") <| Numbers | take 1'),
      /holds no key for storage account 'elsewhere'/,
    );
  });
});
