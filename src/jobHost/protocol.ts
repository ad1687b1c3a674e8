// The one channel between a window (or any front end) and a job process: typed messages, each
// checked on arrival, since the other side is a separate program (a stale bundle, a stray
// process on the socket) and a malformed message must be refused, never acted on.
import type { ProgressEvent } from '../engine/jobContext';
import type { JobResult } from '../engine/runner';

/** What to run: a spec (a new run or a rerun) or a journalled job to resume. */
export type JobRequest = { kind: 'run'; spec: unknown } | { kind: 'resume'; jobId: string };

/** Front end → job process. */
export type HostMessage =
  | {
      type: 'start';
      request: JobRequest;
      jobsDir: string;
      /** Whether the front end has a token provider for the job's auth id (the resolver is on its side). */
      hasTokenProvider: boolean;
      /** The job's auth id as the front end resolved it; token requests for other ids carry theirs. */
      authId?: string;
      /** Set when the front end's resolver refused the auth id: the job fails with this message. */
      credentialError?: string;
      /** When the front end goes away (window closed or reloaded): go on (default) or stop resumably. */
      whenWindowCloses?: WhenWindowCloses;
    }
  | { type: 'cancel' }
  | { type: 'tokenResponse'; id: number; token?: string; expiresOnTimestamp?: number; error?: string; code?: string }
  | { type: 'secretResponse'; id: number; value?: string; error?: string };

export type WhenWindowCloses = 'continue' | 'stopResumably';

export type LogLevel = 'info' | 'warn' | 'error' | 'debug';

/** Job process → front end. */
export type JobMessage =
  | { type: 'started'; jobId: string; pid: number }
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'log'; level: LogLevel; message: string }
  /** authId: the connection asked for when not the job's own (a blob location's credentialId). */
  | { type: 'tokenRequest'; id: number; resource: string; authId?: string }
  | { type: 'secretRequest'; id: number; ref: string }
  /** The job ran to an end (succeeded, failed or cancelled). */
  | { type: 'result'; result: JobResult; warnings: string[] }
  /** The job could not start (bad spec, already running elsewhere, no such job). */
  | { type: 'startError'; name: string; message: string; code?: string };

export class ChannelMessageError extends Error {
  constructor(message: string) {
    super(`refused a channel message: ${message}`);
    this.name = 'ChannelMessageError';
  }
}

type Obj = Record<string, unknown>;

function object(value: unknown, what: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ChannelMessageError(`${what} is not an object`);
  return value as Obj;
}
function str(o: Obj, key: string, optional = false): string | undefined {
  const v = o[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string') throw new ChannelMessageError(`${key} is not a string`);
  return v;
}
function num(o: Obj, key: string, optional = false): number | undefined {
  const v = o[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ChannelMessageError(`${key} is not a number`);
  return v;
}
function bool(o: Obj, key: string): boolean {
  if (typeof o[key] !== 'boolean') throw new ChannelMessageError(`${key} is not a boolean`);
  return o[key] as boolean;
}

const phases = new Set(['planning', 'estimating', 'reading', 'writing', 'exporting', 'downloading', 'uploading', 'ingesting', 'committing', 'cleaning', 'done']);
const levels = new Set(['info', 'warn', 'error', 'debug']);
const endStates = new Set(['succeeded', 'failed', 'canceled']);

function progressEvent(value: unknown): ProgressEvent {
  const o = object(value, 'event');
  str(o, 'jobId');
  if (!phases.has(o.phase as string)) throw new ChannelMessageError('unknown phase');
  for (const k of ['rows', 'bytes', 'files', 'filesTotal', 'rate', 'etaSeconds', 'totalRows']) num(o, k, true);
  str(o, 'message', true);
  return o as unknown as ProgressEvent;
}

function jobResult(value: unknown): JobResult {
  const o = object(value, 'result');
  str(o, 'jobId');
  if (o.direction !== 'kustoToFiles' && o.direction !== 'filesToKusto') throw new ChannelMessageError('unknown direction');
  if (!endStates.has(o.state as string)) throw new ChannelMessageError('unknown end state');
  num(o, 'rows');
  num(o, 'bytes');
  num(o, 'seconds');
  if (!Array.isArray(o.files) || !o.files.every((f) => typeof f === 'string')) throw new ChannelMessageError('files is not a list of paths');
  str(o, 'error', true);
  str(o, 'errorCode', true);
  if (o.snippets !== undefined) object(o.snippets, 'snippets');
  if (o.fileResults !== undefined && !Array.isArray(o.fileResults)) throw new ChannelMessageError('fileResults is not a list');
  return o as unknown as JobResult;
}

export function parseJobMessage(value: unknown): JobMessage {
  const o = object(value, 'message');
  switch (o.type) {
    case 'started':
      str(o, 'jobId');
      num(o, 'pid');
      break;
    case 'progress':
      progressEvent(o.event);
      break;
    case 'log':
      if (!levels.has(o.level as string)) throw new ChannelMessageError('unknown log level');
      str(o, 'message');
      break;
    case 'tokenRequest':
      num(o, 'id');
      str(o, 'resource');
      str(o, 'authId', true);
      break;
    case 'secretRequest':
      num(o, 'id');
      str(o, 'ref');
      break;
    case 'result':
      jobResult(o.result);
      if (!Array.isArray(o.warnings) || !o.warnings.every((w) => typeof w === 'string')) throw new ChannelMessageError('warnings is not a list of strings');
      break;
    case 'startError':
      str(o, 'name');
      str(o, 'message');
      str(o, 'code', true);
      break;
    default:
      throw new ChannelMessageError(`unknown type ${JSON.stringify(o.type)}`);
  }
  return o as unknown as JobMessage;
}

export function parseHostMessage(value: unknown): HostMessage {
  const o = object(value, 'message');
  switch (o.type) {
    case 'start': {
      const r = object(o.request, 'request');
      if (r.kind === 'resume') str(r, 'jobId');
      else if (r.kind !== 'run') throw new ChannelMessageError('unknown request kind');
      str(o, 'jobsDir');
      bool(o, 'hasTokenProvider');
      str(o, 'authId', true);
      str(o, 'credentialError', true);
      if (o.whenWindowCloses !== undefined && o.whenWindowCloses !== 'continue' && o.whenWindowCloses !== 'stopResumably') throw new ChannelMessageError('unknown whenWindowCloses');
      break;
    }
    case 'cancel':
      break;
    case 'tokenResponse':
      num(o, 'id');
      str(o, 'token', true);
      num(o, 'expiresOnTimestamp', true);
      str(o, 'error', true);
      str(o, 'code', true);
      break;
    case 'secretResponse':
      num(o, 'id');
      str(o, 'value', true);
      str(o, 'error', true);
      break;
    default:
      throw new ChannelMessageError(`unknown type ${JSON.stringify(o.type)}`);
  }
  return o as unknown as HostMessage;
}
