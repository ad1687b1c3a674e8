// `npm run demo`: the main job on the embedded default. Starts the local Kusto emulator with sample
// data (and its Azurite), copies Samples.StormEvents into a Spark folder of Parquet partitioned by
// State with the CLI, ingests that folder back into a new table, checks the row counts, then opens
// VS Code (code-server) with the extension pointed at the emulator.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startCodeServer } from '../test/helpers/codeServer';
import { DEFAULT_EMULATOR_PORT, startEmulator } from '../test/emulator/index';
import { freePort } from '../test/helpers/ports';
import type { JobSpec } from '../src/engine/jobSpec';

const run = promisify(execFile);
const root = resolve(__dirname, '..');
const output = join(root, 'demo-output');
const once = process.argv.includes('--once');
const withoutVsCode = process.argv.includes('--no-vscode');

/** Runs the CLI like a user would, its progress and summary on this terminal. */
function cli(args: string[], env: Record<string, string>): Promise<void> {
  console.log(`\n$ kusto-data-mover ${args.map((a) => (/[\s|"]/.test(a) ? `'${a}'` : a)).join(' ')}`);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'cli.js'), ...args], { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`kusto-data-mover ${args[0]} exited with ${code}`))));
  });
}

async function scalar(clusterUrl: string, database: string, query: string): Promise<unknown> {
  const response = await fetch(`${clusterUrl}/v1/rest/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ db: database, csl: query }),
  });
  const body = (await response.json()) as { Tables?: Array<{ Rows: unknown[][] }> };
  if (!response.ok || !body.Tables?.[0]) throw new Error(`query "${query}" failed: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body.Tables[0].Rows[0]?.[0];
}

async function main(): Promise<void> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(0)));
  try {
    console.log('Starting the local Kusto emulator with sample data (and Azurite for its storage)...');
    const port = await freePort().then(async (fallback) => ((await portFree(DEFAULT_EMULATOR_PORT)) ? DEFAULT_EMULATOR_PORT : fallback));
    const emulator = await startEmulator({ port, seed: 'sample', auth: 'open', ingestionPollMs: 100 });
    stops.push(() => emulator.stop());
    console.log(`Kusto emulator: ${emulator.url} (database Samples: StormEvents, AllTypes)`);
    console.log(`Azurite blob endpoint: ${emulator.azurite.blobUrl}`);

    rmSync(output, { recursive: true, force: true });
    mkdirSync(output, { recursive: true });
    const jobsDir = join(output, '.jobs');
    // The emulator serves queued-ingestion status over HTTPS with its own test certificate.
    const env = { NODE_EXTRA_CA_CERTS: emulator.statusTable.caPemPath };
    const folder = join(output, 'storm-events');

    await cli(['copy', '--cluster', emulator.url, '--db', 'Samples', '--query', 'StormEvents', '--out', folder,
      '--format', 'parquet', '--partition-by', 'State', '--job-id', 'demo-storm-events-to-parquet', '--jobs-dir', jobsDir, '--progress', 'lines'], env);
    const partitions = readdirSync(folder).filter((name) => name.startsWith('State='));
    console.log(`Spark folder ${relative(root, folder)}: ${partitions.length} partitions (${partitions.slice(0, 3).join(', ')}, ...), _SUCCESS last`);
    console.log(`Read it in Spark: spark.read.parquet("${folder}")`);

    const ingestSpec: JobSpec = {
      version: 1,
      id: 'demo-parquet-folder-to-kusto',
      name: 'Spark folder back into Kusto',
      createdAt: new Date().toISOString(),
      source: { kind: 'files', location: { kind: 'local', path: folder }, layout: 'spark' },
      destination: { kind: 'kustoTable', connection: { clusterUrl: emulator.url, database: 'Samples' }, table: 'StormEventsCopy', mode: 'transactional', tableCreation: 'createIfNotExists', statusPollIntervalMs: 200 },
    };
    const specPath = join(output, 'ingest-storm-events.json');
    writeFileSync(specPath, `${JSON.stringify(ingestSpec, null, 2)}\n`);
    await cli(['copy', specPath, '--jobs-dir', jobsDir, '--progress', 'lines'], env);

    const source = Number(await scalar(emulator.url, 'Samples', 'StormEvents | count'));
    const copy = Number(await scalar(emulator.url, 'Samples', 'StormEventsCopy | count'));
    const sameRows = Number(await scalar(emulator.url, 'Samples',
      'StormEvents | join kind=inner (StormEventsCopy | project EventId, CopiedState=State, CopiedStart=StartTime) on EventId | where State == CopiedState and StartTime == CopiedStart | count'));
    console.log(`\nRound trip: StormEvents ${source} rows → Parquet → StormEventsCopy ${copy} rows; ${sameRows} rows match by EventId, State and StartTime.`);
    if (copy !== source || sameRows !== source) throw new Error('the round trip lost or changed rows');

    if (!withoutVsCode) {
      console.log('\nPackaging the extension and starting VS Code (code-server)...');
      await run('npm', ['run', '--silent', 'package'], { cwd: root });
      const server = await startCodeServer({
        vsixPath: join(root, 'dist', 'kusto-data-mover.vsix'),
        workspace: output,
        env,
        settings: { 'kustoDataMover.defaultClusterUrl': emulator.url, 'kustoDataMover.defaultDatabase': 'Samples' },
      });
      stops.push(() => server.stop());
      console.log(`\nOpen VS Code with the extension: ${server.url}`);
      console.log('  Kusto Data Mover: New Copy Job (command palette) copies a query to files or files into a table.');
    }
    if (once) {
      await stopAll();
      return;
    }
    console.log('Press Ctrl-C to stop.');
    await new Promise(() => undefined);
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function portFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
