// `npm run demo`: Azurite (local storage) and VS Code in the browser (code-server) with the
// extension installed. The local Kusto emulator and a sample copy job join this line as soon as
// the emulator lands.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startAzurite } from '../test/helpers/azurite';
import { startCodeServer } from '../test/helpers/codeServer';

const run = promisify(execFile);
const root = resolve(__dirname, '..');

async function main(): Promise<void> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(0)));
  try {
    console.log('Starting Azurite (Blob, Queue, Table)...');
    const azurite = await startAzurite();
    stops.push(() => azurite.stop());
    console.log(`Azurite blob endpoint: ${azurite.blobUrl}`);
    console.log('Packaging the extension and starting VS Code (code-server)...');
    await run('npm', ['run', '--silent', 'package'], { cwd: root });
    const workspace = join(root, 'demo-output');
    mkdirSync(workspace, { recursive: true });
    const server = await startCodeServer({ vsixPath: join(root, 'dist', 'kusto-data-mover.vsix'), workspace });
    stops.push(() => server.stop());
    console.log(`\nOpen VS Code with the extension: ${server.url}`);
    if (process.argv.includes('--once')) {
      await stopAll();
      return;
    }
    console.log('Press Ctrl-C to stop Azurite and code-server.');
    await new Promise(() => undefined);
  } catch (err) {
    await stopAll();
    throw err;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
