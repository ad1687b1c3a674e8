import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './ports';
import { startProcess, waitFor, type StartedProcess } from './processes';

export interface CliRun { code: number | null; stdout: string; stderr: string }

/** The environment of a new user's shell: no test certificate trusted, no token handed in. */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.KUSTO_ACCESS_TOKEN;
  return env;
}

/** Runs the CLI from source as the README does, with its journals under `dir`/jobs and no progress output. */
export function runCli(root: string, dir: string, args: string[]): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), ...args, '--jobs-dir', join(dir, 'jobs'), '--progress', 'none'], { cwd: root, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
}

/**
 * Starts the emulator as the README says (`npm run emulator -- --seed sample`), without
 * NODE_EXTRA_CA_CERTS, on a free port so that parallel suites never clash; resolves once it listens.
 */
export async function startReadmeEmulator(root: string): Promise<{ emulator: StartedProcess; cluster: string }> {
  const port = await freePort();
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const emulator = startProcess('npm', ['run', 'emulator', '--', '--seed', 'sample', '--port', String(port), '--poll-ms', '50'], { cwd: root, env });
  try {
    await waitFor(async () => emulator.output().includes('Kusto emulator listening on'), 120_000, 'emulator', emulator);
  } catch (err) {
    await emulator.stop();
    throw err;
  }
  return { emulator, cluster: `http://127.0.0.1:${port}` };
}
