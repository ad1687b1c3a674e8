// Fault rules for reliability tests: match requests by endpoint and command text, then answer with
// an error status, delay, or cut the connection after some bytes of the response.
import { randomUUID } from 'node:crypto';

export interface FaultRule {
  /** Regex matched against the request path, e.g. 'v2/rest/query' or 'rest/ingest'. */
  endpoint?: string;
  /** Regex matched (case-insensitively) against the query or command text. */
  command?: string;
  /** Answer with this HTTP status and a OneApiError body instead of running the request. */
  status?: number;
  /** For status 429: the Retry-After header, in seconds (default 1). */
  retryAfterSeconds?: number;
  /** Error message of the answer. */
  message?: string;
  /** Wait this long before answering (or failing). */
  delayMs?: number;
  /** Run the request but destroy the connection after this many bytes of the response body (0: before the status line, so no answer at all). */
  resetAfterBytes?: number;
  /**
   * Send the response body slowly until `until` settles: each write (about 64 KB) waits `delayMs`,
   * and none goes past `holdAfterBytes`; then the rest leaves at full speed. A job reading it keeps
   * running, its progress moving at first, for as long as the test needs, whatever the machine's
   * speed. In-process emulators only (a promise does not cross processes).
   */
  slowUntil?: SlowResponse;
  /** Apply only to every Nth matching request (1 = every one). */
  everyNth?: number;
  /** Apply at most this many times, then the rule stays inert. */
  times?: number;
}

export interface SlowResponse {
  until: Promise<unknown>;
  delayMs: number;
  holdAfterBytes?: number;
}

interface ActiveRule {
  id: string;
  rule: FaultRule;
  endpoint?: RegExp;
  command?: RegExp;
  seen: number;
  applied: number;
}

export class FaultSet {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): string {
    const id = randomUUID();
    this.rules.push({
      id, rule, seen: 0, applied: 0,
      endpoint: rule.endpoint ? new RegExp(rule.endpoint, 'i') : undefined,
      command: rule.command ? new RegExp(rule.command, 'i') : undefined,
    });
    return id;
  }

  remove(id: string): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  clear(): void {
    this.rules = [];
  }

  /** The rules that fire for this request (counting it against each matching rule). */
  match(path: string, command: string | undefined): FaultRule[] {
    const fired: FaultRule[] = [];
    for (const r of this.rules) {
      if (r.endpoint && !r.endpoint.test(path)) continue;
      if (r.command && (command === undefined || !r.command.test(command))) continue;
      r.seen++;
      if (r.seen % (r.rule.everyNth ?? 1) !== 0) continue;
      if (r.rule.times !== undefined && r.applied >= r.rule.times) continue;
      r.applied++;
      fired.push(r.rule);
    }
    return fired;
  }
}
