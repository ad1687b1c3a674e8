import { createWriteStream, statSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { BlobServiceClient } from '@azure/storage-blob';
import { startEmulator } from '../emulator/index';
import { startAzurite } from '../helpers/azurite';
import type { Row } from '../../src/engine/rows';
import { openFileOutput } from '../../src/spark/sparkFolderWriter';
import { remoteAzurite, startLatencyProxy, throughProxy } from './latencyProxy';
import { startRecordedServer } from './recordedServer';
import type { VariantResult } from './variants/result';

export interface BenchContext {
  quick: boolean;
  workDir: string;
  root: string;
}

export interface Prepared {
  [key: string]: unknown;
  cleanup?: () => Promise<void>;
}

export interface VariantDef {
  name: string;
  script: string;
  args(prepared: Prepared): string[];
  env?(prepared: Prepared): Record<string, string>;
  /** A baseline that may run out of memory at the larger sizes: reported as "could not finish", not a harness failure. */
  mayNotFinish?: boolean;
  /** Runs in the first round only (a baseline of minutes, whose noise is small against its ratio). */
  firstRoundOnly?: boolean;
  /**
   * What the variant writes (a file or folder): removed before each of its runs, and the machine's
   * dirty pages flushed (sync), both outside its time. Writing over the last round's output
   * instead charged the writer for replacing it: at 10 M rows of JSON lines, with the previous
   * round's 1.4-1.5 GB still dirty, the engine took 6.7-7.2 s (3.2-4.1 s system time) against
   * 4.1-5.0 s (1.0-1.2 s) after a sync, the raw copy 3.1-3.2 s against 2.8-2.9 s (2026-12-07).
   */
  output?(prepared: Prepared): string;
}

export interface Scenario {
  name: string;
  /** The variant the ratio column compares against. */
  baseline: string;
  /** The variant that is the physical limit (the "vs limit" column), when there is one. */
  limit?: string;
  /** Rounds (default 1): each round runs every variant once; the median run of each is reported. */
  runs?: number;
  /** false: compare by time (lower is better) instead of by MB/s. */
  higherIsBetter?: boolean;
  variants: VariantDef[];
  prepare(ctx: BenchContext): Promise<Prepared>;
  /**
   * Per variant, after `prepare`: what each variant gets fresh (merged into the prepared values
   * for its args and env; its own cleanup runs after the variant), so no variant inherits the
   * state an earlier one left behind.
   */
  prepareVariant?(prepared: Prepared): Promise<Prepared>;
  /** Bytes that define MB/s for this scenario (the response size, the input folder, ...). */
  bytesForRate(prepared: Prepared, result: VariantResult): number;
}

/** 8 mixed-type columns, deterministic from the row number. */
export function benchTableQuery(rows: number): string {
  return [
    `range id from 1 to ${rows} step 1`,
    '| extend qty = toint(id % 1000)',
    '| extend price = todouble(id) / 7.0',
    '| extend name = strcat("item-", tostring(id % 50000))',
    '| extend at = datetime(2024-01-01) + id * 1s',
    '| extend flag = id % 3 == 0',
    '| extend amount = todecimal(id)',
    '| extend tag = iif(id % 10 == 0, "ten", "other")',
    // 50 values: the partition column of the partitionBy variant.
    '| extend bucket = toint(id % 50)',
  ].join(' ');
}

async function postToFile(url: string, body: unknown, file: string): Promise<number> {
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, resolve);
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
  if (response.statusCode !== 200) throw new Error(`recording failed with HTTP ${response.statusCode}`);
  await pipeline(response, createWriteStream(file));
  return statSync(file).size;
}

const recordings = new Map<number, Promise<{ file: string; bytes: number }>>();

/** Records one whole (non-progressive) v2 response of the bench table from the emulator, once per size. */
function recordBenchResponse(ctx: BenchContext, rows: number): Promise<{ file: string; bytes: number }> {
  let recording = recordings.get(rows);
  if (!recording) {
    recording = recordFromEmulator(ctx, rows);
    recordings.set(rows, recording);
  }
  return recording;
}

async function recordFromEmulator(ctx: BenchContext, rows: number): Promise<{ file: string; bytes: number }> {
  const emulator = await startEmulator({ seed: 'none', databases: ['Bench'], auth: 'open' });
  try {
    const mgmt = await postToFile(`${emulator.url}/v1/rest/mgmt`, { db: 'Bench', csl: `.set-or-append Bench <| ${benchTableQuery(rows)}` }, join(ctx.workDir, 'create.json'));
    if (mgmt <= 0) throw new Error('creating the bench table returned nothing');
    const file = join(ctx.workDir, `response-${rows}.json`);
    const bytes = await postToFile(`${emulator.url}/v2/rest/query`, { db: 'Bench', csl: 'set notruncation; Bench', properties: null }, file);
    return { file, bytes };
  } finally {
    await emulator.stop();
  }
}

function kustoToFilesScenario(rows: number, format: 'parquet' | 'csv' | 'json', runs: number): Scenario {
  const written = (name: string) => (p: Prepared): string => join(String(p.dir), name);
  return {
    name: `kusto→${format} ${rows.toLocaleString('en-US')} rows`,
    runs,
    baseline: 'sdk execute + write',
    limit: 'raw copy (limit)',
    variants: [
      { name: 'raw copy (limit)', script: 'rawCopy.ts', args: (p) => [String(p.url), written(`raw-${format}.json`)(p)], output: written(`raw-${format}.json`) },
      // The SDK holds the whole response in memory: capped at 4 GB of heap so a size it cannot
      // handle fails (and is reported) instead of taking the machine down.
      {
        name: 'sdk execute + write', script: 'sdkExecuteThenWrite.ts', args: (p) => [String(p.url), written(`sdk-${format}`)(p), format], output: written(`sdk-${format}`),
        env: () => ({ NODE_OPTIONS: '--max-old-space-size=4096' }), mayNotFinish: true,
      },
      { name: 'engine', script: 'engineKustoToFiles.ts', args: (p) => [String(p.url), written(`engine-${format}`)(p), format], output: written(`engine-${format}`) },
      // The opt-in path: the response parsed and encoded on two worker threads (options.parseWorkers).
      ...(format === 'parquet'
        ? [
          { name: 'engine, 2 parse workers', script: 'engineKustoToFiles.ts', args: (p: Prepared) => [String(p.url), written('engine-workers-parquet')(p), format, '2'], output: written('engine-workers-parquet') },
          // Issue 28: the same job with a rows-per-file limit (4 files at 1 M rows) and partitioned by a column of 50 values.
          { name: 'engine, maxRowsPerFile', script: 'engineKustoToFiles.ts', args: (p: Prepared) => [String(p.url), written('engine-maxrows-parquet')(p), format], output: written('engine-maxrows-parquet'), env: () => ({ KDM_BENCH_MAX_ROWS_PER_FILE: String(Math.ceil(rows / 4)) }) },
          { name: 'engine, partitionBy', script: 'engineKustoToFiles.ts', args: (p: Prepared) => [String(p.url), written('engine-partitioned-parquet')(p), format], output: written('engine-partitioned-parquet'), env: () => ({ KDM_BENCH_PARTITION_BY: 'bucket' }) },
        ]
        : []),
      // Parsing alone with V8's native parser: beyond 512 MB the response cannot even be one string.
      { name: 'JSON.parse only (reference)', script: 'jsonParseOnly.ts', args: (p) => [String(p.url)], env: () => ({ NODE_OPTIONS: '--max-old-space-size=4096' }), mayNotFinish: true },
    ],
    async prepare(ctx) {
      const recorded = await recordBenchResponse(ctx, rows);
      const server = await startRecordedServer(recorded.file);
      return { url: server.url, dir: ctx.workDir, responseBytes: recorded.bytes, cleanup: () => server.stop() };
    },
    bytesForRate: (p) => Number(p.responseBytes),
  };
}

/**
 * A Spark folder of snappy Parquet parts, deterministic, written by our own writer: a long, two
 * strings (one of 230 characters of noise, so the files are not trivially compressible), a real
 * and a datetime; about 234 bytes a row on disk.
 */
async function writeParquetFolder(folder: string, rows: number, parts: number): Promise<void> {
  const output = await openFileOutput({
    folder, format: 'parquet', compression: 'snappy', maxRowsPerFile: Math.ceil(rows / parts), jobId: 'bench', ifExists: 'replace',
    columns: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }, { name: 'payload', type: 'string' }, { name: 'value', type: 'real' }, { name: 'at', type: 'datetime' }],
  });
  let seed = 42;
  const noise = Buffer.alloc(1 << 20);
  // The high bits of this LCG: its low bits repeat every 256 steps and would compress away.
  for (let i = 0; i < noise.length; i++) noise[i] = ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) >>> 16) & 0xff;
  const text = noise.toString('hex');
  for (let start = 0; start < rows; start += 10_000) {
    const batch: Row[] = [];
    for (let id = start; id < Math.min(rows, start + 10_000); id++) {
      const at = (id * 7919) % (text.length - 240);
      batch.push([BigInt(id), `name-${id % 1000}`, text.slice(at, at + 230), id / 3, '2024-01-01T00:00:00.0000000Z']);
    }
    await output.write(batch);
  }
  await output.commit();
}

function folderToKustoScenario(rows: number, parts: number, runs: number): Scenario {
  const args = (mode: string) => (p: Prepared) => [mode, String(p.url), String(p.folder), `T_${mode}`, String(p.blob)];
  const env = (p: Prepared) => ({ NODE_EXTRA_CA_CERTS: String(p.ca) });
  return {
    name: `folder→kusto ${parts} Parquet parts`,
    runs,
    baseline: 'sdk ingestFromFile one by one',
    limit: 'raw parallel upload (limit)',
    higherIsBetter: false,
    variants: [
      { name: 'raw parallel upload (limit)', script: 'folderToKusto.ts', args: args('upload'), env },
      { name: 'sdk ingestFromFile one by one', script: 'folderToKusto.ts', args: args('sdk'), env, firstRoundOnly: true },
      { name: 'engine (queued)', script: 'folderToKusto.ts', args: args('engine'), env },
    ],
    async prepare(ctx) {
      const folder = join(ctx.workDir, 'parquet-folder');
      await writeParquetFolder(folder, rows, parts);
      return { folder, sourceRows: rows };
    },
    // A fresh emulator and Azurite for each variant: the one running last must not find the
    // gigabytes the others uploaded still held in Azurite's memory.
    async prepareVariant() {
      const emulator = await startEmulator({ seed: 'none', databases: ['Bench'], auth: 'open', ingestionPollMs: 50 });
      return { url: emulator.url, blob: emulator.azurite.connectionString, ca: emulator.statusTable.caPemPath, cleanup: () => emulator.stop() };
    },
    bytesForRate: (_p, result) => result.bytesOut,
  };
}

/** Remote storage as the latency proxy plays it: a delay per request and a rate per connection. */
interface RemoteStorage {
  delayMs: number;
  bytesPerSecond: number;
}

function downloadScenario(files: number, bytesPerFile: number, runs: number, remote?: RemoteStorage): Scenario {
  return {
    name: `export download ${files} files${remote ? `, remote storage (${remote.delayMs} ms a request, ${remote.bytesPerSecond / 1e6} MB/s a connection)` : ''}`,
    runs,
    baseline: 'one by one',
    variants: [
      { name: 'one by one', script: 'downloadExported.ts', args: (p) => ['sequential', String(p.blob), 'exported', join(String(p.dir), 'one-by-one')] },
      { name: 'engine (parallel)', script: 'downloadExported.ts', args: (p) => ['engine', String(p.blob), 'exported', join(String(p.dir), 'engine')] },
    ],
    async prepare(ctx) {
      const azurite = await startAzurite();
      const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('exported');
      await container.create();
      const body = randomBytes(bytesPerFile);
      for (let i = 0; i < files; i++) await container.getBlockBlobClient(`Bench/job/export_${i}.snappy.parquet`).uploadData(body);
      const dir = join(ctx.workDir, remote ? 'download-remote' : 'download');
      mkdirSync(dir, { recursive: true });
      if (!remote) return { blob: azurite.connectionString, dir, cleanup: () => azurite.stop() };
      const proxy = await startLatencyProxy({ target: new URL(azurite.blobUrl).origin, ...remote });
      return { blob: throughProxy(azurite.connectionString, proxy.url), dir, cleanup: async () => { await proxy.stop(); await azurite.stop(); } };
    },
    bytesForRate: (_p, result) => result.bytesOut,
  };
}

/**
 * Files → Kusto's upload to the cluster's ingestion storage: the engine's queued job with its
 * default upload concurrency against the same job one file at a time (options.uploadConcurrency 1).
 * With `remote`, Azurite's blob, queue and table endpoints (the ingestion storage, its queue and
 * status table) each sit behind a latency proxy, as the cluster's storage in another region would.
 * Judged until every file is enqueued (the client's part; the emulator's ingestion is held
 * meanwhile); "seconds" runs on until every status is final.
 */
function uploadScenario(rows: number, parts: number, runs: number, remote?: RemoteStorage): Scenario {
  const args = (concurrency?: number) => (p: Prepared) => ['engine', String(p.url), String(p.folder), 'T_upload', String(p.blob), ...(concurrency ? [String(concurrency)] : [])];
  const env = (p: Prepared) => ({ NODE_EXTRA_CA_CERTS: String(p.ca) });
  return {
    name: `files→kusto upload ${parts} Parquet parts${remote ? `, remote storage (${remote.delayMs} ms a request, ${remote.bytesPerSecond / 1e6} MB/s a connection)` : ''}`,
    runs,
    baseline: 'one by one',
    higherIsBetter: false,
    variants: [
      { name: 'one by one', script: 'folderToKusto.ts', args: args(1), env },
      { name: 'engine (parallel)', script: 'folderToKusto.ts', args: args(), env },
    ],
    async prepare(ctx) {
      const folder = join(ctx.workDir, remote ? 'upload-folder-remote' : 'upload-folder');
      await writeParquetFolder(folder, rows, parts);
      return { folder, sourceRows: rows };
    },
    // A fresh Azurite (behind its proxies) and emulator for each variant, as in folder→kusto.
    async prepareVariant() {
      const azurite = await startAzurite();
      const storage = remote ? await remoteAzurite(azurite, remote) : undefined;
      const emulator = await startEmulator({ seed: 'none', databases: ['Bench'], auth: 'open', ingestionPollMs: 50, azurite: storage ?? azurite });
      return {
        url: emulator.url, blob: emulator.azurite.connectionString, ca: emulator.statusTable.caPemPath,
        cleanup: async () => {
          await emulator.stop();
          await storage?.stop();
          await azurite.stop();
        },
      };
    },
    bytesForRate: (_p, result) => result.bytesOut,
  };
}

/** The extension host's event-loop delay while a Kusto → Parquet job runs: in-process (the baseline) against the job host, same run. */
function hostLoopDelayScenario(rows: number, runs: number): Scenario {
  return {
    name: `extension host loop delay, kusto→parquet ${rows.toLocaleString('en-US')} rows`,
    runs,
    baseline: 'job in-process',
    higherIsBetter: false,
    variants: [
      { name: 'job in-process', script: 'hostLoopDelay.ts', args: (p) => ['inProcess', String(p.url), join(String(p.dir), 'loop-in-process')] },
      { name: 'job host (job process)', script: 'hostLoopDelay.ts', args: (p) => ['jobHost', String(p.url), join(String(p.dir), 'loop-job-host')] },
    ],
    async prepare(ctx) {
      const recorded = await recordBenchResponse(ctx, rows);
      const server = await startRecordedServer(recorded.file);
      return { url: server.url, dir: ctx.workDir, responseBytes: recorded.bytes, cleanup: () => server.stop() };
    },
    bytesForRate: (p) => Number(p.responseBytes),
  };
}

/** The Jobs view's data (journal reader + tree provider) with 1,000 finished jobs: ours against rereading every journal on each refresh. */
function jobsViewScenario(runs: number): Scenario {
  return {
    name: 'jobs view, 1,000 finished jobs',
    runs,
    baseline: 'reread every journal',
    higherIsBetter: false,
    variants: [
      { name: 'reread every journal', script: 'jobsViewScale.ts', args: () => ['rereadAll'] },
      { name: 'jobs view (cached reader)', script: 'jobsViewScale.ts', args: () => ['cached'] },
    ],
    prepare: async () => ({}),
    bytesForRate: () => 0,
  };
}

export function scenarios(ctx: BenchContext): Scenario[] {
  const sizes = ctx.quick ? [20_000] : [1_000_000, 10_000_000];
  const list: Scenario[] = [];
  for (const rows of sizes) {
    // Five rounds each, the median reported: at 10 M rows too, where one run right after the SDK
    // way's failed attempt (gigabytes read, then dropped) measured the engine 0.46x the raw copy
    // and the same build alone 0.51x. With three, two runs of one build half an hour apart
    // disagreed by up to 0.4x (2026-12-07). A variant that cannot finish runs in the first round only.
    const runs = ctx.quick ? 1 : 5;
    list.push(kustoToFilesScenario(rows, 'parquet', runs));
    list.push(kustoToFilesScenario(rows, 'csv', runs));
    list.push(kustoToFilesScenario(rows, 'json', runs));
  }
  // About 1 GB in 100 parts in full mode; a few MB in quick mode.
  // The raw upload and the engine three times each (seconds a run), the SDK's minutes once.
  list.push(ctx.quick ? folderToKustoScenario(20_000, 10, 1) : folderToKustoScenario(4_300_000, 100, 3));
  list.push(ctx.quick ? downloadScenario(8, 1 << 20, 1) : downloadScenario(40, 25 << 20, 3));
  // Issue 28: the same download from storage with latency (the loopback proxy in front of Azurite).
  list.push(ctx.quick ? downloadScenario(8, 1 << 20, 1, { delayMs: 40, bytesPerSecond: 32e6 }) : downloadScenario(40, 4 << 20, 3, { delayMs: 40, bytesPerSecond: 8e6 }));
  // Issue 28: the upload of files → Kusto, on plain loopback and from storage with latency.
  // Full mode: 40 parts of about 2 MB (8,600 rows of ~234 bytes each). On loopback the client's
  // part is about 1-2 s and a single run on the shared 2 cores ranged 0.7-4 s (the others' work):
  // seven rounds there, so that the median is not one run's noise; remote storage keeps three.
  list.push(ctx.quick ? uploadScenario(20_000, 8, 1) : uploadScenario(344_000, 40, 7));
  list.push(ctx.quick ? uploadScenario(20_000, 8, 1, { delayMs: 40, bytesPerSecond: 32e6 }) : uploadScenario(344_000, 40, 3, { delayMs: 40, bytesPerSecond: 8e6 }));
  // KDM_BENCH_LOOP_ROWS sets a smaller full-mode size (recording 10 M rows takes minutes).
  list.push(ctx.quick ? hostLoopDelayScenario(20_000, 1) : hostLoopDelayScenario(Number(process.env.KDM_BENCH_LOOP_ROWS ?? 10_000_000), 1));
  list.push(jobsViewScenario(ctx.quick ? 1 : 3));
  return list;
}
