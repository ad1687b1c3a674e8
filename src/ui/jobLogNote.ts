import { promises as fs } from 'node:fs';
import { join } from 'node:path';

/** Appends a line to a job's own log (the job process that would have written it is gone). */
export async function noteInJobLog(jobFolder: string, message: string): Promise<void> {
  await fs.appendFile(join(jobFolder, 'job.log'), `${new Date().toISOString()} [warn] ${message}\n`).catch(() => undefined);
}

/**
 * Says in the job's log that it was interrupted, unless its last line says so already: the
 * window that watched it die, the next window's resume offer and the Jobs view may each find it.
 */
export async function noteInterruptedOnce(jobFolder: string, message: string): Promise<boolean> {
  const path = join(jobFolder, 'job.log');
  const handle = await fs.open(path, 'r').catch(() => undefined);
  let tail = '';
  if (handle) {
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 4096);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      tail = buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  }
  const last = tail.trimEnd().split('\n').pop() ?? '';
  if (/\] interrupted: /.test(last)) return false;
  await noteInJobLog(jobFolder, `interrupted: ${message}`);
  return true;
}
