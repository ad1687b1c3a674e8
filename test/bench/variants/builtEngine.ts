// The engine as users run it: the built bundle dist/engineHost.js, with its worker files beside
// it (`npm run bench` and the test runner build it first), not the TypeScript sources.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

export type Engine = typeof import('../../../src/engineHost');

/** The repository (variants run compiled elsewhere; the bench runner says where the repository is). */
export function repoRoot(): string {
  return process.env.KDM_REPO_ROOT ?? resolve(__dirname, '..', '..', '..');
}

export function builtEngine(): Engine {
  const file = resolve(repoRoot(), 'dist', 'engineHost.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return createRequire(__filename)(file) as Engine;
}
