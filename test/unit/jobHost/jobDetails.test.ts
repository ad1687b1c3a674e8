// The job details view's text: state, route, timings, figures by phase, the error with a cause
// and what to do, and the spec with secrets redacted (a SAS signature planted in the spec).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JournalRecord } from '../../../src/engine/journal';
import type { JobEntry, ResultFile } from '../../../src/jobHost/journalReader';
import { adviceFor, jobDetailsText } from '../../../src/jobHost/jobDetails';

const SIG = 'sv=2024&sig=Zm9vYmFyc2VjcmV0c2lnbmF0dXJl%3D';

function entry(change: Partial<JournalRecord>, result?: ResultFile): JobEntry {
  const record = {
    journalVersion: 1,
    spec: {
      version: 1,
      id: 'j1',
      name: 'Samples → out',
      createdAt: '',
      source: { kind: 'kustoQuery', connection: { clusterUrl: 'http://c', database: 'Samples' }, query: `externaldata(x:int) [h@'https://a.blob.core.windows.net/c/f.csv?${SIG}']` },
      destination: { kind: 'files', location: { kind: 'local', path: '/o' }, format: 'csv', layout: 'singleFile' },
    },
    state: 'succeeded',
    phase: 'done',
    startedAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:12.500Z',
    runs: 1,
    readMode: 'stream',
    estimatedRows: 1_000_000,
    ...change,
  } as JournalRecord;
  return { record, result, processAlive: false };
}

describe('job details', () => {
  test('a finished copy shows route, timings, figures per phase and its spec, with the SAS signature redacted', () => {
    const result: ResultFile = { jobId: 'j1', direction: 'kustoToFiles', state: 'succeeded', rows: 1_000_000, bytes: 12 * 1024 * 1024, files: ['/o'], seconds: 12.5, warnings: [], endedAt: '2026-01-01T00:00:12.600Z' };
    const text = jobDetailsText('j1', entry({}, result), 'succeeded');
    assert.match(text, /^# Samples → out$/m);
    assert.match(text, /\*\*State:\*\* succeeded$/m);
    assert.match(text, /\*\*To:\*\* \/o \(csv, singleFile\)/);
    assert.match(text, /\*\*Started:\*\* 2026-01-01T00:00:00.000Z/);
    assert.match(text, /\*\*Ended:\*\* 2026-01-01T00:00:12.600Z/);
    assert.match(text, /\*\*Took:\*\* 12\.5 s/);
    assert.match(text, /\*\*Planning:\*\* read mode stream, about 1,000,000 rows estimated/);
    assert.match(text, /\*\*Writing:\*\* 1,000,000 rows, 12\.0 MB, 1 file$/m);
    assert.match(text, /## Spec \(secrets redacted\)/);
    assert.match(text, /"id": "j1"/);
    assert.ok(!text.includes('Zm9vYmFyc2VjcmV0c2lnbmF0dXJl'), 'the SAS signature is not shown');
    assert.ok(!/## Error/.test(text), 'no error section for a success');
  });

  test('a failed sink job names the failed files with the service\'s reason and says what to do', () => {
    const result: ResultFile = {
      jobId: 'j1', direction: 'filesToKusto', state: 'failed', rows: 0, bytes: 0, files: [], seconds: 3, warnings: [], endedAt: '2026-01-01T00:00:03Z',
      error: '1 of 3 files failed', fileResults: [
        { relativePath: 'a.json', status: 'Succeeded', rows: 1 },
        { relativePath: 'broken.json', status: 'Failed', details: 'Stream_WrongNumberOfFields: bad json' },
        { relativePath: 'b.json', status: 'Skipped' },
      ],
    };
    const e = entry({ state: 'failed', phase: 'ingesting', error: '1 of 3 files failed' }, result);
    e.record.spec.source = { kind: 'files', location: { kind: 'local', path: '/in' }, format: 'json' };
    e.record.spec.destination = { kind: 'kustoTable', connection: { clusterUrl: 'http://c', database: 'D' }, table: 'T', mode: 'queued' };
    const text = jobDetailsText('j1', e, 'failed');
    assert.match(text, /\*\*State:\*\* failed$/m);
    assert.match(text, /\*\*Phase in the journal:\*\* ingesting/);
    assert.match(text, /\*\*Ingesting:\*\* 3 files: 1 succeeded, 1 failed, 1 skipped/);
    assert.match(text, /## Error/);
    assert.match(text, /\*\*Message:\*\* 1 of 3 files failed/);
    assert.match(text, /\*\*Likely cause:\*\* 1 file failed to ingest/);
    assert.match(text, /\*\*What to do:\*\* Fix or remove the failed files, then Resume Job/);
    assert.match(text, /\*\*broken\.json:\*\* Stream_WrongNumberOfFields: bad json/);
  });

  test('causes and actions: sign-in, privileges, interrupted, cancelled; none for a success', () => {
    assert.match(adviceFor('failed', 'the job needs a new access token', 'SIGN_IN_REQUIRED', 0)?.action ?? '', /Sign in .* then Resume Job/);
    assert.match(adviceFor('failed', 'HTTP 403 Forbidden: principal is not authorized', undefined, 0)?.cause ?? '', /lacks a role/);
    assert.match(adviceFor('interrupted', undefined, undefined, 0)?.action ?? '', /Discard Job/);
    assert.match(adviceFor('canceled', 'the job was cancelled', undefined, 0)?.action ?? '', /Resume Job/);
    assert.equal(adviceFor('succeeded', undefined, undefined, 0), undefined);
  });

  test('an interrupted job says why it stopped and what to do', () => {
    const text = jobDetailsText('j1', entry({ state: 'running', phase: 'writing', pid: 999999 }), 'interrupted');
    assert.match(text, /\*\*State:\*\* interrupted/);
    assert.match(text, /\*\*Process:\*\* 999999 \(gone\)/);
    assert.match(text, /## Why it stopped/);
    assert.match(text, /job process ended without finishing/);
  });
});
