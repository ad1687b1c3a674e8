// What every job step receives from the runner. Front ends (CLI, extension, tests) supply the
// credential provider and listen to progress; steps never talk to a UI directly.

export type JobPhase = 'planning' | 'estimating' | 'reading' | 'writing' | 'exporting' | 'downloading' | 'uploading' | 'ingesting' | 'committing' | 'cleaning' | 'done';

export interface ProgressEvent {
  jobId: string;
  phase: JobPhase;
  rows?: number;
  bytes?: number;
  files?: number;
  filesTotal?: number;
  /** Rows per second over the recent window. */
  rate?: number;
  /** Estimated seconds left, when the total is known. */
  etaSeconds?: number;
  message?: string;
}

/** Supplies bearer tokens for a connection; `AuthRef` in the JobSpec names which one. */
export interface TokenProvider {
  getToken(resource: string, signal?: AbortSignal): Promise<string | undefined>;
}

export interface CredentialResolver {
  /** A provider for an AuthRef id, or undefined for `{ kind: 'none' }`. */
  resolve(authId: string | undefined): TokenProvider | undefined;
}

/** Resolves a BlobLocation's `secretRef` (a SAS token or an account key) at run time; never stored. */
export interface SecretResolver {
  resolve(secretRef: string): Promise<string | undefined>;
}

export interface JobLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

export interface JobContext {
  jobId: string;
  signal: AbortSignal;
  log: JobLogger;
  progress(event: Omit<ProgressEvent, 'jobId'>): void;
  credentials: CredentialResolver;
  secrets?: SecretResolver;
  /** Folder of this job's journal and temporary state (under the jobs folder). */
  jobDir: string;
}
