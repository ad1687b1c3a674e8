// The export read mode against the emulator and its Azurite: auto mode estimates the rows and
// chooses export, Kusto's .export writes Parquet into the staging container, the job marks it
// with _SUCCESS, downloads it into a local Spark folder, and the generated PySpark snippet reads it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobSpec } from '../../src/engine/jobSpec';
import { runJob } from '../../src/engine/runner';
import { executeManagement } from '../../src/kusto/managementClient';
import { createStagingContainer, type StagingContainer } from '../helpers/azurite';
import { startEmulator } from '../emulator/index';
import { sparkPython } from '../helpers/toolsCache';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

const python = sparkPython();
const DB = 'Tests';
let emulator: Emulator;
let work: string;
let staging: StagingContainer;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'kdm-export-'));
  emulator = await startEmulator({ auth: 'open', databases: [DB] });
  staging = await createStagingContainer(emulator.azurite.blobUrl);
  await executeManagement({ clusterUrl: emulator.url, database: DB }, '.set-or-append Numbers <| range i from 1 to 5000 step 1 | extend s = strcat("v", tostring(i)), t = datetime(2020-01-01T00:00:00.1234567Z) + i * 1s');
});
after(async () => {
  await emulator?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('Kusto → files through .export (emulator + Azurite)', () => {
  test('auto mode exports a large result, leaves the files and _SUCCESS in staging, downloads them, and the PySpark snippet reads them', async () => {
    const out = join(work, 'numbers');
    const spec: JobSpec = {
      version: 1,
      id: 'export-1',
      createdAt: new Date().toISOString(),
      source: {
        kind: 'kustoQuery',
        connection: { clusterUrl: emulator.url, database: DB },
        query: 'Numbers',
        readMode: 'auto',
        exportThresholdRows: 1000,
        staging: { kind: 'blob', url: `${staging.url}/exports`, secretRef: 'env:KDM_TEST_STAGING_SAS', authKind: 'sas' },
        // Kept, so the staging folder and its snippet can be checked (by default it is deleted on success).
        keepExportedFiles: true,
      },
      destination: { kind: 'files', location: { kind: 'local', path: out }, format: 'parquet', layout: 'sparkFolder' },
      options: { exportPollMaxIntervalMs: 200, estimateTimeoutMs: 5000 },
    };
    const logs: string[] = [];
    const result = await runJob(spec, {
      jobsDir: join(work, 'jobs'),
      secrets: { resolve: async (ref) => (ref === 'env:KDM_TEST_STAGING_SAS' ? staging.sas : undefined) },
      log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m), debug: (m) => logs.push(m) },
    });
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(result.readMode, 'export');
    assert.equal(result.rows, 5000);
    const journal = JSON.parse(await readFile(join(work, 'jobs', 'export-1', 'journal.json'), 'utf8')) as { estimatedRows?: number };
    assert.equal(journal.estimatedRows, 5000);

    // In staging: the exported Parquet parts and _SUCCESS, under <prefix>/<db>/<jobId>/.
    const blobs: string[] = [];
    for await (const b of staging.container.listBlobsFlat({ prefix: 'exports/Tests/export-1/' })) blobs.push(b.name);
    assert.ok(blobs.includes('exports/Tests/export-1/_SUCCESS'), blobs.join(', '));
    assert.ok(blobs.filter((b) => b.endsWith('.parquet')).length >= 1, blobs.join(', '));

    // Locally: a Spark folder with the downloaded parts.
    const names = (await readdir(out)).sort();
    assert.deepEqual(names.slice(0, 2), ['_SUCCESS', '_kdm_output.json']);
    assert.ok(names.length >= 3, names.join(', '));
    assert.deepEqual(names.slice(2), names.slice(2).map((_, i) => `part-${String(i).padStart(5, '0')}-export-1-c000.snappy.parquet`));

    // Neither the log nor the snippets hold the SAS signature.
    const signature = new URLSearchParams(staging.sas).get('sig') as string;
    for (const text of [logs.join('\n'), JSON.stringify(result.snippets), await readFile(join(work, 'jobs', 'export-1', 'job.log'), 'utf8')]) {
      assert.ok(!text.includes(signature), 'a secret leaked');
      assert.ok(!text.includes(encodeURIComponent(signature)), 'a secret leaked (URL-encoded)');
    }
    assert.match(result.snippets?.pyspark ?? '', /abfss:\/\/staging@devstoreaccount1\.dfs\.core\.windows\.net\/exports\/Tests\/export-1/);

    // The generated local PySpark snippet, run by pyspark, reads every row with exact values.
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
    assert.equal(printed, '5000 12502500 v1 2020-01-01T01:23:20.123456');
  });
});
