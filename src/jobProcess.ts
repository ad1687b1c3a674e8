// The job process: one job, run under the Node that VS Code ships (ELECTRON_RUN_AS_NODE), started
// by a window through src/jobHost/jobProcessClient.ts. It talks to the window only over the IPC
// channel (src/jobHost/protocol.ts): tokens and secrets are asked of the window, progress, log
// lines and the result are sent to it, and cancel comes from it (SIGTERM only as a fallback).
// When the window goes (reload, close) the job keeps going on the token it has (then stops
// resumably, SIGN_IN_REQUIRED), or, when the window asked for it, stops resumably at once.
import type { AccessTokenInfo } from './engine/jobContext';
import { SignInRequiredError } from './engine/jobContext';
import { type RequestChannel, REQUEST_TIMEOUT_MS, channelCredentials, channelSecrets } from './jobHost/channelCredentials';
import { runHostedJob } from './jobHost/jobSide';
import { type HostMessage, type JobMessage, parseHostMessage } from './jobHost/protocol';
import { redactSecrets, resumeJob, runJob } from './engineHost';

/** A window that started us but never says what to run is gone: do not linger. */
const START_TIMEOUT_MS = 30_000;

const controller = new AbortController();
/** Set when the job stops because its window went and the window asked for that (stopResumably). */
let stopReason: string | undefined;
let whenWindowCloses: 'continue' | 'stopResumably' = 'continue';
let finished = false;
let nextId = 1;
const pending = new Map<number, { resolve: (m: HostMessage) => void; reject: (e: Error) => void }>();

function connected(): boolean {
  return typeof process.send === 'function' && process.connected;
}

function send(message: JobMessage): Promise<void> {
  if (!connected()) return Promise.resolve();
  return new Promise((resolve) => process.send?.(message, undefined, {}, () => resolve()));
}

function request(make: (id: number) => JobMessage, signal?: AbortSignal): Promise<HostMessage> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new SignInRequiredError('the window did not answer a token request; resume the job from a window')), REQUEST_TIMEOUT_MS);
    const onAbort = (): void => done(signal?.reason instanceof Error ? signal.reason : new Error('cancelled'));
    const done = (err: Error | undefined, message?: HostMessage): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      pending.delete(id);
      if (err) reject(err);
      else resolve(message as HostMessage);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    pending.set(id, { resolve: (m) => done(undefined, m), reject: (e) => done(e) });
    void send(make(id));
  });
}

const channel: RequestChannel = {
  connected,
  async requestToken(resource, signal, authId): Promise<AccessTokenInfo | undefined> {
    const answer = await request((id) => ({ type: 'tokenRequest', id, resource, ...(authId === undefined ? {} : { authId }) }), signal);
    if (answer.type !== 'tokenResponse') throw new Error('the window answered a token request with something else');
    if (answer.error) throw answer.code === 'SIGN_IN_REQUIRED' ? new SignInRequiredError(answer.error) : Object.assign(new Error(answer.error), { code: answer.code });
    return answer.token === undefined ? undefined : { token: answer.token, expiresOnTimestamp: answer.expiresOnTimestamp };
  },
  async requestSecret(ref): Promise<string | undefined> {
    const answer = await request((id) => ({ type: 'secretRequest', id, ref }));
    if (answer.type !== 'secretResponse') throw new Error('the window answered a secret request with something else');
    if (answer.error) throw new Error(answer.error);
    return answer.value;
  },
};

async function start(message: Extract<HostMessage, { type: 'start' }>): Promise<void> {
  const log = (level: 'info' | 'warn' | 'error' | 'debug') => (text: string) => void send({ type: 'log', level, message: text });
  try {
    const { result, warnings } = await runHostedJob({ runJob, resumeJob }, message.request, {
      jobsDir: message.jobsDir,
      signal: controller.signal,
      credentials: channelCredentials(channel, message.hasTokenProvider, message.credentialError, message.authId),
      secrets: channelSecrets(channel),
      log: { info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') },
      onProgress: (event) => void send({ type: 'progress', event }),
    }, () => stopReason);
    finished = true;
    await send({ type: 'result', result, warnings });
    process.exitCode = 0;
  } catch (err) {
    const e = err as Error & { code?: string };
    await send({ type: 'startError', name: e?.name ?? 'Error', message: redactSecrets(e?.message ?? String(err)), code: typeof e?.code === 'string' ? e.code : undefined });
    process.exitCode = 1;
  }
  if (connected()) process.disconnect();
}

let started = false;
const startTimer = setTimeout(() => {
  if (!started) process.exit(2);
}, START_TIMEOUT_MS);

process.on('message', (value: unknown) => {
  let message: HostMessage;
  try {
    message = parseHostMessage(value);
  } catch {
    return; // a malformed message is refused, not acted on
  }
  if (message.type === 'start') {
    if (started) return;
    started = true;
    whenWindowCloses = message.whenWindowCloses ?? 'continue';
    clearTimeout(startTimer);
    void start(message);
  } else if (message.type === 'cancel') controller.abort();
  else pending.get(message.id)?.resolve(message);
});

process.on('disconnect', () => {
  // The window went: requests in flight fail over to the cached token (channelCredentials).
  for (const p of pending.values()) p.reject(new SignInRequiredError('the window went away'));
  if (!started) process.exit(2);
  // The setting kustoDataMover.jobs.whenLastWindowCloses = stopResumably: stop at the next check, resumable from any window.
  if (whenWindowCloses === 'stopResumably' && !finished && !controller.signal.aborted) {
    stopReason = 'its window closed and kustoDataMover.jobs.whenLastWindowCloses is "stopResumably": stopped resumably; resume it from a window';
    controller.abort();
  }
});

// Fallback for a window that cannot reach us over the channel.
process.on('SIGTERM', () => controller.abort());
process.on('SIGINT', () => controller.abort());
