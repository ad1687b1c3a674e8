// `npm run emulator -- [--seed sample|none] [--port 8082] [--auth open|tokens] [--data-dir DIR]`:
// starts the local Kusto emulator, prints its URL, and runs until Ctrl-C.
import { freePort } from '../helpers/ports';
import { DEFAULT_EMULATOR_PORT, startEmulator, type EmulatorOptions } from './index';
import { createServer } from 'node:net';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function main(): Promise<void> {
  const requested = arg('port');
  const port = requested !== undefined ? Number(requested) : (await portIsFree(DEFAULT_EMULATOR_PORT)) ? DEFAULT_EMULATOR_PORT : await freePort();
  const seed = (arg('seed') ?? 'sample') as EmulatorOptions['seed'];
  const auth = (arg('auth') ?? 'open') as EmulatorOptions['auth'];
  const emulator = await startEmulator({ port, seed, auth, dataDir: arg('data-dir'), ingestionPollMs: Number(arg('poll-ms') ?? 200), databases: arg('databases')?.split(',') });
  console.log(`Kusto emulator listening on ${emulator.url}`);
  console.log(`  auth: ${auth}; databases: NetDefaultDB${seed === 'sample' ? ', Samples' : ''}${arg('databases') ? `, ${arg('databases')}` : ''}`);
  console.log(`  Azurite blob endpoint: ${emulator.azurite.blobUrl}`);
  console.log(`  status-table TLS certificate: ${emulator.statusTable.caPemPath} (NODE_EXTRA_CA_CERTS)`);
  console.log('Press Ctrl-C to stop.');
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void emulator.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
