import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type WizardForm, parseWizardMessage, validateWizardForm } from '../../../src/webviewProtocol/wizardProtocol';
import { jobSpecFromWizardForm } from '../../../src/ui/jobSpecFromWizard';

const goodForm: WizardForm = {
  direction: 'kustoToFiles',
  clusterUrl: 'https://help.kusto.windows.net',
  database: 'Samples',
  query: 'StormEvents | take 10',
  outputPath: '/tmp/out',
  format: 'parquet',
  sourcePath: '',
  table: '',
};

const ingestForm: WizardForm = { ...goodForm, direction: 'filesToKusto', sourcePath: '/data/spark-out', table: 'Events' };

describe('wizard message validation', () => {
  test('accepts the ready handshake and a well-formed submit', () => {
    assert.deepEqual(parseWizardMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWizardMessage({ type: 'prefillApplied', form: { query: 'dropped' } }), { type: 'prefillApplied' });
    assert.deepEqual(parseWizardMessage({ type: 'submit', form: { ...goodForm, extra: 'dropped' } }), { type: 'submit', form: goodForm });
  });

  test('rejects unknown types, non-objects and fields of the wrong type', () => {
    assert.throws(() => parseWizardMessage('ready'), /must be an object/);
    assert.throws(() => parseWizardMessage({ type: 'runShell', command: 'rm -rf /' }), /unknown message type "runShell"/);
    assert.throws(() => parseWizardMessage({ type: 'submit', form: { ...goodForm, database: 42 } }), /"database" must be a string/);
    assert.throws(() => parseWizardMessage({ type: 'submit', form: { ...goodForm, format: 'xlsx' } }), /"format" must be one of parquet, csv, json/);
    assert.throws(() => parseWizardMessage({ type: 'submit', form: { ...goodForm, query: 'x'.repeat(100_001) } }), /too long/);
  });
});

describe('wizard form rules', () => {
  test('a complete form has no errors', () => {
    assert.deepEqual(validateWizardForm(goodForm), {});
  });

  test('names each missing or invalid field with an actionable message', () => {
    const errors = validateWizardForm({ ...goodForm, clusterUrl: 'not a url', database: ' ', query: '.drop table T', outputPath: '' });
    assert.deepEqual(Object.keys(errors).sort(), ['clusterUrl', 'database', 'outputPath', 'query']);
    assert.match(errors.query ?? '', /Management commands/);
    assert.match(errors.clusterUrl ?? '', /https:\/\/mycluster/);
  });

  test('each direction reads only its own fields: a query typed for Kusto → files is never a target table', () => {
    // The user typed a query, then switched to Files → Kusto: the table and source are still empty.
    const switched: WizardForm = { ...goodForm, direction: 'filesToKusto', query: 'StormEvents' };
    assert.deepEqual(Object.keys(validateWizardForm(switched)).sort(), ['sourcePath', 'table']);
    assert.deepEqual(validateWizardForm(ingestForm), {});
    // And the other way: an ingest form's fields do not make a query job.
    assert.deepEqual(Object.keys(validateWizardForm({ ...ingestForm, direction: 'kustoToFiles', query: '', outputPath: '' })).sort(), ['outputPath', 'query']);
  });

  test('a target table name Kusto would refuse is refused on the form', () => {
    for (const table of ['StormEvents | take 10', "it's", 'a;b', 'x'.repeat(1025)]) {
      assert.match(validateWizardForm({ ...ingestForm, table }).table ?? '', /only letters, digits/, table);
    }
    assert.deepEqual(validateWizardForm({ ...ingestForm, table: 'Storm Events-2024.v1' }), {});
  });
});

describe('JobSpec from the wizard', () => {
  test('Kusto → files becomes a query source and a Spark folder destination, signed in as the chosen connection', () => {
    const spec = jobSpecFromWizardForm(goodForm, new Date('2026-11-25T10:20:30Z'), { kind: 'credential', id: 'conn-help' });
    assert.match(spec.id, /^job-20261125102030-[0-9a-f]{8}$/);
    assert.deepEqual(spec.source, {
      kind: 'kustoQuery',
      connection: { clusterUrl: 'https://help.kusto.windows.net', database: 'Samples', auth: { kind: 'credential', id: 'conn-help' } },
      query: 'StormEvents | take 10',
      readMode: 'auto',
    });
    assert.deepEqual(spec.destination, { kind: 'files', location: { kind: 'local', path: '/tmp/out' }, format: 'parquet', layout: 'sparkFolder' });
  });

  test('files → Kusto becomes a queued ingestion that creates the table if needed; with no connection chosen, auth is none', () => {
    const spec = jobSpecFromWizardForm({ ...ingestForm, table: ' Events ' });
    assert.deepEqual(spec.destination, {
      kind: 'kustoTable',
      connection: { clusterUrl: 'https://help.kusto.windows.net', database: 'Samples', auth: { kind: 'none' } },
      table: 'Events',
      mode: 'queued',
      tableCreation: 'createIfNotExists',
    });
  });
});
