// What "replace" may delete: only Spark's own names (and our marker) with _SUCCESS or
// _spark_metadata at the top; the same rule for a local folder and for blob names under a prefix.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type FolderEntry, replaceRefusal } from '../../../src/spark/outputFolder';

const files = (...paths: string[]): FolderEntry[] => paths.map((path) => ({ path, directory: false }));

describe('replaceRefusal', () => {
  test('a Spark output folder is replaceable: part files, _SUCCESS, checksums, partitions, the streaming log', () => {
    assert.equal(replaceRefusal(files('_SUCCESS', '._SUCCESS.crc', 'part-00000-a-c000.snappy.parquet', '.part-00000-a-c000.snappy.parquet.crc')), undefined);
    assert.equal(replaceRefusal(files('_SUCCESS', 'State=TX/part-00000-a-c000.csv', 'State=TX/Year=2020/part-00001-a-c000.csv')), undefined);
    assert.equal(replaceRefusal(files('_spark_metadata/0', '_spark_metadata/1.compact', 'part-00000-b-c000.json')), undefined);
    // An export of ours into blob storage: its parts are named by the attempt's prefix.
    assert.equal(replaceRefusal(files('_SUCCESS', 'part-1a2b3c4d_0_0_0.parquet')), undefined);
    assert.equal(replaceRefusal([]), undefined);
  });

  test("anything else is refused, naming what is in the way", () => {
    assert.match(replaceRefusal(files('_SUCCESS', 'part-00000-a-c000.csv', 'thesis.docx')) ?? '', /\(thesis\.docx\)/);
    assert.match(replaceRefusal(files('_SUCCESS', 'notes/part-00000.csv')) ?? '', /notes\/part-00000\.csv/);
    assert.match(replaceRefusal([{ path: 'photos', directory: true }, ...files('_SUCCESS')]) ?? '', /\(photos\)/);
    assert.match(replaceRefusal(files('part-00000-a-c000.csv')) ?? '', /no _SUCCESS or _spark_metadata/);
    assert.match(replaceRefusal(files('a', 'b', 'c', 'd')) ?? '', /\(a, b, c, …\)/);
  });
});
