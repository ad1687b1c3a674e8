import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildSync } from 'esbuild';
import type { VariantResult } from './variants/result';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');
const compiled = new Map<string, string>();

/**
 * The variant compiled to plain JavaScript once per run (npm packages stay external), so each
 * variant runs in plain `node`: no TypeScript loader in its time or its memory, as users run it.
 */
function compiledVariant(script: string): string {
  let file = compiled.get(script);
  if (!file) {
    // Inside the repository, so the external packages resolve from its node_modules.
    const outDir = join(root, 'test-artifacts', 'bench-variants-js');
    mkdirSync(outDir, { recursive: true });
    file = join(outDir, script.replace(/\.ts$/, '.js'));
    buildSync({ entryPoints: [join(__dirname, 'variants', script)], outfile: file, bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', logLevel: 'error' });
    compiled.set(script, file);
  }
  return file;
}

/** The command line that runs a variant, as printed with the results (relative to the repository). */
export function variantCommand(script: string, args: string[]): string {
  return `node ${relative(root, compiledVariant(script))} ${args.join(' ')}`;
}

/** Runs one benchmark variant in its own Node process, so its peak RSS is its own. */
export async function runVariant(script: string, args: string[], env: Record<string, string> = {}): Promise<VariantResult> {
  const { stdout } = await run(process.execPath, [compiledVariant(script), ...args], {
    cwd: root,
    env: { ...process.env, KDM_REPO_ROOT: root, ...env },
    maxBuffer: 16 << 20,
    timeout: 30 * 60_000,
  });
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as VariantResult;
  } catch {
    throw new Error(`variant ${script} printed no result line:\n${stdout.slice(-2000)}`);
  }
}
