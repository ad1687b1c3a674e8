// A few MB of JavaScript heap held while a query's response streams (streamingQueryReader.ts).
// The engine's bundle leaves V8 a live old generation just over the 8 MB at which V8 starts
// incremental marking at all, with less room to its limit than the young generation's size: V8
// then started a full (concurrent) collection every ~140 ms of a long stream although almost
// nothing was allocated between them (1 M rows to JSON lines: 5 full collections, each after
// 14-70 KB of allocation; 10 M rows: 72, about 0.9 s of CPU on V8's helper threads). With 2 MB
// more live, 1 full collection in the whole 10 M-row job; 4 MB here for margin. Measured with
// `--trace-gc` on the bench's recorded responses (docs/benchmarks.md, fifth pass).
const BALLAST_DOUBLES = (4 << 20) / 8;

let ballast: number[] | undefined;
let holders = 0;

/** Holds the ballast until the returned function is called (once); shared by the streams of a process. */
export function holdGcBallast(): () => void {
  if (holders++ === 0) ballast = new Array<number>(BALLAST_DOUBLES).fill(0.5);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) ballast = undefined;
  };
}

/** Whether the ballast is held now (tests). */
export function gcBallastHeld(): boolean {
  return ballast !== undefined;
}
