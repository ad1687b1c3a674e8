// The checks every seeded reliability run ends with (seededRuns.test.ts, storageFaults.test.ts).
import assert from 'node:assert/strict';
import type { Content, Row } from './seededData';

/** No row twice, and every row one of the source's with its exact value. */
export function assertSubset(rows: Row[], source: Row[], what: string): void {
  const byId = new Map(source.map((r) => [r.id, r.name]));
  const seen = new Set<number>();
  for (const r of rows) {
    assert.ok(!seen.has(r.id), `${what}: row ${r.id} is there twice`);
    seen.add(r.id);
    assert.equal(r.name, byId.get(r.id), `${what}: row ${r.id} is not the source's`);
  }
}

export function assertClearError(error: string | undefined, what: string): void {
  assert.ok(error && error.trim().length > 10, `${what}: a failure without a clear message: ${JSON.stringify(error)}`);
  assert.doesNotMatch(error, /\n\s+at .+:\d+:\d+/, `${what}: the message holds a stack trace`);
}

/** The exact-content check, counting the rows it checked into the suite's totals (its results file). */
export function exactCheck(totals: { rowsChecked: number }): (actual: Content, expected: Content, what: string) => void {
  return (actual, expected, what) => {
    assert.deepEqual(actual, expected, `${what}: rows or content differ from the source`);
    totals.rowsChecked += actual.count;
  };
}
