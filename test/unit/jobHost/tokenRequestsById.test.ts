// The front end's side of token requests by connection id: a job process may ask for the sign-in
// of a connection its spec names for a blob location, and for no other. A stand-in job process
// (plain JS, forked as the real one is) asks for both and reports the answers in its result.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { JobProcess } from '../../../src/jobHost/jobProcessClient';

const dir = mkdtempSync(join(tmpdir(), 'kdm-token-ids-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const standIn = `
const answers = {};
process.on('message', (m) => {
  if (m.type === 'start') {
    for (const [id, authId] of [[1, undefined], [2, 'conn-storage'], [3, 'conn-elsewhere']]) process.send({ type: 'tokenRequest', id, resource: 'https://storage.azure.com/', ...(authId ? { authId } : {}) });
  } else if (m.type === 'tokenResponse') {
    answers[m.id] = m.token ?? 'error: ' + m.error;
    if (Object.keys(answers).length === 3) {
      process.send({ type: 'result', result: { jobId: 'j', direction: 'filesToKusto', state: 'failed', rows: 0, bytes: 0, files: [], seconds: 0, error: JSON.stringify(answers) }, warnings: [] }, () => process.disconnect());
    }
  }
});
`;

describe('token requests by connection id', () => {
  test('the job\'s own id and a location\'s named connection are answered; a connection the spec does not name is refused', async () => {
    const entry = join(dir, 'standIn.js');
    writeFileSync(entry, standIn);
    const asked: string[] = [];
    const job = new JobProcess({
      entry, jobsDir: dir, request: { kind: 'resume', jobId: 'j' }, authId: 'conn-kusto', storageCredentialIds: ['conn-storage'],
      credentials: { resolve: (id) => (id === undefined ? undefined : { getToken: async () => (asked.push(id), `${id}-token`) }) },
    });
    const { result } = await job.result;
    assert.deepEqual(JSON.parse(result.error ?? '{}'), {
      1: 'conn-kusto-token',
      2: 'conn-storage-token',
      3: 'error: the job asked for the sign-in of connection "conn-elsewhere", which no location of its spec names',
    });
    assert.deepEqual(asked.sort(), ['conn-kusto', 'conn-storage']);
  });
});
