// One process at a time per job: `<jobDir>/job.lock` is created exclusively (a hard link of a
// fully written temp file, so nobody ever reads a half-written lock) and holds the owner's pid and
// a nonce. A lock whose pid is gone is stale: a contender renames it to a name of its own (only
// one rename of a file can succeed), checks that what it moved is the stale lock it judged, and
// tries again; a live lock moved by mistake (it was replaced in between) is linked back.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

export interface LockOwner {
  pid: number;
  nonce: string;
  startedAt: string;
}

export class JobAlreadyRunningError extends Error {
  constructor(
    readonly jobId: string,
    readonly owner: LockOwner | undefined,
  ) {
    super(`job "${jobId}" is already running${owner ? ` (process ${owner.pid})` : ''}`);
    this.name = 'JobAlreadyRunningError';
  }
}

export function processAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const value = JSON.parse(await fs.readFile(path, 'utf8')) as Partial<LockOwner>;
    return typeof value.pid === 'number' && typeof value.nonce === 'string' ? (value as LockOwner) : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // Unparsable: not written by us (we link complete files), treat as a dead owner.
    return { pid: 0, nonce: '', startedAt: '' };
  }
}

export class JobLock {
  private released = false;

  private constructor(
    readonly path: string,
    readonly owner: LockOwner,
  ) {}

  /** Takes the job's lock or throws JobAlreadyRunningError naming the live owner. */
  static async acquire(jobDir: string, jobId: string): Promise<JobLock> {
    await fs.mkdir(jobDir, { recursive: true });
    const path = join(jobDir, 'job.lock');
    const owner: LockOwner = { pid: process.pid, nonce: randomUUID(), startedAt: new Date().toISOString() };
    const draft = join(jobDir, `.job.lock.${owner.nonce}`);
    await fs.writeFile(draft, JSON.stringify(owner));
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          await fs.link(draft, path);
          return new JobLock(path, owner);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        const holder = await readOwner(path);
        if (holder === undefined) continue; // released meanwhile
        if (processAlive(holder.pid)) throw new JobAlreadyRunningError(jobId, holder);
        await takeOverStale(path, holder, owner.nonce);
      }
      throw new JobAlreadyRunningError(jobId, await readOwner(path));
    } finally {
      await fs.rm(draft, { force: true });
    }
  }

  /** Removes the lock if it is still ours; safe to call twice. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const holder = await readOwner(this.path);
    if (holder?.nonce === this.owner.nonce) await fs.rm(this.path, { force: true });
  }
}

async function takeOverStale(path: string, judged: LockOwner, nonce: string): Promise<void> {
  const moved = `${path}.stale-${nonce}`;
  try {
    await fs.rename(path, moved);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // another contender moved it first
    throw err;
  }
  const what = await readOwner(moved);
  if (what && what.nonce !== judged.nonce && processAlive(what.pid)) {
    // The stale lock had been replaced by a live one before our rename: give it back.
    await fs.link(moved, path).catch(() => undefined);
  }
  await fs.rm(moved, { force: true });
}
