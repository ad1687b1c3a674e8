// Parquet with maxRowsPerFile stays on the fast path (row groups parsed from the response's bytes):
// the reader ends each row group at the output's file boundaries, so every file holds exactly
// maxRowsPerFile rows (the last one the rest), in order, read back by a reader we did not write.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setSocketReadBytes } from '../../../src/kusto/httpStream';
import { streamQuery } from '../../../src/kusto/streamingQueryReader';
import { SparkFolderWriter } from '../../../src/spark/sparkFolderWriter';
import { chunkedAnswer } from '../../helpers/chunkedAnswer';
import { readBackParquet } from '../parquetReadBack';
import { type FakeKustoServer, progressiveResponse, startFakeKusto } from './fakeKustoServer';

let server: FakeKustoServer;
let dir: string;
let readBytesBefore = 0;
before(async () => {
  server = await startFakeKusto();
  dir = mkdtempSync(join(tmpdir(), 'kdm-maxrows-'));
  // Reads of at most 64 KB, as node:http's: the long rows are then still incomplete where a read ends (see below).
  readBytesBefore = setSocketReadBytes(64 << 10);
});
after(async () => {
  setSocketReadBytes(readBytesBefore);
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Row n's string: three rows longer than the reader parses from bytes (LONG_ROW_BYTES) go to the text parser, so both kinds meet file boundaries. */
const LONG = new Set([500, 1400, 2100]);
const textOf = (n: number): string => (LONG.has(n) ? `${'h'.repeat(300_000)}-${n}` : `s-${n}`);
const rowOf = (n: number): string => `[${n},"${textOf(n)}"]`;

describe('Parquet with maxRowsPerFile from row bytes', () => {
  // parseBatchBytes 0: each chunk parsed as it comes, so the long rows are still incomplete where a
  // chunk ends and go to the text parser; undefined: the default batches of chunks, in which those
  // rows are whole and parsed from bytes like the rest.
  for (const [maxRowsPerFile, chunkSize, workers, parseBatchBytes] of [[700, 4096, 0, 0], [1000, 65536, 0, 0], [333, 1500, 2, 0], [700, 4096, 0, undefined], [333, 65536, 0, undefined]] as const) {
    test(`files of exactly ${maxRowsPerFile} rows, in order, most rows as row groups (chunks of ${chunkSize}${workers ? `, ${workers} parse workers asked for` : ''}${parseBatchBytes === undefined ? ', parsed in batches' : ''})`, async () => {
      const total = 2500;
      const columns = [{ name: 'n', type: 'long' }, { name: 's', type: 'string' }] as const;
      const body = Buffer.from(progressiveResponse([['n', 'long'], ['s', 'string']], [Array.from({ length: 1800 }, (_, n) => rowOf(n)), Array.from({ length: total - 1800 }, (_, n) => rowOf(1800 + n))]).join(''), 'utf8');
      server.script([chunkedAnswer(body, chunkSize)]);
      const folder = join(dir, `out-${maxRowsPerFile}-${chunkSize}`);
      const writer = await SparkFolderWriter.open({ folder, format: 'parquet', columns: [...columns], maxRowsPerFile, jobId: 'maxrows', ifExists: 'replace' });
      let groupRows = 0;
      let parsedRows = 0;
      for await (const event of streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T', parquetSpans: { codec: 'snappy', pageBytes: 1 << 20, workers, maxRowsPerFile, parseBatchBytes } })) {
        if (event.kind === 'encodedRows') {
          await writer.writeRowGroup(event.group);
          groupRows += event.rows;
        } else if (event.kind === 'rows') {
          await writer.write(event.rows);
          parsedRows += event.rows.length;
        }
      }
      const summary = await writer.commit();
      assert.equal(summary.rows, total);
      assert.equal(groupRows + parsedRows, total);
      assert.ok(groupRows >= total * 0.9, `rows as row groups: ${groupRows}`);
      if (parseBatchBytes === 0) assert.ok(parsedRows >= 1, `rows from the text parser: ${parsedRows}`);
      const parts = readdirSync(folder).filter((f) => f.endsWith('.parquet')).sort();
      const perFile: number[] = [];
      const values: unknown[] = [];
      for (const part of parts) {
        const back = await readBackParquet(readFileSync(join(folder, part)));
        perFile.push(back.rows.length);
        values.push(...back.rows.map((r) => [r.n, r.s]));
      }
      const full = Math.floor(total / maxRowsPerFile);
      assert.deepEqual(perFile, [...Array(full).fill(maxRowsPerFile), ...(total % maxRowsPerFile ? [total % maxRowsPerFile] : [])]);
      assert.equal(values.length, total);
      assert.ok(values.every((v, n) => (v as unknown[])[0] === BigInt(n) && (v as unknown[])[1] === textOf(n)), 'every row once, in order');
    });
  }
});
