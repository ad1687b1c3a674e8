// A local destination that cannot take the output (a full disk, a read-only file system, no
// permission): the user gets the cause, the place and what to do, not a bare errno line such as
// "ENOSPC: no space left on device, write" (which names neither the folder nor a remedy).
import { constants, promises as fs } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { JobSpec } from './jobSpec';

export async function explainDestinationError(err: unknown, spec: JobSpec): Promise<string | undefined> {
  const e = err as NodeJS.ErrnoException | undefined;
  if (!e || typeof e.code !== 'string') return undefined;
  if (spec.destination.kind !== 'files' || spec.destination.location.kind !== 'local') return undefined;
  // Output is written beside its final name (hidden temp siblings), so the parent folder is where space or rights lack.
  const folder = dirname(resolve(spec.destination.location.path));
  if (e.path !== undefined && !resolve(e.path).startsWith(folder)) return undefined;
  let code = e.code;
  if (code === 'ENOENT' && e.syscall === 'mkdir') {
    // Node reports a recursive mkdir on a read-only file system as ENOENT: ask the folder itself.
    try {
      await fs.access(folder, constants.W_OK);
      return undefined;
    } catch (probe) {
      code = (probe as NodeJS.ErrnoException).code ?? code;
    }
  }
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `cannot write to ${folder}: the disk is full (${code}). Free some space there or choose another destination, then run the job again; nothing was published under the final name`;
    case 'EROFS':
      return `cannot write to ${folder}: it is on a read-only file system (EROFS). Choose a destination you can write to; nothing was published`;
    case 'EACCES':
    case 'EPERM':
      return `cannot write to ${folder}: permission denied (${code}). Choose a destination you can write to, or give yourself write access to it; nothing was published`;
    default:
      return undefined;
  }
}
