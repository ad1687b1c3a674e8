import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { VariantResult } from './variants/result';

const run = promisify(execFile);

/** Runs one benchmark variant in its own Node process, so its peak RSS is its own. */
export async function runVariant(script: string, args: string[], env: Record<string, string> = {}): Promise<VariantResult> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(__dirname, 'variants', script), ...args], {
    env: { ...process.env, ...env },
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
