// How jobs read in the Jobs view: states from the journal, the result file and this window's
// live state; descriptions with percent, counts, bytes, rate and time left.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JournalRecord } from '../../../src/engine/journal';
import type { JobEntry } from '../../../src/jobHost/journalReader';
import { describeJob, overallPercent, viewState } from '../../../src/jobHost/jobStatusText';

function entry(change: Partial<JournalRecord>, extra: Partial<JobEntry> = {}): JobEntry {
  const record = {
    journalVersion: 1,
    spec: { version: 1, id: 'j1', createdAt: '', source: { kind: 'kustoQuery', connection: { clusterUrl: 'http://c', database: 'D' }, query: 'T' }, destination: { kind: 'files', location: { kind: 'local', path: '/o' }, format: 'csv' } },
    state: 'running',
    phase: 'planning',
    startedAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:01Z',
    runs: 1,
    ...change,
  } as JournalRecord;
  return { record, processAlive: false, ...extra };
}

describe('job states in the view', () => {
  test('a journal that says running reads running while its process lives, interrupted when it is gone', () => {
    assert.equal(viewState(entry({ pid: 1 }, { processAlive: true }), undefined), 'running');
    assert.equal(viewState(entry({ pid: 1 }, { processAlive: false }), undefined), 'interrupted');
  });

  test('this window\'s own state wins (queued, cancelling) over the journal', () => {
    assert.equal(viewState(undefined, 'queued'), 'queued');
    assert.equal(viewState(entry({}, { processAlive: true }), 'cancelling'), 'cancelling');
  });

  test('a succeeded job with warnings in its result reads "succeeded with warnings"', () => {
    const result = { jobId: 'j1', direction: 'kustoToFiles' as const, state: 'succeeded' as const, rows: 3, bytes: 1, files: ['/o'], seconds: 1, warnings: ['w'], endedAt: '' };
    assert.equal(viewState(entry({ state: 'succeeded' }, { result }), undefined), 'succeededWithWarnings');
    assert.equal(describeJob('succeededWithWarnings', entry({ state: 'succeeded' }, { result }), undefined), 'succeeded with warnings · 3 rows · 1 warning');
    assert.equal(viewState(entry({ state: 'succeeded' }, { result: { ...result, warnings: [] } }), undefined), 'succeeded');
  });

  test('a failed job reads "failed", not "failed · planning"', () => {
    assert.equal(describeJob('failed', entry({ state: 'failed', phase: 'planning', error: 'x' }), undefined), 'failed');
  });

  test('a running job shows percent from the row estimate, rows, bytes, rate and time left', () => {
    const e = entry({ estimatedRows: 1_000_000 }, { processAlive: true });
    const text = describeJob('running', e, { jobId: 'j1', phase: 'writing', rows: 420_000, bytes: 35 * 1024 * 1024, rate: 210_000, etaSeconds: 3 });
    assert.equal(text, '42% · 420.0k of 1.00M rows · 35.0 MB · 210.0k rows/s · 3 s left');
  });

  test('a streamed copy with no estimate shows its rows without a total or percent', () => {
    const text = describeJob('running', entry({}, { processAlive: true }), { jobId: 'j1', phase: 'reading', rows: 5000, rate: 1000 });
    assert.equal(text, '5,000 rows · 1,000 rows/s');
  });

  test('the status bar\'s overall percent uses each job\'s row estimate, and none when one job has no total', () => {
    const estimates = new Map([['a', 1000], ['b', 4000]]);
    const jobs = [
      { jobId: 'a', progress: { jobId: 'a', phase: 'reading' as const, rows: 500 } },
      { jobId: 'b', progress: { jobId: 'b', phase: 'reading' as const, rows: 1000 } },
    ];
    assert.equal(overallPercent(jobs, (id) => estimates.get(id)), 37);
    assert.equal(overallPercent([...jobs, { jobId: 'c', progress: { jobId: 'c', phase: 'reading' as const, rows: 5 } }], (id) => estimates.get(id)), undefined);
  });

  test('a sink job shows percent from its files', () => {
    const text = describeJob('running', undefined, { jobId: 'j1', phase: 'ingesting', files: 1, filesTotal: 4, bytes: 2048 });
    assert.equal(text, '25% · 1/4 files · 2.0 KB');
  });
});
