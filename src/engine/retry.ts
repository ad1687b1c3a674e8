// Retries of transient faults: throttling (429, honouring Retry-After), server errors (5xx),
// dropped connections, and errors the service marks @permanent:false. Exponential backoff with
// jitter, a bounded number of attempts, and a sleep that a cancel interrupts.
import { KustoError, TRANSIENT_NETWORK_CODES } from '../kusto/kustoError';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Growth per attempt. */
  factor: number;
  /** 0..1: the share of each delay that is randomised (spreads clients that failed together). */
  jitter: number;
  /** A Retry-After longer than this is capped (a job should not sleep for an hour). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, initialDelayMs: 1000, maxDelayMs: 30_000, factor: 2, jitter: 0.5, maxRetryAfterMs: 120_000 };

export function isTransientError(err: unknown): boolean {
  if (isAbortError(err)) return false;
  if (err instanceof KustoError) return err.transient;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && TRANSIENT_NETWORK_CODES.has(code)) return true;
  // Azure SDK RestErrors carry statusCode.
  const status = (err as { statusCode?: number } | undefined)?.statusCode;
  if (typeof status === 'number') return status === 429 || status === 408 || status >= 500;
  return /socket hang up/i.test((err as Error | undefined)?.message ?? '');
}

export function isAbortError(err: unknown): boolean {
  return (err as Error | undefined)?.name === 'AbortError';
}

/** Delay before attempt `attempt + 1` (attempt counts from 1), randomised by `random` in [0, 1). */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, err?: unknown, random: () => number = Math.random): number {
  const retryAfter = err instanceof KustoError ? err.retryAfterSeconds : undefined;
  if (retryAfter !== undefined) return Math.min(retryAfter * 1000, policy.maxRetryAfterMs);
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (attempt - 1));
  return Math.round(base * (1 - policy.jitter) + base * policy.jitter * random());
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal): Error {
  const reason = signal.reason as unknown;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const err = new Error('the operation was cancelled');
  err.name = 'AbortError';
  return err;
}

export interface RetryOptions {
  policy?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  /** Told before each wait; logs and progress use it. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  random?: () => number;
  /** Narrows the retries further: a transient error for which this says false is thrown at once (e.g. an unclear outcome of a non-idempotent request). */
  shouldRetry?: (err: unknown) => boolean;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Runs `operation` until it succeeds, fails permanently, runs out of attempts, or is cancelled. */
export async function withRetries<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const sleep = options.sleep ?? abortableSleep;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (err) {
      if (options.signal?.aborted) throw isAbortError(err) ? err : abortReason(options.signal);
      if (attempt >= policy.maxAttempts || !isTransientError(err) || options.shouldRetry?.(err) === false) throw err;
      const delayMs = backoffDelayMs(attempt, policy, err, options.random);
      options.onRetry?.({ attempt, delayMs, error: err });
      await sleep(delayMs, options.signal);
    }
  }
}
