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

/** A bearer token and when it lapses. */
export interface AccessTokenInfo {
  token: string;
  /** Milliseconds since the epoch; undefined when unknown (then read the JWT's `exp`). */
  expiresOnTimestamp?: number;
}

/**
 * Supplies bearer tokens for a connection; `AuthRef` in the JobSpec names which one. The engine
 * asks on every request, so a provider caches and refreshes on its own. This is the meeting point
 * of the connections (which make providers from a connection's auth kind) and the job host (which
 * forwards a job process's requests to the window's providers).
 */
export interface TokenProvider {
  getToken(resource: string, signal?: AbortSignal): Promise<string | undefined>;
  /** The token with its expiry, where the provider knows it (lets a job process cache it and ask again in time). */
  getTokenInfo?(resource: string, signal?: AbortSignal): Promise<AccessTokenInfo | undefined>;
}

/**
 * No token can be had without the user: a background job never prompts. The job stops resumably
 * and the window offers "Sign In" for the connection.
 */
export class SignInRequiredError extends Error {
  readonly code = 'SIGN_IN_REQUIRED';
  constructor(message: string, readonly connectionId?: string) {
    super(message);
    this.name = 'SignInRequiredError';
  }
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
