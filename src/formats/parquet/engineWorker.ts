// Starting one of the engine's worker threads: its script is the bundle's sibling file
// (dist/<name>.js), or the TypeScript source next to this module when the engine runs from src/
// (tests and benchmarks, through tsx, whose loader the worker then needs as well).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export function startEngineWorker(name: string): Worker | undefined {
  for (const file of [join(__dirname, `${name}.js`), join(__dirname, `${name}.ts`)]) {
    if (!existsSync(file)) continue;
    const worker = file.endsWith('.ts') ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { eval: true }) : new Worker(file);
    // An idle worker must not keep the process (the CLI, a test) alive; callers ref it while busy.
    worker.unref();
    return worker;
  }
  return undefined;
}
