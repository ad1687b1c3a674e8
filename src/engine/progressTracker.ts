// Turns the runner's counters into progress events: at most one per interval (plus phase changes,
// the final one, and a trailing one when the counts changed inside an interval), with a rate over the last few seconds and an ETA when the total is known.
import type { JobPhase, ProgressEvent } from './jobContext';

export class ProgressTracker {
  rows = 0;
  bytes = 0;
  files = 0;
  filesTotal: number | undefined;
  totalRows: number | undefined;
  /** Share done (0..1) when the server reports it; used for the ETA when the total is unknown. */
  fraction: number | undefined;
  private phase: JobPhase = 'planning';
  private lastEmit = 0;
  private readonly samples: Array<{ t: number; rows: number }> = [];
  /** A report held back by the interval is sent when it ends, so a stalled stream still shows its last counts. */
  private trailing: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly emit: (event: Omit<ProgressEvent, 'jobId'>) => void,
    private readonly intervalMs = 250,
    private readonly now: () => number = Date.now,
  ) {}

  setPhase(phase: JobPhase, message?: string): void {
    this.phase = phase;
    this.report(true, message);
  }

  addRows(count: number, bytes = 0): void {
    this.rows += count;
    this.bytes += bytes;
    this.report(false);
  }

  /** Rows written so far are void (a retry or a DataReplace starts the output again). */
  resetRows(): void {
    this.rows = 0;
    this.bytes = 0;
    this.samples.length = 0;
    this.report(true);
  }

  report(force: boolean, message?: string): void {
    const t = this.now();
    if (!force && t - this.lastEmit < this.intervalMs) {
      this.trailing ??= setTimeout(() => {
        this.trailing = undefined;
        this.report(true);
      }, Math.max(1, this.intervalMs - (t - this.lastEmit)));
      this.trailing.unref?.();
      return;
    }
    if (this.trailing) {
      clearTimeout(this.trailing);
      this.trailing = undefined;
    }
    this.lastEmit = t;
    this.samples.push({ t, rows: this.rows });
    while (this.samples.length > 2 && t - this.samples[0].t > 5000) this.samples.shift();
    const first = this.samples[0];
    const elapsed = (t - first.t) / 1000;
    const rate = elapsed > 0 ? (this.rows - first.rows) / elapsed : undefined;
    let etaSeconds: number | undefined;
    if (rate && rate > 0) {
      if (this.totalRows !== undefined && this.totalRows >= this.rows) etaSeconds = (this.totalRows - this.rows) / rate;
      else if (this.fraction !== undefined && this.fraction > 0 && this.fraction < 1) etaSeconds = (this.rows / this.fraction - this.rows) / rate;
    }
    const event: Omit<ProgressEvent, 'jobId'> = { phase: this.phase, rows: this.rows, bytes: this.bytes, files: this.files };
    if (this.filesTotal !== undefined) event.filesTotal = this.filesTotal;
    if (rate !== undefined) event.rate = Math.round(rate);
    if (etaSeconds !== undefined) event.etaSeconds = Math.round(etaSeconds);
    if (message) event.message = message;
    this.emit(event);
  }
}
