// Child process for the Kusto → files commit tests: runs one job (runJob on a spec file) and kills
// itself with SIGKILL (no cleanup, like a crash) at the point named in argv[4]:
//   "phase:committing"        when the job reports the committing phase (part files still open);
//   "before-move:<text>"      just before the first fs rename (or link) whose source path contains
//                             <text> ("destination": is the job's output path itself);
//   "after-move:<text>"       just after such a rename or link returned.
// The renames and links are the engine's own: the hook only watches them and stops the process.
// Without a kill point it prints the JobResult as JSON.
import { promises as fs, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { JobSpec } from '../../src/engine/jobSpec';
import { runJob } from '../../src/engine/runner';

const [specFile, jobsDir, killAt = ''] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specFile, 'utf8')) as JobSpec;
const [point, text = ''] = killAt.split(/:(.*)/s);
const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};
const destination = spec.destination.kind === 'files' && spec.destination.location.kind === 'local' ? resolve(spec.destination.location.path) : '';
const matches = (from: unknown): boolean => (text === 'destination' ? resolve(String(from)) === destination : String(from).includes(text));
if (point === 'before-move' || point === 'after-move') {
  for (const name of ['rename', 'link'] as const) {
    const original = fs[name].bind(fs);
    fs[name] = async (from, to) => {
      if (point === 'before-move' && matches(from)) die();
      await original(from, to);
      if (point === 'after-move' && matches(from)) die();
    };
  }
}
runJob(spec, {
  jobsDir,
  onProgress: (e) => {
    if (point === 'phase' && e.phase === text) die();
  },
}).then(
  (result) => process.stdout.write(JSON.stringify(result)),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  },
);
