// The job's side of the job host, shared by the job process (src/jobProcess.ts, started by a
// window) and the CLI (which is its own job process): runs or resumes the job, collects its
// warnings, and leaves the full result in `<jobDir>/result.json` so that any window shows the
// outcome (snippets, per-file results, warnings) of a job it did not watch.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { JobLogger } from '../engine/jobContext';
import type { JobResult, RunJobOptions } from '../engine/runner';
import type { JobRequest } from './protocol';
import { RESULT_FILE, type ResultFile } from './journalReader';

export interface EngineEntryPoints {
  runJob(spec: unknown, options: RunJobOptions): Promise<JobResult>;
  resumeJob(jobId: string, options: RunJobOptions): Promise<JobResult>;
}

export interface HostedOutcome {
  result: JobResult;
  warnings: string[];
}

/** Why a job was stopped by its host rather than by a user's cancel (its window went away). */
export type StopReason = () => string | undefined;

export async function runHostedJob(engine: EngineEntryPoints, request: JobRequest, options: RunJobOptions, stopReason: StopReason = () => undefined): Promise<HostedOutcome> {
  const warnings: string[] = [];
  const forward = options.log;
  const log: JobLogger = {
    info: (m) => forward?.info(m),
    debug: (m) => forward?.debug(m),
    error: (m) => forward?.error(m),
    warn: (m) => {
      warnings.push(m);
      forward?.warn(m);
    },
  };
  const result = request.kind === 'run' ? await engine.runJob(request.spec, { ...options, log }) : await engine.resumeJob(request.jobId, { ...options, log });
  const reason = result.state === 'canceled' ? stopReason() : undefined;
  if (reason) {
    // Not a user's cancel: the result and the job's own log say why it stopped, and how to go on.
    result.error = reason;
    await fs.appendFile(join(options.jobsDir, result.jobId, 'job.log'), `${new Date().toISOString()} [warn] stopped: ${reason}\n`).catch(() => undefined);
  }
  const file: ResultFile = { ...result, warnings, endedAt: new Date().toISOString() };
  await fs.writeFile(join(options.jobsDir, result.jobId, RESULT_FILE), JSON.stringify(file, null, 2)).catch(() => undefined);
  return { result, warnings };
}
