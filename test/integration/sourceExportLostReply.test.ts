// The export read mode when the reply to `.export async` is lost after the service started the
// export (emulator fault: the connection is cut before any byte of the reply): the job must not
// start a second export into the same staging folder. The staged Parquet files hold every row
// exactly once under one `_SUCCESS`, and the generated PySpark snippet reads each row once.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
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
const ROWS = 4000;
let emulator: Emulator;
let work: string;
let staging: StagingContainer;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'kdm-export-lost-'));
  emulator = await startEmulator({ auth: 'open', databases: [DB] });
  staging = await createStagingContainer(emulator.azurite.blobUrl);
  await executeManagement({ clusterUrl: emulator.url, database: DB }, `.set-or-append Numbers <| range i from 1 to ${ROWS} step 1 | extend s = strcat("v", tostring(i))`);
});
after(async () => {
  await emulator?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Rows in each staged Parquet file, as an independent reader (hyparquet) counts them from the footers. */
async function stagedParquetRows(prefix: string): Promise<{ names: string[]; rows: number }> {
  const { parquetMetadata } = await import('hyparquet');
  const names: string[] = [];
  let rows = 0;
  for await (const blob of staging.container.listBlobsFlat({ prefix })) {
    names.push(blob.name.slice(prefix.length));
    if (!blob.name.endsWith('.parquet')) continue;
    const bytes = await staging.container.getBlobClient(blob.name).downloadToBuffer();
    rows += Number(parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).num_rows);
  }
  return { names: names.sort(), rows };
}

describe('export: a lost reply to .export', () => {
  test('the export is not started twice: staged files hold every row once under one _SUCCESS, and spark-read.py reads each row once', async () => {
    emulator.addFault({ endpoint: 'v1/rest/mgmt', command: '^\\s*\\.export', resetAfterBytes: 0, times: 1 });
    const spec: JobSpec = {
      version: 1,
      id: 'lost-export',
      createdAt: new Date().toISOString(),
      source: { kind: 'kustoQuery', connection: { clusterUrl: emulator.url, database: DB }, query: 'Numbers', readMode: 'export', staging: { kind: 'blob', url: `${staging.url}/exports`, secretRef: 'staging', authKind: 'sas' }, keepExportedFiles: true },
      destination: { kind: 'files', location: { kind: 'local', path: join(work, 'numbers') }, format: 'parquet', layout: 'sparkFolder' },
      options: { exportPollMaxIntervalMs: 100, retry: { maxAttempts: 4, initialDelayMs: 50, maxDelayMs: 200 } },
    };
    const result = await runJob(spec, { jobsDir: join(work, 'jobs'), secrets: { resolve: async (ref) => (ref === 'staging' ? staging.sas : undefined) } });
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(result.rows, ROWS);

    const staged = await stagedParquetRows('exports/Tests/lost-export/');
    assert.equal(staged.rows, ROWS, `staged: ${staged.names.join(', ')}`);
    assert.equal(staged.names.filter((n) => n === '_SUCCESS').length, 1);

    const program = `
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1").getOrCreate()
${result.snippets?.pysparkLocal ?? 'raise SystemExit("no snippet")'}
from pyspark.sql import functions as F
r = df.agg(F.count("*"), F.countDistinct("i"), F.sum("i")).collect()[0]
print(r[0], r[1], r[2])
spark.stop()
`;
    const printed = execFileSync(python, ['-c', program], { env: { ...process.env, SPARK_LOCAL_IP: '127.0.0.1', PYSPARK_PYTHON: python }, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().split('\n').at(-1);
    assert.equal(printed, `${ROWS} ${ROWS} ${(ROWS * (ROWS + 1)) / 2}`);
  });
});
