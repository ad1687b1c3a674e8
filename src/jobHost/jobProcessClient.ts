// The front end's side of the job host: starts a job process (the engine bundle under the Node
// that VS Code ships: process.execPath with ELECTRON_RUN_AS_NODE=1), answers its token and secret
// requests from the front end's resolvers, and turns its messages into progress, log lines and a
// result. Cancel goes over the channel; SIGTERM only if the process does not end in time.
import { fork, type ChildProcess } from 'node:child_process';
import type { AccessTokenInfo, CredentialResolver, ProgressEvent, SecretResolver, TokenProvider } from '../engine/jobContext';
import type { JobResult } from '../engine/runner';
import { type HostMessage, type JobMessage, type JobRequest, type LogLevel, parseJobMessage, type WhenWindowCloses } from './protocol';

/** After a cancel over the channel, the signal fallback waits this long. */
const CANCEL_FALLBACK_MS = 4000;

export interface JobProcessOptions {
  /** The job process bundle (dist/jobProcess.js). */
  entry: string;
  jobsDir: string;
  request: JobRequest;
  /** The auth id of the job's connection (its spec's `auth.id`), resolved here, on the front end's side. */
  authId: string | undefined;
  /** Connections whose sign-in opens a blob location of the job (storageCredentialIdsOf): their tokens are asked for by id. */
  storageCredentialIds?: string[];
  credentials: CredentialResolver;
  secrets?: SecretResolver;
  /** What the job does when this front end goes away (the setting kustoDataMover.jobs.whenLastWindowCloses). */
  whenWindowCloses?: WhenWindowCloses;
  onStarted?(pid: number): void;
  onProgress?(event: ProgressEvent): void;
  onLog?(level: LogLevel, message: string): void;
  /** Defaults: this process's executable and no extra arguments. */
  execPath?: string;
  execArgv?: string[];
}

export interface HostedResult {
  result: JobResult;
  warnings: string[];
}

/** The job could not start (its name and code are the engine's, e.g. JobAlreadyRunningError). */
export class JobStartError extends Error {
  constructor(name: string, message: string, readonly code?: string) {
    super(message);
    this.name = name;
  }
}

/** The job process ended without a result: killed, crashed. Its journal says "running": interrupted. */
export class JobProcessExitedError extends Error {
  constructor(readonly exitCode: number | null, readonly exitSignal: NodeJS.Signals | null) {
    super(`the job process ended without a result (${exitSignal ? `signal ${exitSignal}` : `exit code ${exitCode}`}); resume the job to finish it`);
    this.name = 'JobProcessExitedError';
  }
}

export class JobProcess {
  readonly result: Promise<HostedResult>;
  /** The process's end, whether or not this front end is still attached to hear its result. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private cancelTimer: ReturnType<typeof setTimeout> | undefined;
  private ended = false;
  private provider: TokenProvider | undefined;
  private readonly storageProviders = new Map<string, TokenProvider | undefined>();

  constructor(private readonly options: JobProcessOptions) {
    let credentialError: string | undefined;
    try {
      this.provider = options.credentials.resolve(options.authId);
    } catch (err) {
      credentialError = (err as Error).message;
    }
    this.child = fork(options.entry, [], {
      execPath: options.execPath ?? process.execPath,
      execArgv: options.execArgv ?? [],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      // Its own process group: a window reload that ends the extension host does not end the job.
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    let stderr = '';
    this.child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.result = new Promise<HostedResult>((resolve, reject) => {
      let outcome: HostedResult | undefined;
      let startError: JobStartError | undefined;
      this.child.on('message', (value: unknown) => {
        let message: JobMessage;
        try {
          message = parseJobMessage(value);
        } catch (err) {
          options.onLog?.('warn', (err as Error).message);
          return;
        }
        if (message.type === 'result') outcome = { result: message.result, warnings: message.warnings };
        else if (message.type === 'startError') startError = new JobStartError(message.name, message.message, message.code);
        else this.handle(message);
      });
      this.child.once('error', (err) => {
        this.ended = true;
        reject(err);
      });
      this.child.once('exit', (code, signal) => {
        this.ended = true;
        if (this.cancelTimer) clearTimeout(this.cancelTimer);
        if (outcome) resolve(outcome);
        else if (startError) reject(startError);
        else {
          if (stderr.trim()) options.onLog?.('error', `job process: ${stderr.trim()}`);
          reject(new JobProcessExitedError(code, signal));
        }
      });
    });
    this.post({ type: 'start', request: options.request, jobsDir: options.jobsDir, hasTokenProvider: this.provider !== undefined, authId: options.authId, credentialError, whenWindowCloses: options.whenWindowCloses });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Asks the job to stop at its next check; the signal follows only if it does not. */
  cancel(): void {
    if (this.ended) return;
    this.post({ type: 'cancel' });
    this.cancelTimer ??= setTimeout(() => {
      if (!this.ended) this.child.kill('SIGTERM');
    }, CANCEL_FALLBACK_MS);
  }

  /**
   * Lets go of the job as a closing window does: the channel closes, the job goes on by itself
   * (or stops resumably, as the front end asked at the start) and its journal tells the outcome.
   */
  detach(): void {
    if (this.child.connected) this.child.disconnect();
    this.child.stderr?.destroy();
    this.child.unref();
  }

  private post(message: HostMessage): void {
    if (this.child.connected) this.child.send(message);
  }

  private handle(message: Exclude<JobMessage, { type: 'result' } | { type: 'startError' }>): void {
    switch (message.type) {
      case 'started':
        this.options.onStarted?.(message.pid);
        return;
      case 'progress':
        this.options.onProgress?.(message.event);
        return;
      case 'log':
        this.options.onLog?.(message.level, message.message);
        return;
      case 'tokenRequest':
        void this.answerToken(message.id, message.resource, message.authId);
        return;
      case 'secretRequest':
        void this.answerSecret(message.id, message.ref);
        return;
    }
  }

  /** The provider for a token request: the job's own, or a blob location's connection that the spec names (never any other). */
  private providerFor(authId: string | undefined): TokenProvider | undefined {
    if (authId === undefined || authId === this.options.authId) return this.provider;
    if (!this.options.storageCredentialIds?.includes(authId)) throw new Error(`the job asked for the sign-in of connection "${authId}", which no location of its spec names`);
    if (!this.storageProviders.has(authId)) this.storageProviders.set(authId, this.options.credentials.resolve(authId));
    return this.storageProviders.get(authId);
  }

  private async answerToken(id: number, resource: string, authId?: string): Promise<void> {
    try {
      const provider = this.providerFor(authId);
      if (!provider) throw new Error(authId === undefined || authId === this.options.authId ? 'no credential for this job' : `connection "${authId}" has no sign-in in this window`);
      const info: AccessTokenInfo | undefined = provider.getTokenInfo ? await provider.getTokenInfo(resource) : await provider.getToken(resource).then((token) => (token === undefined ? undefined : { token }));
      this.post({ type: 'tokenResponse', id, token: info?.token, expiresOnTimestamp: info?.expiresOnTimestamp });
    } catch (err) {
      const e = err as Error & { code?: string };
      this.post({ type: 'tokenResponse', id, error: e.message ?? String(err), code: typeof e.code === 'string' ? e.code : undefined });
    }
  }

  private async answerSecret(id: number, ref: string): Promise<void> {
    try {
      this.post({ type: 'secretResponse', id, value: await this.options.secrets?.resolve(ref) });
    } catch (err) {
      this.post({ type: 'secretResponse', id, error: (err as Error).message ?? String(err) });
    }
  }
}
