// The wizard's Options section as JobSpec fields, a spec back as the wizard's fields (a job file
// opened, a job edited), and job files without the fields a run fills in.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateJobSpec } from '../../../src/engine/validateJobSpec';
import { completeJobFile, jobFileFromSpec, jobSpecFromWizardForm, wizardPrefillFromSpec } from '../../../src/ui/jobSpecFromWizard';
import { type WizardForm, type WizardOptions, parseWizardMessage, validateWizardForm } from '../../../src/webviewProtocol/wizardProtocol';

const queryForm: WizardForm = {
  direction: 'kustoToFiles',
  clusterUrl: 'https://help.kusto.windows.net',
  database: 'Samples',
  query: 'StormEvents',
  outputPath: '/tmp/storm',
  format: 'parquet',
  sourcePath: '',
  table: '',
};
const ingestForm: WizardForm = { ...queryForm, direction: 'filesToKusto', sourcePath: '/data/spark-out', table: 'Events' };

describe('wizard options in the JobSpec', () => {
  test('Kusto → files: compression, partitions, rows per file, replace, read mode and your own staging all land in the spec, which the engine accepts', () => {
    const spec = jobSpecFromWizardForm({
      ...queryForm,
      options: { compression: 'gzip', partitionBy: ['State', 'EventType'], maxRowsPerFile: ' 5000 ', ifExists: 'replace', readMode: 'export', stagingUrl: 'https://acct.blob.core.windows.net/stage', stagingSecretRef: 'env:STAGE_SAS', keepExportedFiles: true },
    });
    validateJobSpec(spec);
    assert.deepEqual(spec.destination, { kind: 'files', location: { kind: 'local', path: '/tmp/storm' }, format: 'parquet', layout: 'sparkFolder', compression: 'gzip', partitionBy: ['State', 'EventType'], maxRowsPerFile: 5000, ifExists: 'replace' });
    assert.equal(spec.source.kind, 'kustoQuery');
    if (spec.source.kind !== 'kustoQuery') return;
    assert.equal(spec.source.readMode, 'export');
    assert.deepEqual(spec.source.staging, { kind: 'blob', url: 'https://acct.blob.core.windows.net/stage', secretRef: 'env:STAGE_SAS', authKind: 'sas' });
    assert.equal(spec.source.keepExportedFiles, true);
  });

  test('options left at their defaults are left out of the spec: it says only what the user chose', () => {
    const spec = jobSpecFromWizardForm({ ...queryForm, options: { compression: 'default', partitionBy: [], maxRowsPerFile: '', ifExists: 'fail', stagingUrl: '', keepExportedFiles: true } });
    assert.deepEqual(spec.destination, { kind: 'files', location: { kind: 'local', path: '/tmp/storm' }, format: 'parquet', layout: 'sparkFolder' });
    assert.equal(spec.source.kind === 'kustoQuery' && spec.source.staging, undefined);
    assert.equal(spec.source.kind === 'kustoQuery' && spec.source.keepExportedFiles, undefined, 'nothing to keep without your own staging');
  });

  test('files → Kusto: ingest mode, table creation, mapping and continuous ingestion with its interval', () => {
    const spec = jobSpecFromWizardForm({ ...ingestForm, options: { sourceFormat: 'csv', ingestMode: 'transactional', tableCreation: 'createMerge', mappingReference: 'EventsMap', continuous: true, pollIntervalSeconds: '30' } });
    validateJobSpec(spec);
    assert.deepEqual(spec.source, { kind: 'files', location: { kind: 'local', path: '/data/spark-out' }, format: 'csv', layout: 'auto' });
    assert.deepEqual(spec.destination, {
      kind: 'kustoTable',
      connection: { clusterUrl: 'https://help.kusto.windows.net', database: 'Samples', auth: { kind: 'none' } },
      table: 'Events',
      mode: 'transactional',
      tableCreation: 'createMerge',
      mappingReference: 'EventsMap',
      continuous: { pollIntervalMs: 30_000 },
    });
  });

  test('a new table\'s columns as edited in the review become destination.columns; a named mapping or none leaves them out', () => {
    const tableColumns = [{ source: 'EventId', name: 'Id', type: 'long' }, { source: 'State', name: 'State', type: 'string' }];
    const spec = jobSpecFromWizardForm({ ...ingestForm, tableColumns });
    validateJobSpec(spec);
    assert.deepEqual(spec.destination.kind === 'kustoTable' && spec.destination.columns, tableColumns);
    const mapped = jobSpecFromWizardForm({ ...ingestForm, tableColumns, options: { mappingReference: 'M' } });
    assert.equal(mapped.destination.kind === 'kustoTable' && mapped.destination.columns, undefined);
    assert.deepEqual(wizardPrefillFromSpec(spec).tableColumns, tableColumns);
  });

  test('a spec comes back into the wizard with every option it set (open a job file, edit a job)', () => {
    const options: Partial<WizardOptions> = { compression: 'gzip', partitionBy: ['State'], maxRowsPerFile: '100', ifExists: 'replace', readMode: 'stream' };
    const prefill = wizardPrefillFromSpec(jobSpecFromWizardForm({ ...queryForm, options }));
    assert.equal(prefill.direction, 'kustoToFiles');
    assert.equal(prefill.query, 'StormEvents');
    assert.equal(prefill.outputPath, '/tmp/storm');
    assert.deepEqual({ ...prefill.options }, { ...options, partitionBy: ['State'], stagingUrl: '', stagingSecretRef: '', keepExportedFiles: false });
    const ingest = wizardPrefillFromSpec(jobSpecFromWizardForm({ ...ingestForm, options: { ingestMode: 'streaming', continuous: true, pollIntervalSeconds: '5' } }));
    assert.equal(ingest.table, 'Events');
    assert.equal(ingest.sourcePath, '/data/spark-out');
    assert.equal(ingest.options?.ingestMode, 'streaming');
    assert.equal(ingest.options?.continuous, true);
    assert.equal(ingest.options?.pollIntervalSeconds, '5');
  });

  test('a job file has no id or createdAt; read back, they are filled in and the engine takes it', () => {
    const file = jobFileFromSpec(jobSpecFromWizardForm(queryForm));
    assert.equal('id' in file, false);
    assert.equal('createdAt' in file, false);
    const spec = validateJobSpec(completeJobFile(JSON.parse(JSON.stringify(file)), new Date('2026-12-03T05:00:00Z')));
    assert.match(spec.id, /^job-20261203050000-[0-9a-f]{8}$/);
    assert.equal(spec.createdAt, '2026-12-03T05:00:00.000Z');
    // An id the file gives is kept.
    assert.equal(validateJobSpec(completeJobFile({ ...file, id: 'nightly-storm', createdAt: '2026-01-01T00:00:00Z' })).id, 'nightly-storm');
  });
});

describe('wizard option rules and messages', () => {
  test('a bad number, a staging URL with its SAS in it, snappy CSV and a bad mapping name are each named', () => {
    const errors = validateWizardForm({ ...queryForm, format: 'csv', options: { maxRowsPerFile: '10k', stagingUrl: 'https://a.blob.core.windows.net/c?sv=1&sig=abc', compression: 'snappy' } });
    assert.deepEqual(Object.keys(errors).sort(), ['format', 'maxRowsPerFile', 'stagingUrl']);
    assert.match(errors.stagingUrl ?? '', /Leave the SAS out/);
    const ingest = validateWizardForm({ ...ingestForm, options: { continuous: true, pollIntervalSeconds: '0', mappingReference: 'a;b' } });
    assert.deepEqual(Object.keys(ingest).sort(), ['mappingReference', 'pollIntervalSeconds']);
  });

  test('every new message is checked: options of the wrong kind, lists too long and unknown fields are refused or dropped', () => {
    assert.deepEqual(parseWizardMessage({ type: 'validate', seq: 3, resolveHost: true, form: { ...queryForm, options: { readMode: 'export', junk: 1 } } }), {
      type: 'validate',
      seq: 3,
      resolveHost: true,
      form: { ...queryForm, options: { readMode: 'export' } },
    });
    assert.throws(() => parseWizardMessage({ type: 'validate', seq: -1, resolveHost: false, form: queryForm }), /"seq"/);
    assert.throws(() => parseWizardMessage({ type: 'submit', form: { ...queryForm, options: { continuous: 'yes' } } }), /"continuous" must be true or false/);
    assert.throws(() => parseWizardMessage({ type: 'submit', form: { ...queryForm, options: { ingestMode: 'direct' } } }), /"ingestMode" must be one of/);
    assert.throws(() => parseWizardMessage({ type: 'submit', form: { ...queryForm, options: { partitionBy: Array(1001).fill('a') } } }), /at most 1000/);
    assert.throws(() => parseWizardMessage({ type: 'submit', form: { ...queryForm, options: { partitionBy: [1] } } }), /must be a string/);
    assert.throws(() => parseWizardMessage({ type: 'browse', field: '/etc/passwd' }), /"field" must be one of/);
    assert.throws(() => parseWizardMessage({ type: 'generateSparkCode', form: queryForm, language: 'java' }), /"language" must be one of/);
    assert.deepEqual(parseWizardMessage({ type: 'lookup', what: 'tables', clusterUrl: 'u', database: 'd', connectionId: '' }), { type: 'lookup', what: 'tables', clusterUrl: 'u', database: 'd', connectionId: '' });
    assert.throws(() => parseWizardMessage({ type: 'review', seq: 2, form: { ...ingestForm, tableColumns: [{ source: 'a', name: 'b', type: 'long', x: 1 }] } }), /unknown fields: x/);
    assert.deepEqual(parseWizardMessage({ type: 'review', seq: 2, form: { ...ingestForm, tableColumns: [{ source: 'a', name: 'b', type: 'long' }] } }), {
      type: 'review',
      seq: 2,
      form: { ...ingestForm, tableColumns: [{ source: 'a', name: 'b', type: 'long' }] },
    });
    assert.throws(() => parseWizardMessage({ type: 'review', seq: 2, form: { ...ingestForm, tableColumns: [{ source: 'a', name: 'b' }] } }), /tableColumns: column "a" has an unknown type/);
  });
});
