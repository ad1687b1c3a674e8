import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type WizardForm, parseWizardMessage, validateWizardForm } from '../../../src/webviewProtocol/wizardProtocol';
import { jobSpecFromWizardForm } from '../../../src/engine/jobSpecFromWizard';

const goodForm: WizardForm = {
  direction: 'kustoToFiles',
  clusterUrl: 'https://help.kusto.windows.net',
  database: 'Samples',
  queryOrTable: 'StormEvents | take 10',
  localPath: '/tmp/out',
  format: 'parquet',
};

describe('wizard message validation', () => {
  test('accepts the ready handshake and a well-formed submit', () => {
    assert.deepEqual(parseWizardMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWizardMessage({ type: 'submit', form: { ...goodForm, extra: 'dropped' } }), { type: 'submit', form: goodForm });
  });

  test('rejects unknown types, non-objects and fields of the wrong type', () => {
    assert.throws(() => parseWizardMessage('ready'), /must be an object/);
    assert.throws(() => parseWizardMessage({ type: 'runShell', command: 'rm -rf /' }), /unknown message type "runShell"/);
    assert.throws(() => parseWizardMessage({ type: 'submit', form: { ...goodForm, database: 42 } }), /"database" must be a string/);
    assert.throws(() => parseWizardMessage({ type: 'submit', form: { ...goodForm, format: 'xlsx' } }), /"format" must be one of parquet, csv, json/);
    assert.throws(() => parseWizardMessage({ type: 'submit', form: { ...goodForm, queryOrTable: 'x'.repeat(100_001) } }), /too long/);
  });
});

describe('wizard form rules', () => {
  test('a complete form has no errors', () => {
    assert.deepEqual(validateWizardForm(goodForm), {});
  });

  test('names each missing or invalid field with an actionable message', () => {
    const errors = validateWizardForm({ ...goodForm, clusterUrl: 'not a url', database: ' ', queryOrTable: '.drop table T', localPath: '' });
    assert.deepEqual(Object.keys(errors).sort(), ['clusterUrl', 'database', 'localPath', 'queryOrTable']);
    assert.match(errors.queryOrTable ?? '', /Management commands/);
    assert.match(errors.clusterUrl ?? '', /https:\/\/mycluster/);
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
    const spec = jobSpecFromWizardForm({ ...goodForm, direction: 'filesToKusto', queryOrTable: ' Events ' });
    assert.deepEqual(spec.destination, {
      kind: 'kustoTable',
      connection: { clusterUrl: 'https://help.kusto.windows.net', database: 'Samples', auth: { kind: 'none' } },
      table: 'Events',
      mode: 'queued',
      tableCreation: 'createIfNotExists',
    });
  });
});
