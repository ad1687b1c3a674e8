// What a job step gets from the runner: the spec, its journal, counters, logging, cancellation and
// credentials. Steps never talk to a front end directly.
import type { CredentialResolver, JobLogger, SecretResolver, TokenProvider } from './jobContext';
import type { JobSpec } from './jobSpec';
import type { Journal } from './journal';
import type { ProgressTracker } from './progressTracker';
import type { Redactor } from './redact';
import type { RetryPolicy } from './retry';

export interface StepEnvironment {
  spec: JobSpec;
  journal: Journal;
  tracker: ProgressTracker;
  log: JobLogger;
  signal: AbortSignal;
  tokenProvider: TokenProvider | undefined;
  secrets: SecretResolver | undefined;
  /** Sign-ins by saved connection id, for blob locations with authKind credential. */
  credentials?: CredentialResolver;
  retryPolicy: Partial<RetryPolicy>;
  /** Secrets resolved during the step are registered here so logs never show them. */
  redactor: Redactor;
}
