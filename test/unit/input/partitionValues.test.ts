// Issue 23 item 4: a real partition value is written as Spark writes it ("-1.0", not "-1",
// which Spark reads back as an integer).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { partitionFolderName } from '../../../src/spark/hivePartitionPath';

describe('partition folder names for real values (issue 23 item 4)', () => {
  test('are written as Java writes doubles, which is what Spark writes', () => {
    const names = [-1, 2.5, 0, 1e7, 0.0001, 123456.75, NaN].map((v) => partitionFolderName('score', 'real', v));
    assert.deepEqual(names, ['score=-1.0', 'score=2.5', 'score=0.0', 'score=1.0E7', 'score=1.0E-4', 'score=123456.75', 'score=NaN']);
    assert.equal(partitionFolderName('n', 'long', -1), 'n=-1');
  });
});
