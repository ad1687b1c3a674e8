// Headless entry point over the engine: automation, benchmarks and the demo drive it.
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CredentialResolver, JobLogger, ProgressEvent, SecretResolver } from './engine/jobContext';
import { completeJobFile, newJobId } from './engine/jobFile';
import { type AuthRef, JOB_SPEC_VERSION, type FilesDestination, type JobSpec, type KustoQuerySource } from './engine/jobSpec';
// The engine comes from its own bundle (dist/engineHost.js), shared with the extension.
import { type JobResult, type RunJobOptions, createTokenProvider, JobAlreadyRunningError, JobSpecError, Journal, planFilesToKusto, redactSecrets, resumeJob, runJob, validateJobSpec } from './engineHost';
import { type AuthFlags, cliCredentials, connectionFromFlags } from './cliAuth';
// The CLI is its own job process: the same job side of the job host as a window's job processes.
import { runHostedJob } from './jobHost/jobSide';

const usage = `Usage: kusto-data-mover <command> [options]

Commands:
  copy <job.json>                 Run a copy job described by a JobSpec file
  copy --cluster URL --db DB --query KQL --out PATH --format parquet|csv|json
       [--layout sparkFolder|singleFile] [--read-mode auto|stream|export]
       [--compression none|snappy|gzip] [--if-exists fail|replace]
       [--max-rows-per-file N] [--partition-by col1,col2] [--parse-workers N]
       [--staging URL --staging-secret env:VAR] [--job-id ID]
                                  Run a quick Kusto → files job from flags
  copy --from PATH --cluster URL --db DB --table TABLE
       [--mode queued|streaming|transactional] [--table-creation fail|create|merge]
       [--job-id ID] [--reingest] Run a quick files → Kusto job (a file, folder, glob or Spark output);
                                  files already in the table are skipped unless --reingest
       [--fail-on-unparsed]       Transactional: commit nothing when a value would land as null
                                  because it does not parse as its column's type (default: warn)
  resume <jobId>                  Resume a job that was interrupted (or show its result)
  jobs                            List the jobs in the jobs folder

Options:
  --jobs-dir DIR                  Jobs folder (default $KDM_JOBS_DIR or ~/.kusto-data-mover/jobs)
  --progress bar|lines|json|none  Progress display (default: bar on a terminal, lines otherwise)
  --print-spec                    Print the JobSpec the flags describe and exit (nothing runs)
  --allow-insecure-http           Allow plain http to a cluster or storage not on this machine
                                  (refused otherwise: tokens and data would travel unencrypted)
  --plan                          Files → Kusto: print the dry run (files found and skipped, the
                                  schema, the table's fate, conversions) as JSON; nothing moves
  --help                          Show this help

Sign-in (the extension's auth kinds; secrets only from environment variables or files, never flags):
  --auth none|app-secret|app-cert|device-code|token|key-vault|azure-cli
  --tenant ID --client-id ID [--authority-host URL] [--vault-url URL]
  --connection FILE               A connection's JSON (as the extension keeps it) instead of the flags
  Secrets: KDM_CLIENT_SECRET (app-secret), KDM_CERTIFICATE_FILE (app-cert: PEM with key and
  certificate), KUSTO_ACCESS_TOKEN (token), KDM_VAULT_APP_KEY (key-vault: the key of the app that
  opens the vault); each also as <NAME>_FILE naming a file. Without --auth, KUSTO_ACCESS_TOKEN is
  sent when set (else no Authorization header, as for the local emulator).
Secrets named in a job (secretRef) are read from the environment: "env:NAME" reads NAME.

Exit codes: 0 done, 1 failed, 2 bad usage or job spec, 3 job already running, 130 cancelled.`;

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const EXIT_RUNNING = 3;
const EXIT_CANCELED = 130;

class UsageError extends Error {}

/** Tokens from KUSTO_ACCESS_TOKEN for now; real sign-in plugs in behind the same interface. */
export const environmentCredentials: CredentialResolver = {
  resolve: () => {
    const token = process.env.KUSTO_ACCESS_TOKEN;
    return token ? { getToken: async () => token } : undefined;
  },
};

export const environmentSecrets: SecretResolver = {
  resolve: async (ref) => {
    const name = ref.startsWith('env:') ? ref.slice(4) : `KDM_SECRET_${ref.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
    return process.env[name];
  },
};

function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

type ProgressStyle = 'bar' | 'lines' | 'json' | 'none';

function progressPrinter(style: ProgressStyle): { onProgress: (e: ProgressEvent) => void; finish: () => void } {
  let lastLine = 0;
  let barShown = false;
  return {
    onProgress: (e) => {
      if (style === 'none') return;
      if (style === 'json') {
        process.stderr.write(`${JSON.stringify({ progress: e })}\n`);
        return;
      }
      // Ingestion does not count rows (the service does): show only what is known.
      const rows = e.rows ? ` ${formatCount(e.rows)} rows` : '';
      const rate = e.rate && e.rows ? ` ${formatCount(e.rate)} rows/s` : '';
      const eta = e.etaSeconds !== undefined ? ` ETA ${e.etaSeconds}s` : '';
      const files = e.filesTotal ? ` ${e.files ?? 0}/${e.filesTotal} files` : e.files ? ` ${e.files} file${e.files === 1 ? '' : 's'}` : '';
      // Progress counts bytes read (the response, the downloaded export, the files queued); the summary
      // of a copy to files counts bytes written: each figure says which it is.
      const read = e.bytes ? ` ${formatBytes(e.bytes)} read` : '';
      const text = `${e.phase}:${rows}${read}${files}${rate}${eta}${e.message ? ` (${e.message})` : ''}`;
      if (style === 'bar') {
        let bar = '';
        if (e.etaSeconds !== undefined && e.rate) {
          const total = (e.rows ?? 0) + e.etaSeconds * e.rate;
          const share = total > 0 ? Math.min(1, (e.rows ?? 0) / total) : 0;
          const width = 24;
          bar = `[${'#'.repeat(Math.round(share * width)).padEnd(width, '-')}] ${Math.round(share * 100)}% `;
        }
        process.stderr.write(`\r\x1b[2K${bar}${text}`);
        barShown = true;
        return;
      }
      // Plain lines: one per second at most, and every phase change.
      const now = Date.now();
      if (now - lastLine >= 1000 || e.phase === 'done') {
        lastLine = now;
        process.stderr.write(`${text}\n`);
      }
    },
    finish: () => {
      if (barShown) process.stderr.write('\n');
    },
  };
}

function defaultJobsDir(): string {
  return process.env.KDM_JOBS_DIR ?? join(homedir(), '.kusto-data-mover', 'jobs');
}


type Flags = Record<string, string | boolean | undefined>;

function oneOf<T extends string>(flags: Flags, name: string, allowed: readonly T[]): T | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

const tableCreations = { fail: 'failIfNotExists', create: 'createIfNotExists', merge: 'createMerge' } as const;

function ingestSpecFromFlags(flags: Flags): JobSpec {
  const missing = ['cluster', 'db', 'table'].filter((f) => typeof flags[f] !== 'string');
  if (missing.length > 0) throw new UsageError(`copy --from needs the flags ${missing.map((m) => `--${m}`).join(', ')}`);
  const creation = oneOf(flags, 'table-creation', ['fail', 'create', 'merge'] as const) ?? 'create';
  return {
    version: JOB_SPEC_VERSION,
    id: typeof flags['job-id'] === 'string' ? flags['job-id'] : newJobId(),
    createdAt: new Date().toISOString(),
    source: { kind: 'files', location: { kind: 'local', path: resolve(String(flags.from)) }, layout: 'auto' },
    destination: {
      kind: 'kustoTable',
      connection: { clusterUrl: String(flags.cluster), database: String(flags.db), ...authOfFlags(flags) },
      table: String(flags.table),
      mode: oneOf(flags, 'mode', ['queued', 'streaming', 'transactional'] as const) ?? 'queued',
      tableCreation: tableCreations[creation],
      ...(flags['fail-on-unparsed'] === true ? { unparsedValues: 'fail' as const } : {}),
    },
    ...(flags.reingest === true ? { options: { reingest: true } } : {}),
  };
}

/** A job from flags names the CLI's sign-in when --auth or --connection asks for one. */
function authOfFlags(flags: Flags): { auth?: AuthRef } {
  if (flags.auth === 'none') return { auth: { kind: 'none' } };
  return typeof flags.auth === 'string' || typeof flags.connection === 'string' ? { auth: { kind: 'credential', id: 'cli' } } : {};
}

function specFromFlags(flags: Flags): JobSpec {
  if (typeof flags.from === 'string') return ingestSpecFromFlags(flags);
  const missing = ['cluster', 'db', 'query', 'out', 'format'].filter((f) => typeof flags[f] !== 'string');
  if (missing.length > 0) throw new UsageError(`copy needs a job file or the flags ${missing.map((m) => `--${m}`).join(', ')}`);
  const source: KustoQuerySource = {
    kind: 'kustoQuery',
    connection: { clusterUrl: String(flags.cluster), database: String(flags.db), ...authOfFlags(flags) },
    query: String(flags.query),
    readMode: oneOf(flags, 'read-mode', ['auto', 'stream', 'export'] as const) ?? 'auto',
  };
  // A SAS on the command line lands in shell history, the journal and --print-spec: it belongs in a secret reference.
  if (typeof flags.staging === 'string' && /[?&;]sig=|sig%3D/i.test(flags.staging)) throw new UsageError('--staging must not hold a SAS token: put it in an environment variable and pass --staging-secret env:NAME (the URL then names only the container, e.g. https://account.blob.core.windows.net/container)');
  if (typeof flags.staging === 'string') source.staging = { kind: 'blob', url: flags.staging, secretRef: typeof flags['staging-secret'] === 'string' ? flags['staging-secret'] : undefined };
  const destination: FilesDestination = {
    kind: 'files',
    location: { kind: 'local', path: resolve(String(flags.out)) },
    format: oneOf(flags, 'format', ['parquet', 'csv', 'json'] as const) ?? 'parquet',
    layout: oneOf(flags, 'layout', ['sparkFolder', 'singleFile'] as const) ?? 'sparkFolder',
  };
  const compression = oneOf(flags, 'compression', ['none', 'snappy', 'gzip'] as const);
  if (compression) destination.compression = compression;
  const ifExists = oneOf(flags, 'if-exists', ['fail', 'replace'] as const);
  if (ifExists) destination.ifExists = ifExists;
  if (typeof flags['max-rows-per-file'] === 'string') destination.maxRowsPerFile = Number(flags['max-rows-per-file']);
  if (typeof flags['partition-by'] === 'string') destination.partitionBy = flags['partition-by'].split(',').map((c) => c.trim()).filter((c) => c !== '');
  const spec: JobSpec = { version: JOB_SPEC_VERSION, id: typeof flags['job-id'] === 'string' ? flags['job-id'] : newJobId(), createdAt: new Date().toISOString(), source, destination };
  // Parquet parsed and encoded on N worker threads (README, "Parquet on more threads").
  if (typeof flags['parse-workers'] === 'string') spec.options = { parseWorkers: Number(flags['parse-workers']) };
  return spec;
}

async function writeSnippets(jobsDir: string, result: JobResult): Promise<{ dir: string; names: string[] } | undefined> {
  if (!result.snippets) return undefined;
  const dir = join(jobsDir, result.jobId);
  const s = result.snippets;
  // The blob-folder snippets exist only where that folder stays (not in the cluster's storage, nor cleaned-up staging).
  const files: Array<[string, string | undefined]> = [
    ['spark-read.py', s.pyspark],
    ['spark-read.scala', s.scala],
    ['spark-read-local.py', s.pysparkLocal],
    ['kusto-connector-read.py', s.kustoConnectorPyspark],
    ['kusto-connector-read.scala', s.kustoConnectorScala],
  ];
  const names: string[] = [];
  for (const [name, text] of files) {
    if (text === undefined) continue;
    await fs.writeFile(join(dir, name), `${text}\n`);
    names.push(name);
  }
  return { dir, names };
}

function printSummary(result: JobResult, snippets: { dir: string; names: string[] } | undefined): void {
  const rate = result.seconds > 0 ? result.rows / result.seconds : 0;
  if (result.state === 'succeeded' && result.direction === 'filesToKusto') {
    console.log(`Done: ${filesToKustoSummary(result)} in ${result.seconds.toFixed(2)} s`);
    console.log(`Job: ${result.jobId}`);
  } else if (result.state === 'succeeded') {
    console.log(`Done: ${result.rows} rows, ${formatBytes(result.bytes)} written, ${result.files.length} file${result.files.length === 1 ? '' : 's'} in ${result.seconds.toFixed(2)} s (${formatCount(rate)} rows/s)${result.readMode ? `, read mode ${result.readMode}` : ''}`);
    console.log(`Job: ${result.jobId}`);
    if (result.exportStorage) console.log(`Export storage: ${result.exportStorage.kind} ${result.exportStorage.url} (${result.exportStorage.reason})`);
    if (snippets) console.log(`Spark read snippets: ${snippets.dir}/${snippets.names.join(', ')}`);
  } else if (result.state === 'canceled') {
    console.error(`Cancelled after ${result.seconds.toFixed(1)} s; nothing partial was left in the output. Resume with: kusto-data-mover resume ${result.jobId}`);
  } else {
    console.error(`${result.errorCode === 'IngestionOutcomeUnknown' ? 'Unknown' : 'Failed'}: ${result.error ?? 'unknown error'}`);
    // A resume runs the same spec against the same input: it helps after a fault, not after bad input.
    console.error(isBadInput(result) || result.errorCode === 'StatusTableUntrusted' ? `Job: ${result.jobId}` : `Job: ${result.jobId} (resume with: kusto-data-mover resume ${result.jobId})`);
  }
}

/**
 * "N files ingested (R rows, B read)". A file skipped because it is in the table already is not
 * counted as ingested, nor are its rows (the result's rows count the service's rows of every landed
 * file): a rerun says "0 files ingested, 1 skipped", not that it ingested the rows again.
 */
function filesToKustoSummary(result: JobResult): string {
  const plural = (n: number): string => `${n} file${n === 1 ? '' : 's'}`;
  const skipped = result.fileResults?.filter((f) => f.status === 'Skipped') ?? [];
  if (skipped.length === 0) return `${plural(result.files.length)} ingested (${result.rows > 0 ? `${result.rows} rows, ` : ''}${formatBytes(result.bytes)} read)`;
  const ingested = result.files.length - skipped.length;
  const ingestedFiles = result.fileResults?.filter((f) => f.status !== 'Skipped' && result.files.includes(f.relativePath)) ?? [];
  // Rows of the ingested files alone are known when each records its own (Parquet) or none was ingested.
  const rows = ingested === 0 ? 0 : ingestedFiles.every((f) => f.rows !== undefined) ? ingestedFiles.reduce((sum, f) => sum + (f.rows ?? 0), 0) : undefined;
  return `${plural(ingested)} ingested, ${skipped.length} skipped (already in the table) (${rows !== undefined && rows > 0 ? `${rows} rows, ` : ''}${formatBytes(result.bytes)} read)`;
}

/** Failures of the input itself (exit 2, like a bad flag): fixed by changing the job, not by resuming it. */
const BAD_INPUT_CODES = new Set(['SourceNotFound', 'NoSourceFiles', 'InvalidEntityName', 'InvalidSourceSchema', 'NotHttps', 'PartitionNameTooLong', 'UnparsedValues']);

function isBadInput(result: JobResult): boolean {
  return result.state === 'failed' && result.errorCode !== undefined && BAD_INPUT_CODES.has(result.errorCode);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      'jobs-dir': { type: 'string' },
      progress: { type: 'string' },
      cluster: { type: 'string' },
      db: { type: 'string' },
      query: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      layout: { type: 'string' },
      'read-mode': { type: 'string' },
      compression: { type: 'string' },
      'if-exists': { type: 'string' },
      'max-rows-per-file': { type: 'string' },
      'partition-by': { type: 'string' },
      'parse-workers': { type: 'string' },
      staging: { type: 'string' },
      'staging-secret': { type: 'string' },
      'job-id': { type: 'string' },
      from: { type: 'string' },
      table: { type: 'string' },
      mode: { type: 'string' },
      'table-creation': { type: 'string' },
      reingest: { type: 'boolean' },
      'fail-on-unparsed': { type: 'boolean' },
      'allow-insecure-http': { type: 'boolean' },
      'print-spec': { type: 'boolean' },
      plan: { type: 'boolean' },
      auth: { type: 'string' },
      connection: { type: 'string' },
      tenant: { type: 'string' },
      'client-id': { type: 'string' },
      'authority-host': { type: 'string' },
      'vault-url': { type: 'string' },
    },
  });
  const flags = values as Flags;
  const [command, argument] = positionals;
  if (flags.help || !command) {
    console.log(usage);
    return command || flags.help ? EXIT_OK : EXIT_USAGE;
  }
  const jobsDir = resolve(typeof flags['jobs-dir'] === 'string' ? flags['jobs-dir'] : defaultJobsDir());
  if (command === 'jobs') {
    for (const r of await Journal.list(jobsDir)) console.log(`${r.spec.id}\t${r.state}\t${r.phase}\t${r.updatedAt}${r.result ? `\t${r.result.rows} rows` : ''}`);
    return EXIT_OK;
  }
  if (command !== 'copy' && command !== 'resume') throw new UsageError(`unknown command "${command}"`);

  const style = (oneOf(flags, 'progress', ['bar', 'lines', 'json', 'none'] as const) ?? (process.stderr.isTTY ? 'bar' : 'lines')) as ProgressStyle;
  const printer = progressPrinter(style);
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(EXIT_CANCELED);
    process.stderr.write('\nCancelling (press Ctrl-C again to stop at once)...\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const log: JobLogger = {
    info: () => undefined,
    debug: () => undefined,
    warn: (m) => process.stderr.write(`${style === 'bar' ? '\n' : ''}warning: ${m}\n`),
    error: () => undefined,
  };
  const signIn = connectionFromFlags(flags as AuthFlags, typeof flags.cluster === 'string' ? flags.cluster : undefined);
  const credentials = signIn ? await cliCredentials(signIn, createTokenProvider) : environmentCredentials;
  const options: RunJobOptions = { jobsDir, signal: controller.signal, credentials, secrets: environmentSecrets, log, onProgress: printer.onProgress };

  let result: JobResult;
  if (command === 'resume') {
    if (!argument) throw new UsageError('resume needs a job id');
    // The id names a folder under --jobs-dir: a path ("../../etc") must not reach outside it.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(argument)) throw new UsageError(`"${argument}" is not a job id (letters, digits, ".", "_" and "-"); list them with: kusto-data-mover jobs`);
    // A job that never ran here is a wrong id or --jobs-dir (bad input), not a failure to retry.
    const journalFound = await fs.stat(join(jobsDir, argument, 'journal.json')).then(() => true, () => false);
    if (!journalFound) throw new UsageError(`no job "${argument}" in ${jobsDir}: list them with: kusto-data-mover jobs (or give the --jobs-dir it ran in)`);
    result = (await runHostedJob({ runJob, resumeJob }, { kind: 'resume', jobId: argument }, options)).result;
  } else {
    let spec: unknown;
    if (argument) {
      const text = await fs.readFile(argument, 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read the job file ${argument}: ${err.code ?? err.message}`);
      });
      try {
        spec = completeJobFile(JSON.parse(text));
      } catch (err) {
        throw new UsageError(`the job file ${argument} is not JSON: ${(err as Error).message}`);
      }
    } else spec = specFromFlags(flags);
    if (flags['allow-insecure-http'] === true && typeof spec === 'object' && spec !== null) {
      const withOptions = spec as { options?: Record<string, unknown> };
      withOptions.options = { ...withOptions.options, allowInsecureHttp: true };
    }
    if (flags['print-spec']) {
      console.log(redactSecrets(JSON.stringify(spec, null, 2)));
      return EXIT_OK;
    }
    if (flags.plan) {
      const valid = validateJobSpec(spec);
      if (valid.source.kind !== 'files' || valid.destination.kind !== 'kustoTable') throw new UsageError('--plan is for files → Kusto jobs');
      // The same sign-in as the run: the destination's auth, and a blob source's credentialId.
      const auth = valid.destination.connection.auth;
      const plan = await planFilesToKusto(valid, { signal: controller.signal, secrets: environmentSecrets, credentials }, { tokenProvider: credentials.resolve(auth?.kind === 'credential' ? auth.id : undefined) });
      console.log(JSON.stringify(plan, null, 2));
      return EXIT_OK;
    }
    result = (await runHostedJob({ runJob, resumeJob }, { kind: 'run', spec }, options)).result;
  }
  printer.finish();
  printSummary(result, await writeSnippets(jobsDir, result));
  // A destination "replace" may not delete (someone's own files) is a usage error: nothing ran.
  if (result.state === 'failed' && result.errorCode === 'OutputNotReplaceable') return EXIT_USAGE;
  return result.state === 'succeeded' ? EXIT_OK : result.state === 'canceled' ? EXIT_CANCELED : isBadInput(result) ? EXIT_USAGE : EXIT_FAILED;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (err as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      console.error(`${redactSecrets((err as Error).message)}\n\n${usage}`);
      process.exitCode = EXIT_USAGE;
    } else if (err instanceof JobSpecError) {
      console.error(redactSecrets(err.message));
      process.exitCode = EXIT_USAGE;
    } else if (err instanceof JobAlreadyRunningError) {
      console.error(err.message);
      process.exitCode = EXIT_RUNNING;
    } else {
      console.error(`Failed: ${redactSecrets((err as Error)?.message ?? String(err))}`);
      process.exitCode = EXIT_FAILED;
    }
  },
);
