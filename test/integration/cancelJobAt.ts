// Runs a job and cancels it at a chosen point, as a user would from the progress notification.
import type { JobSpec } from '../../src/engine/jobSpec';
import { type JobResult, runJob } from '../../src/engine/runner';

export type CancelPoint = 'before the start' | 'after the first rows' | 'at commit';

export function runJobCancelledAt(spec: JobSpec, jobsDir: string, point: CancelPoint): Promise<JobResult> {
  const controller = new AbortController();
  if (point === 'before the start') controller.abort();
  return runJob(spec, {
    jobsDir,
    signal: controller.signal,
    onProgress: (e) => {
      if (point === 'after the first rows' && (e.rows ?? 0) > 0) controller.abort();
      if (point === 'at commit' && e.phase === 'committing') controller.abort();
    },
  });
}
