/** A variant's median run and every run, in round order (the bench's result rows). */
export interface Runs {
  seconds: number;
  runSeconds?: number[];
}

/**
 * How many times faster `ours` is than `theirs` (the time of theirs over ours), judged round by
 * round: the median of the rounds' own ratios, where both ran every round; else the ratio of
 * their median runs. Rounds run every variant in turn so that a machine whose speed drifts weighs
 * on all of them alike, but only within a round: in one run the raw copy's rounds took 2.4, 2.5,
 * 2.0, 3.5 and 3.4 s and the Parquet job's 2.8, 2.9, 3.7, 3.9 and 3.9 s, each round's ratio
 * 0.87, 0.88, 0.54, 0.90, 0.88, while the medians of the two made 0.68 (2026-12-07).
 */
export function timesFaster(ours: Runs, theirs: Runs): { ratio: number; detail: string } {
  const a = ours.runSeconds ?? [];
  const b = theirs.runSeconds ?? [];
  const ofMedians = theirs.seconds / ours.seconds;
  if (a.length < 2 || a.length !== b.length) return { ratio: ofMedians, detail: `${ofMedians.toFixed(2)}×` };
  const rounds = a.map((seconds, i) => b[i] / seconds);
  const sorted = [...rounds].sort((x, y) => x - y);
  const middle = sorted.length / 2;
  const ratio = sorted.length % 2 === 1 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { ratio, detail: `${ratio.toFixed(2)}× (rounds ${rounds.map((r) => r.toFixed(2)).join(' ')}; ratio of the medians ${ofMedians.toFixed(2)}×)` };
}
