import { promises as fs } from 'node:fs';
import { join } from 'node:path';

/** Appends a line to a job's own log (the job process that would have written it is gone). */
export async function noteInJobLog(jobFolder: string, message: string): Promise<void> {
  await fs.appendFile(join(jobFolder, 'job.log'), `${new Date().toISOString()} [warn] ${message}\n`).catch(() => undefined);
}
