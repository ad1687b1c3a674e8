// The bad-input corpus (issue 27): each case in test/fixtures/bad-input/ (or a spec built here) is run
// through the runner against the emulator, and its expected message is asserted: it names what is
// wrong, holds no stack trace, leaves nothing partial (no rows in the table, no output at the
// destination) and writes nothing outside the destination. Cases whose message today is poor, in an
// area another branch is fixing, are `todo` with the message they should give (knownBadInput below).
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobSpec, KustoTableDestination } from '../../src/engine/jobSpec';
import { type JobResult, resumeJob, runJob } from '../../src/engine/runner';
import { executeManagement } from '../../src/kusto/managementClient';
import { startEmulator, trustEmulatorCertificate } from '../emulator/index';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
const root = join(__dirname, '..', '..');
const FIXTURES = join(root, 'test', 'fixtures', 'bad-input');
const DB = 'Bad';
let emulator: Emulator;
let work: string;
let n = 0;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kdm-bad-input-'));
  cpSync(FIXTURES, join(work, 'in'), { recursive: true });
  emulator = await startEmulator({ databases: [DB], auth: 'open', ingestionPollMs: 50 });
  trustEmulatorCertificate(emulator);
  await mgmt('.create table Existing (id:long, name:string)');
  await mgmt('.create table Typed (id:long, name:string)');
  await mgmt('.set-or-append Existing <| datatable(id:long, name:string)[1, "kept"]');
  await mgmt('.set-or-append Src <| datatable(id:long, name:string, part:string)[1, "a", "../../escaped", 2, "b", "/tmp/abs", 3, "c", "ok"]');
});
const outcomes: Array<{ case: string; result: 'passed' | 'failed' | 'known-failing'; known?: string; message?: string }> = [];

after(async () => {
  await emulator?.stop();
  const artifacts = join(process.env.KDM_TEST_ARTIFACTS ?? join(root, 'test-artifacts'), 'reliability');
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, 'bad-input.json'), `${JSON.stringify({
    cases: outcomes.length,
    passed: outcomes.filter((o) => o.result === 'passed').length,
    failed: outcomes.filter((o) => o.result === 'failed'),
    knownFailing: outcomes.filter((o) => o.result === 'known-failing'),
    outcomes,
  }, null, 2)}\n`);
  rmSync(work, { recursive: true, force: true });
});

async function mgmt(text: string): Promise<unknown[][]> {
  const [t] = await executeManagement({ clusterUrl: emulator.url, database: DB }, text);
  return t?.rows ?? [];
}
/** Rows in a table by its extents (a table a refused load left without columns cannot be queried), or undefined when it is absent. */
async function count(table: string): Promise<number | undefined> {
  if (!(await mgmt('.show tables')).some((r) => r[0] === table)) return undefined;
  const [t] = await executeManagement({ clusterUrl: emulator.url, database: DB }, `.show table ['${table.replace(/'/g, "\\'")}'] extents`);
  const at = t?.columns.indexOf('RowCount') ?? -1;
  assert.ok(at >= 0, 'no RowCount column in .show table extents');
  return (t?.rows ?? []).reduce((sum, r) => sum + Number(r[at]), 0);
}

function filesToTable(folder: string, table: string, extra: Partial<KustoTableDestination> = {}, format?: string): JobSpec {
  n++;
  return {
    version: 1, id: `bad-${n}`, createdAt: '2026-01-01T00:00:00Z',
    source: { kind: 'files', location: { kind: 'local', path: join(work, 'in', folder) }, ...(format ? { format: format as 'csv' } : {}) },
    destination: { kind: 'kustoTable', connection: { clusterUrl: emulator.url, database: DB }, table, mode: 'transactional', tableCreation: 'createIfNotExists', statusPollIntervalMs: 20, statusTimeoutMs: 20_000, ...extra },
    options: { retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 } },
  };
}
function queryToFiles(query: string, extra: Record<string, unknown> = {}, cluster?: string, database = DB): JobSpec {
  n++;
  return {
    version: 1, id: `bad-${n}`, createdAt: '2026-01-01T00:00:00Z',
    source: { kind: 'kustoQuery', connection: { clusterUrl: cluster ?? emulator.url, database }, query, readMode: 'stream' },
    destination: { kind: 'files', location: { kind: 'local', path: join(work, 'out', `bad-${n}`) }, format: 'csv', layout: 'singleFile', ...extra },
    options: { retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 } },
  };
}
const outputOf = (spec: JobSpec): string => (spec.destination as { location: { path: string } }).location.path;

/** Runs a spec as a user would (runJob); a spec the runner refuses up front becomes a failed result with that message. */
async function attempt(spec: unknown): Promise<Pick<JobResult, 'state' | 'error'>> {
  try {
    return await runJob(spec, { jobsDir: join(work, 'jobs') });
  } catch (err) {
    return { state: 'failed', error: (err as Error).message };
  }
}

interface Case {
  name: string;
  run: () => Promise<Pick<JobResult, 'state' | 'error'>>;
  /** The message a user must see (failed), or undefined for a case that must succeed. */
  expect?: RegExp;
  /** After the run: nothing partial, nothing lost. */
  check?: () => Promise<void>;
}

/** Case name → why it is a known failure today (its owner). Run as todo: reported, not counted as passed. */
export const knownBadInput: Record<string, string> = {};

function raggedCase(name: string, folder: string, table: string, warning: RegExp): Case {
  let id = '';
  return {
    name,
    run: () => {
      const spec = filesToTable(folder, table);
      id = spec.id;
      return attempt(spec);
    },
    check: async () => {
      assert.equal(await count(table), 3, `rows in ${table}`);
      const log = readFileSync(join(work, 'jobs', id, 'job.log'), 'utf8');
      assert.match(log, warning);
    },
  };
}

function tableCase(name: string, folder: string, table: string, expect: RegExp | undefined, opts: { extra?: Partial<KustoTableDestination>; format?: string; rows?: number; tableMayBeAbsent?: boolean } = {}): Case {
  return {
    name,
    run: () => attempt(filesToTable(folder, table, opts.extra, opts.format)),
    expect,
    check: async () => {
      const c = await count(table);
      if (expect) assert.ok(c === undefined || c === 0, `a refused load left ${c} rows in ${table}`);
      else if (!(opts.tableMayBeAbsent && c === undefined)) assert.equal(c, opts.rows, `rows in ${table}`);
    },
  };
}
function queryCase(name: string, spec: () => JobSpec, expect: RegExp): Case {
  let built: JobSpec | undefined;
  return {
    name,
    run: () => attempt((built = spec())),
    expect,
    check: async () => assert.ok(!built || !existsSync(outputOf(built)), 'a failed query left a visible output'),
  };
}
function specCase(name: string, spec: () => unknown, expect: RegExp): Case {
  return { name, run: () => attempt(spec()), expect };
}

const cases: Case[] = [
  // CSV and JSON content
  // Issue 23 item 1: a row of another width is ingested as the service ingests it (an extra field
  // dropped, a missing one null) and warned about with its file and line, not refused.
  raggedCase('ragged CSV: a row with an extra field is warned about with its file and line', 'ragged-extra', 'RaggedExtra', /part-00000\.csv: line 3 has 3 fields where the header has 2/),
  raggedCase('ragged CSV: a row with a missing field is warned about with its file and line', 'ragged-short', 'RaggedShort', /part-00000\.csv: line 3 has 1 fields? where the header has 2/),
  tableCase('CSV with an unterminated quote', 'unterminated-quote', 'Unterminated', /part-00000\.csv.*(quote|malformed|invalid)/i),
  tableCase('CSV with invalid UTF-8', 'invalid-utf8', 'BadUtf8', /part-00000\.csv.*(not valid UTF-8|invalid UTF-8|encoding)/i),
  tableCase('CSV with a BOM loads, the BOM not in the first column name', 'bom', 'WithBom', undefined, { rows: 2 }),
  // Spark writes empty part files for empty partitions: one is not an error.
  // A source with no data at all is refused like an empty folder (nothing to ingest is more often a mistake than a wish).
  tableCase('an empty CSV file is refused as no data, and creates no table', 'empty-file', 'EmptyFile', /no files to ingest in .*empty-file/i),
  tableCase('malformed JSON lines', 'bad-json', 'BadJson', /part-00000\.json.*(json|parse|unexpected)/i, { format: 'json' }),
  tableCase('JSON lines that are arrays, not objects', 'json-array', 'JsonArray', /part-00000\.json.*json/i, { format: 'json' }),
  tableCase('wrong types for an existing table', 'wrong-types', 'Typed', /part-00000\.csv.*id.*long/i),
  // Folders
  tableCase('an empty folder', 'empty-folder', 'EmptyFolder', /no (data )?files.*empty-folder/i),
  tableCase('a folder with only _SUCCESS', 'only-success', 'OnlySuccess', /no (data )?files.*only-success/i),
  tableCase('a missing source path', 'does-not-exist', 'Missing', /does-not-exist.*(not found|does not exist|no such)|(not found|does not exist|no such).*does-not-exist/i),
  // Parquet
  tableCase('a truncated Parquet file', 'truncated-parquet', 'TruncParquet', /part-00000\.parquet.*(parquet|footer|truncated|corrupt)/i),
  tableCase('a corrupt Parquet footer', 'corrupt-parquet', 'CorruptParquet', /part-00000\.parquet.*(parquet|footer|corrupt)/i),
  tableCase('a CSV named .parquet', 'not-parquet', 'NotParquet', /part-00000\.parquet.*(parquet|magic|not a)/i),
  // Table names: quoted, never injected
  tableCase('a table name Kusto refuses (a quote) is refused before anything is created', 'bom', "It's", /destination\.table.*(letters|character)/i),
  tableCase('a table name that is a keyword loads (quoted)', 'bom', 'where', undefined, { rows: 2 }),
  tableCase('a table name with unicode and spaces loads (quoted)', 'bom', 'Täble 漢 x', undefined, { rows: 2 }),
  {
    // Refused or loaded into exactly that name: either way no command hidden in it runs.
    name: 'a table name carrying a command runs no command',
    run: async () => {
      const r = await attempt(filesToTable('bom', "x'] | .drop table Existing //", {}));
      return { state: 'succeeded', error: `${r.state}: ${r.error ?? ''}` };
    },
    check: async () => assert.equal(await count('Existing'), 1, 'Existing must still be there with its row'),
  },
  tableCase('a table name with brackets is refused before anything is created', 'bom', '[Bracketed]', /destination\.table.*(letters|character)/i),
  specCase('an empty table name', () => filesToTable('bom', ''), /destination\.table.*(required|non-empty)/i),
  tableCase('a table name longer than Kusto allows', 'bom', 'T'.repeat(1100), /destination\.table.*(long|1024|length)/i),
  tableCase('a missing table with tableCreation failIfNotExists', 'bom', 'NoSuchTable', /NoSuchTable.*(not exist|not found|does not)/i, { extra: { tableCreation: 'failIfNotExists' } }),
  // Kusto → files
  queryCase('an invalid query', () => queryToFiles('Src | wherre id > 1'), /(syntax|parse|semantic|unknown|wherre)/i),
  queryCase('an unknown table', () => queryToFiles('NoSuchTable | take 1'), /NoSuchTable/),
  queryCase('an unknown column', () => queryToFiles('Src | project nosuchcolumn'), /nosuchcolumn/),
  queryCase('an unknown database', () => queryToFiles('Src', {}, undefined, 'NoSuchDb'), /NoSuchDb/),
  queryCase('a management command as the query', () => queryToFiles('.drop table Src'), /management command|not a query|refused/i),
  queryCase('an unreachable cluster', () => queryToFiles('Src', {}, 'http://127.0.0.1:1'), /127\.0\.0\.1:1|connect|unreachable|ECONNREFUSED/i),
  specCase('a cluster URL that is not a URL', () => queryToFiles('Src', {}, 'not a url'), /clusterUrl.*(url|URL)/),
  specCase('a cluster URL with another scheme', () => queryToFiles('Src', {}, 'ftp://example.com'), /clusterUrl.*(http|scheme)/i),
  {
    name: 'partition values ../../x and /abs stay inside the destination',
    run: async () => {
      const spec = queryToFiles('Src', { layout: 'sparkFolder', format: 'json', partitionBy: ['part'] });
      const r = await attempt(spec);
      // What the job wrote, wherever it went: only under its destination.
      const outside = readdirSync(join(work, 'out')).filter((e) => e !== `bad-${n}`);
      assert.deepEqual(outside, [], 'something was written beside the destination');
      assert.ok(!existsSync('/tmp/abs') || !readdirSync('/tmp/abs').some((f) => f.includes('part-')), 'something was written at /tmp/abs');
      assert.ok(!existsSync(join(work, 'escaped')) && !existsSync(join(work, '..', 'escaped')), 'something was written at ../../escaped');
      return r;
    },
    expect: undefined,
  },
  {
    name: 'an output over an existing file with ifExists fail: refused, the earlier output kept',
    run: () => {
      const spec = queryToFiles('Src');
      mkdirSync(join(work, 'out'), { recursive: true });
      writeFileSync(outputOf(spec), 'earlier output\n');
      return attempt(spec).then((r) => {
        assert.equal(readFileSync(outputOf(spec), 'utf8'), 'earlier output\n', 'the earlier output was changed');
        return r;
      });
    },
    expect: /already exists.*replace/,
  },
  // JobSpecs
  specCase('a JobSpec from a newer version', () => JSON.parse(readFileSync(join(FIXTURES, 'jobspec-newer-version.json'), 'utf8')), /newer (version|release).*(upgrade|update)/i),
  specCase('a JobSpec without a version', () => { const s = queryToFiles('Src') as Partial<JobSpec>; delete s.version; return s; }, /version: must be 1/),
  specCase('a JobSpec with an unknown source kind', () => ({ ...queryToFiles('Src'), source: { kind: 'ftp' } }), /source\.kind/),
  specCase('a JobSpec without a destination', () => { const s = queryToFiles('Src') as Partial<JobSpec>; delete s.destination; return s; }, /destination.*required/i),
  specCase('a job id that climbs out of the jobs folder', () => ({ ...queryToFiles('Src'), id: '../../escape' }), /id/),
  specCase('an unknown output format', () => queryToFiles('Src', { format: 'xlsx' }), /destination\.format.*one of/),
  specCase('an invalid ifExists', () => queryToFiles('Src', { ifExists: 'overwrite' }), /destination\.ifExists.*one of/),
  specCase('a negative retry count', () => ({ ...queryToFiles('Src'), options: { retry: { maxAttempts: -1 } } }), /maxAttempts/),
  specCase('partitionBy with a single file', () => queryToFiles('Src', { partitionBy: ['part'] }), /partitionBy.*sparkFolder/),
  specCase('not a JSON object at all', () => 'copy everything', /(job spec|object)/i),
  // Journals
  {
    name: 'a corrupt journal: resume says which file is broken and what to do',
    run: async () => {
      const jobDir = join(work, 'jobs', 'corrupt-journal');
      mkdirSync(jobDir, { recursive: true });
      cpSync(join(FIXTURES, 'journal-corrupt.json'), join(jobDir, 'journal.json'));
      try {
        return await resumeJob('corrupt-journal', { jobsDir: join(work, 'jobs') });
      } catch (err) {
        return { state: 'failed', error: (err as Error).message };
      }
    },
    expect: /journal\.json.*(corrupt|invalid|JSON)|corrupt-journal.*(corrupt|journal)/i,
  },
  {
    name: 'a corrupt sink state: the resume says so instead of ingesting again blind',
    run: async () => {
      const spec = filesToTable('bom', 'CorruptState');
      const jobDir = join(work, 'jobs', spec.id);
      mkdirSync(jobDir, { recursive: true });
      cpSync(join(FIXTURES, 'sink-state-corrupt.json'), join(jobDir, 'sink-state.json'));
      return attempt(spec);
    },
    expect: /sink-state\.json.*(corrupt|invalid|JSON)/i,
  },
];

describe('bad input: each case has its expected message', () => {
  for (const c of cases) {
    const known = knownBadInput[c.name];
    test(c.name, { todo: known ? `known failing: ${known}` : undefined }, async () => {
      let result: Pick<JobResult, 'state' | 'error'> | undefined;
      try {
        result = await c.run();
        await judge(c, result);
        outcomes.push({ case: c.name, result: 'passed', message: result.error });
      } catch (err) {
        outcomes.push({ case: c.name, result: known ? 'known-failing' : 'failed', known, message: result?.error ?? (err as Error).message });
        throw err;
      }
    });
  }
});

/** A refusal with its expected message and no stack trace, or a success; then the case's own check. */
async function judge(c: Case, result: Pick<JobResult, 'state' | 'error'>): Promise<void> {
  if (c.expect) {
    assert.equal(result.state, 'failed', `expected a refusal matching ${c.expect}, got ${result.state}`);
    assert.match(result.error ?? '', c.expect);
    assert.doesNotMatch(result.error ?? '', /\n\s+at .+:\d+:\d+/, 'a stack trace in the message');
  } else {
    assert.equal(result.state, 'succeeded', result.error);
  }
  await c.check?.();
}
