// One poller for every queued file of a job that waits for its final ingestion status. Waiting is
// decoupled from uploading: the sink hands each enqueued file's ticket here and goes on uploading,
// however many files are pending. The poller stays polite to the status table with thousands of
// pending files: at most `maxConcurrentReads` reads at once, the oldest ticket first, each ticket on
// its own interval (backing off to 10× for long ingestions) and deadline. A ticket still Pending at
// its deadline is 'Unknown' — never a success (azure-kusto-spark #237).
//
// Head of line: the service seals ingestion batches in the order files arrive, so while the oldest
// files are Pending the newer ones almost always are too. Only the oldest few tickets (as many as
// reads may run at once) are read on their schedule; the others are swept slowly (every
// `tailSweepMs`) and move up as older ones finish, due at once, since they are likely final by then.
// Reading every pending file on its own schedule cost hundreds of reads while a job was still
// uploading (each one also work for the status table's server), for no earlier result.
import type { FileIngestStatus, StatusOutcome } from './ingestionOutcome';

/** What one read of the status table found: a final outcome, or undefined while still Pending. */
export type StatusRead = (statusTableUrl: string, sourceId: string, signal: AbortSignal) => Promise<StatusOutcome | undefined>;

export interface StatusPollerOptions {
  /** Status-table reads in flight at once, across all tickets (default 4). */
  maxConcurrentReads?: number;
  /** Cancels the poller: every pending wait rejects with the signal's reason. */
  signal?: AbortSignal;
  /** A read that takes longer is abandoned and counts as a transient error (default 60 s). */
  readTimeoutMs?: number;
  /** Tickets behind the head of the line are read at most this often (default 30 s, or 10× their interval when longer). */
  tailSweepMs?: number;
}

export interface TicketTiming {
  /** Pause before the first read; each next pause grows 1.5×, up to 10× this. */
  intervalMs: number;
  /** From the moment the ticket is added. */
  timeoutMs: number;
}

interface Ticket {
  statusTableUrl: string;
  sourceId: string;
  timing: TicketTiming;
  deadline: number;
  dueAt: number;
  /** Behind the head of the line, the ticket is not read before this time. */
  sweepAt: number;
  interval: number;
  reading: boolean;
  resolve: (outcome: StatusOutcome) => void;
  reject: (reason: unknown) => void;
}

const FINAL: ReadonlySet<string> = new Set<FileIngestStatus>(['Succeeded', 'Failed', 'PartiallySucceeded', 'Skipped']);

/** Turns a status entity into an outcome (undefined while it is not final). */
export function outcomeOf(entity: { Status?: unknown; Details?: unknown; ErrorCode?: unknown; FailureStatus?: unknown }): StatusOutcome | undefined {
  const status = String(entity.Status ?? 'Pending');
  if (!FINAL.has(status)) return undefined;
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  return { status: status as FileIngestStatus, details: text(entity.Details), errorCode: text(entity.ErrorCode), failureStatus: text(entity.FailureStatus) };
}

/** The outcome of a ticket that ran out of time: the wording users and tests rely on. */
export function timedOutOutcome(timeoutMs: number, lastError: unknown): StatusOutcome {
  const why = lastError ? `; the status table could not be read: ${lastError instanceof Error ? lastError.message : String(lastError)}` : '';
  return { status: 'Unknown', details: `no final status within ${Math.round(timeoutMs / 1000)} s (the ingestion may still complete)${why}` };
}

function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? Object.assign(new Error('the status poller was closed'), { name: 'AbortError' });
}

export class IngestionStatusPoller {
  private readonly cap: number;
  private readonly readTimeoutMs: number;
  private readonly tailSweepMs: number;
  /** Pending tickets in the order they were added (oldest first). */
  private readonly tickets: Ticket[] = [];
  private inFlight = 0;
  /** Aborts the reads in flight when the poller closes. */
  private readonly stopReads = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private closed: unknown;
  private readonly onAbort = (): void => this.close(abortReason(this.options.signal));

  constructor(
    private readonly read: StatusRead,
    private readonly options: StatusPollerOptions = {},
  ) {
    this.cap = Math.max(1, options.maxConcurrentReads ?? 4);
    this.readTimeoutMs = options.readTimeoutMs ?? 60_000;
    this.tailSweepMs = options.tailSweepMs ?? 30_000;
    if (options.signal?.aborted) this.closed = abortReason(options.signal);
    else options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Tickets waiting for their final status. */
  get pending(): number {
    return this.tickets.length;
  }

  /** Resolves with the ticket's final status, or 'Unknown' at its deadline; rejects when the poller is cancelled. */
  wait(statusTableUrl: string, sourceId: string, timing: TicketTiming): Promise<StatusOutcome> {
    if (this.closed !== undefined) return Promise.reject(this.closed);
    return new Promise<StatusOutcome>((resolve, reject) => {
      const now = Date.now();
      const interval = Math.max(10, timing.intervalMs);
      // First read after one interval: a file just enqueued is not final yet, and reads made while
      // the job still uploads would only compete with the uploads.
      const deadline = now + timing.timeoutMs;
      this.tickets.push({ statusTableUrl, sourceId, timing: { intervalMs: interval, timeoutMs: timing.timeoutMs }, deadline, dueAt: Math.min(now + interval, deadline), sweepAt: this.nextSweep(now, interval, deadline), interval: Math.min(interval * 1.5, interval * 10), reading: false, resolve, reject });
      this.pump();
    });
  }

  /** Rejects every pending wait (with `reason`) and stops polling; later waits reject at once. */
  close(reason: unknown = abortReason(undefined)): void {
    if (this.closed !== undefined) return;
    this.closed = reason;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.clearTimer();
    this.stopReads.abort(reason);
    for (const ticket of this.tickets.splice(0)) ticket.reject(reason);
  }

  private nextSweep(now: number, intervalMs: number, deadline: number): number {
    return Math.min(now + Math.max(this.tailSweepMs, intervalMs * 10), deadline);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  /** Starts reads for due tickets (oldest first) while slots are free, then sleeps until the next one is due. */
  private pump(): void {
    if (this.closed !== undefined) return;
    const now = Date.now();
    let nextDue = Infinity;
    // `tickets` stays in insertion order, so the first due ones are the oldest; the first `cap` are the head of the line.
    for (let index = 0; index < this.tickets.length; index++) {
      const ticket = this.tickets[index];
      if (ticket.reading) continue;
      const dueAt = index < this.cap ? ticket.dueAt : Math.max(ticket.dueAt, ticket.sweepAt);
      if (dueAt > now) nextDue = Math.min(nextDue, dueAt);
      // Every slot busy and a ticket due: the next read's end runs pump() again, no timer needed
      // (and no need to scan thousands of pending tickets further).
      else if (this.inFlight >= this.cap) return;
      else this.start(ticket);
    }
    if (nextDue === Infinity) {
      this.clearTimer();
      return;
    }
    if (this.timer && this.timerAt <= nextDue) return;
    this.clearTimer();
    this.timerAt = nextDue;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, nextDue - now);
  }

  private start(ticket: Ticket): void {
    ticket.reading = true;
    this.inFlight++;
    // One controller per read, linked by hand to the poller's and detached when the read ends, so
    // nothing accumulates on a long-lived signal over thousands of reads.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`the status read took over ${Math.round(this.readTimeoutMs / 1000)} s`)), this.readTimeoutMs);
    const stop = (): void => {
      clearTimeout(timer);
      controller.abort(this.stopReads.signal.reason);
    };
    this.stopReads.signal.addEventListener('abort', stop, { once: true });
    const done = (): void => {
      clearTimeout(timer);
      this.stopReads.signal.removeEventListener('abort', stop);
    };
    let reading: Promise<StatusOutcome | undefined>;
    try {
      reading = this.read(ticket.statusTableUrl, ticket.sourceId, controller.signal);
    } catch (err) {
      reading = Promise.reject(err);
    }
    void reading.then(
      (outcome) => {
        done();
        this.settle(ticket, outcome, undefined);
      },
      (err: unknown) => {
        done();
        this.settle(ticket, undefined, err ?? new Error('the status read failed'));
      },
    );
  }

  private settle(ticket: Ticket, outcome: StatusOutcome | undefined, error: unknown): void {
    this.inFlight--;
    ticket.reading = false;
    if (this.closed !== undefined) return; // its wait was rejected by close()
    const now = Date.now();
    if (outcome) {
      this.remove(ticket);
      ticket.resolve(outcome);
    } else if (now >= ticket.deadline) {
      this.remove(ticket);
      ticket.resolve(timedOutOutcome(ticket.timing.timeoutMs, error));
    } else {
      // Still Pending, or a transient read failure of the status table (not the ingestion's failure): keep polling.
      ticket.dueAt = Math.min(now + ticket.interval, ticket.deadline);
      ticket.sweepAt = this.nextSweep(now, ticket.timing.intervalMs, ticket.deadline);
      ticket.interval = Math.min(ticket.interval * 1.5, ticket.timing.intervalMs * 10);
    }
    this.pump();
  }

  private remove(ticket: Ticket): void {
    const at = this.tickets.indexOf(ticket);
    if (at >= 0) this.tickets.splice(at, 1);
  }
}
