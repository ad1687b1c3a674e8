// The job-file schema VS Code uses for *.kdm.json files: it must accept every spec the product writes
// or documents (else the editor marks a good file red) and reject a misspelt field (else it helps
// nobody). A small checker of the draft-07 keywords the schema uses stands in for a JSON-schema
// library; the drift guard compares the schema's fields with src/engine/jobSpec.ts, parsed by
// TypeScript, so a field added there without the schema fails here.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import ts from 'typescript';
import { jobSpecFromWizardForm } from '../../../src/ui/jobSpecFromWizard';
import { validateJobSpec } from '../../../src/engine/validateJobSpec';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..', '..');
type Schema = Record<string, unknown>;
const schema = JSON.parse(readFileSync(join(root, 'schemas', 'jobspec.schema.json'), 'utf8')) as Schema;
const definitions = schema.definitions as Record<string, Schema>;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isInteger(value)) return 'integer';
  return typeof value;
}

/** The problems of `value` against `s` (the keywords this schema uses); empty when it is valid. */
function check(s: Schema, value: unknown, path = '$'): string[] {
  if (typeof s.$ref === 'string') {
    const target = definitions[s.$ref.replace('#/definitions/', '')];
    assert.ok(target, `unknown $ref ${s.$ref}`);
    return check(target, value, path);
  }
  const problems: string[] = [];
  if (s.oneOf) {
    const matching = (s.oneOf as Schema[]).filter((option) => check(option, value, path).length === 0);
    if (matching.length !== 1) problems.push(`${path}: matches ${matching.length} of oneOf`);
    return problems;
  }
  if ('const' in s && value !== s.const) problems.push(`${path}: must be ${JSON.stringify(s.const)}`);
  if (s.enum && !(s.enum as unknown[]).includes(value)) problems.push(`${path}: must be one of ${JSON.stringify(s.enum)}`);
  if (s.type) {
    const actual = typeOf(value);
    if (!(actual === s.type || (s.type === 'number' && actual === 'integer'))) return [...problems, `${path}: must be ${String(s.type)}`];
  }
  if (typeof value === 'string') {
    if (typeof s.minLength === 'number' && value.length < s.minLength) problems.push(`${path}: too short`);
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) problems.push(`${path}: does not match ${s.pattern}`);
  }
  if (typeof value === 'number' && typeof s.minimum === 'number' && value < s.minimum) problems.push(`${path}: below ${s.minimum}`);
  if (Array.isArray(value) && s.items) value.forEach((item, i) => problems.push(...check(s.items as Schema, item, `${path}[${i}]`)));
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    for (const key of (s.required ?? []) as string[]) if (!(key in obj)) problems.push(`${path}.${key}: is required`);
    for (const [key, v] of Object.entries(obj)) {
      if (properties[key]) problems.push(...check(properties[key], v, `${path}.${key}`));
      else if (s.additionalProperties === false) problems.push(`${path}.${key}: is not a known field`);
    }
  }
  return problems;
}

/** The ```json blocks of the README that are job files. */
function readmeSpecs(): unknown[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/```json\n([\s\S]*?)```/g)]
    .map((m) => JSON.parse(m[1]) as Record<string, unknown>)
    .filter((json) => json.version === 1 && 'source' in json);
}

async function cliPrintSpec(args: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), 'copy', ...args, '--print-spec'], { cwd: root });
  return JSON.parse(stdout);
}

const wizardForm = { clusterUrl: 'http://127.0.0.1:8082', database: 'Samples', query: 'StormEvents | where State == "TEXAS"', outputPath: '/tmp/texas', format: 'parquet', sourcePath: '/tmp/spark-out', table: 'Events' } as const;

describe('the job-file schema (schemas/jobspec.schema.json)', () => {
  test('accepts the README\'s two example job files', () => {
    const specs = readmeSpecs();
    assert.equal(specs.length, 2, 'the README shows two job files');
    for (const spec of specs) {
      validateJobSpec(spec); // the engine takes them too
      assert.deepEqual(check(schema, spec), []);
    }
  });

  test('accepts the specs the wizard and the CLI write, both directions', async () => {
    const specs = [
      jobSpecFromWizardForm({ ...wizardForm, direction: 'kustoToFiles' }),
      jobSpecFromWizardForm({ ...wizardForm, direction: 'filesToKusto' }),
      await cliPrintSpec(['--cluster', 'http://127.0.0.1:8082', '--db', 'Samples', '--query', 'StormEvents', '--out', 'storm', '--format', 'parquet', '--partition-by', 'State', '--parse-workers', '2']),
      await cliPrintSpec(['--from', 'spark-out', '--cluster', 'https://c.kusto.windows.net', '--db', 'Db', '--table', 'Events', '--mode', 'transactional', '--table-creation', 'merge']),
    ];
    for (const spec of specs) assert.deepEqual(check(schema, spec), [], JSON.stringify(spec));
  });

  test('rejects a misspelt field, a wrong enum value and a missing required field, naming each', () => {
    const good = readmeSpecs()[0] as { source: Record<string, unknown>; destination: Record<string, unknown> };
    const misspelt = structuredClone(good);
    misspelt.destination.partitonBy = misspelt.destination.partitionBy;
    delete misspelt.destination.partitionBy;
    assert.deepEqual(check(definitions.FilesDestination, misspelt.destination, 'destination'), ['destination.partitonBy: is not a known field']);
    assert.notDeepEqual(check(schema, misspelt), []);

    const wrongMode = structuredClone(good);
    wrongMode.source.readMode = 'fast';
    assert.match(check(definitions.KustoQuerySource, wrongMode.source, 'source').join('\n'), /source\.readMode: must be one of/);
    assert.notDeepEqual(check(schema, wrongMode), []);

    const noQuery = structuredClone(good);
    delete noQuery.source.query;
    assert.deepEqual(check(definitions.KustoQuerySource, noQuery.source, 'source'), ['source.query: is required']);

    const command = structuredClone(good);
    command.source.query = '.drop table StormEvents';
    assert.notDeepEqual(check(schema, command), [], 'a management command is refused as the engine does');
  });

  test('has exactly the fields of every interface in src/engine/jobSpec.ts (drift guard)', () => {
    const file = ts.createSourceFile('jobSpec.ts', readFileSync(join(root, 'src', 'engine', 'jobSpec.ts'), 'utf8'), ts.ScriptTarget.Latest, true);
    const compare = (members: ts.NodeArray<ts.TypeElement>, s: Schema, where: string) => {
      const tsFields = members.filter(ts.isPropertySignature).map((m) => m.name.getText(file)).sort();
      const schemaFields = Object.keys(s.properties as object).filter((k) => k !== '$schema').sort();
      assert.deepEqual(schemaFields, tsFields, `${where}: schema fields vs jobSpec.ts`);
      for (const member of members.filter(ts.isPropertySignature)) {
        if (member.type && ts.isTypeLiteralNode(member.type)) compare(member.type.members, (s.properties as Record<string, Schema>)[member.name.getText(file)], `${where}.${member.name.getText(file)}`);
      }
    };
    const interfaces = file.statements.filter(ts.isInterfaceDeclaration);
    assert.ok(interfaces.length >= 9, 'jobSpec.ts was parsed');
    for (const declaration of interfaces) {
      const name = declaration.name.text;
      assert.ok(definitions[name], `the schema has a definition for ${name}`);
      compare(declaration.members, definitions[name], name);
    }
  });
});
