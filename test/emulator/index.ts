// The local Kusto emulator: engine + data management on one loopback URL, backed by DuckDB and
// Azurite. Test suites and `npm run emulator` start it through `startEmulator`.
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type * as Tls from 'node:tls';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, type Azurite } from '../helpers/azurite';
import { preloadParser } from './kql/compiler';
import { DataManager } from './ingest/dataManager';
import { provisionIngestionStorage } from './ingest/provision';
import { StatusTableProxy } from './ingest/statusTableProxy';
import { handleStreamingIngest } from './ingest/streamingIngest';
import { CLUSTER_ADMIN, testToken, type AuthMode } from './server/auth';
import { Operations, type EmulatorContext } from './server/context';
import { FaultSet, type FaultRule } from './server/faults';
import { createKustoServer } from './server/httpServer';
import { seedSamples } from './store/sampleData';
import { Store } from './store/store';

export type { FaultRule } from './server/faults';
export { CLUSTER_ADMIN } from './server/auth';

export interface EmulatorOptions {
  port?: number;                 // 0 / undefined = free port
  seed?: 'sample' | 'none';      // 'sample' creates database Samples with demo tables
  databases?: string[];          // extra empty databases to create (NetDefaultDB always exists)
  auth?: AuthMode;               // open: no auth needed (demo); tokens: unsigned test JWTs carry the principal
  ingestionPollMs?: number;      // data-management loop poll interval (tests use ~50)
  dataDir?: string;              // optional persistence folder; default in-memory
  /** Use this Azurite instead of starting one (it is not stopped by `stop()`). */
  azurite?: Azurite;
  /**
   * Principals that hold Storage Blob Data Contributor on the development account (tokens mode):
   * only they may `.export` to storage given with `;impersonate`, which the emulator writes with the
   * account key it holds, standing in for the caller's identity.
   */
  storageBlobDataContributors?: string[];
}

export interface RunningEmulator {
  url: string;                   // http://127.0.0.1:PORT (engine + data management on one URL)
  azurite: { blobUrl: string; queueUrl: string; tableUrl: string; connectionString: string };
  /**
   * The HTTPS endpoint that serves the ingestion status table (forwarded to Azurite), and the
   * PEM of its self-signed certificate: trust it with NODE_EXTRA_CA_CERTS=caPemPath, or
   * `https.globalAgent.options.ca` in-process, so the ingest SDK's status-table client works.
   */
  statusTable: { url: string; caPemPath: string; caPem: string };
  /** An unsigned test JWT for a principal, e.g. 'aadapp=app1;tenant' or 'aaduser=alice@contoso.com'. */
  tokenFor(principal: string): string;
  /** Fault rules for reliability tests; returns an id to remove. */
  addFault(rule: FaultRule): string;
  removeFault(id: string): void;
  clearFaults(): void;
  /** Test-only override of .export's sizeLimit minimum (bytes). */
  setExportMinSizeLimit(bytes: number): void;
  /** Grants Storage Blob Data Contributor (for `;impersonate` exports) to a principal, e.g. 'aadapp=<app>;<tenant>'. */
  grantStorageBlobDataContributor(principal: string): void;
  stop(): Promise<void>;
}

/** Where `npm run emulator` listens when the port is free. */
export const DEFAULT_EMULATOR_PORT = 8082;
const SERVICE_EXPORT_MIN_SIZE_LIMIT = 100 * 1024 * 1024;

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  preloadParser();
  const ownAzurite = !options.azurite;
  const azurite = options.azurite ?? (await startAzurite());
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    const store = await Store.open(options.dataDir);
    cleanups.push(() => store.close());
    await store.write(async () => {
      for (const name of ['NetDefaultDB', ...(options.databases ?? [])]) await store.createDatabase(name);
    });
    if (options.seed === 'sample' && !store.findDatabase('Samples')) await seedSamples(store);

    const statusProxy = await StatusTableProxy.start(azurite.tableUrl);
    cleanups.push(() => statusProxy.stop());
    const resources = await provisionIngestionStorage(azurite, statusProxy.url);

    const ctx: EmulatorContext = {
      store,
      authMode: options.auth ?? 'open',
      operations: new Operations(),
      ingestionFailures: [],
      ingestionResources: resources.urls,
      exportMinSizeLimit: SERVICE_EXPORT_MIN_SIZE_LIMIT,
      azuriteBlobUrl: azurite.blobUrl,
      storageAccountKeys: { [AZURITE_ACCOUNT]: AZURITE_KEY },
      storageBlobDataContributors: [...(options.storageBlobDataContributors ?? [])],
      background: new Set(),
    };
    const faults = new FaultSet();
    const server = createKustoServer({ ctx, faults, streamingIngest: (req, db, table, params, rc) => handleStreamingIngest(ctx, req, db, table, params, rc) });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    cleanups.push(() => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }));
    const port = (server.address() as AddressInfo).port;

    const dataManager = new DataManager(ctx, resources, options.ingestionPollMs ?? 1000);
    dataManager.start();
    cleanups.push(() => dataManager.stop());

    let stopped = false;
    return {
      url: `http://127.0.0.1:${port}`,
      azurite: { blobUrl: azurite.blobUrl, queueUrl: azurite.queueUrl, tableUrl: azurite.tableUrl, connectionString: azurite.connectionString },
      statusTable: { url: statusProxy.url, caPemPath: statusProxy.caPemPath, caPem: statusProxy.caPem },
      tokenFor: testToken,
      addFault: (rule) => faults.add(rule),
      removeFault: (id) => faults.remove(id),
      clearFaults: () => faults.clear(),
      setExportMinSizeLimit: (bytes) => {
        ctx.exportMinSizeLimit = bytes;
      },
      grantStorageBlobDataContributor: (principal) => {
        ctx.storageBlobDataContributors.push(principal);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await Promise.allSettled([...ctx.background]);
        await runCleanups(cleanups);
        if (ownAzurite) await azurite.stop();
      },
    };
  } catch (error) {
    await runCleanups(cleanups);
    if (ownAzurite) await azurite.stop();
    throw error;
  }
}

async function runCleanups(cleanups: Array<() => Promise<void> | void>): Promise<void> {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch {
      // keep stopping the rest
    }
  }
}

/**
 * Makes this process trust the emulator's status-table certificate (what NODE_EXTRA_CA_CERTS does
 * at start-up), for tests that cannot set that variable before node starts. Azure SDK clients
 * build their own https.Agent, so the hook sits on tls.createSecureContext: every TLS context
 * created without an explicit CA list also trusts the emulator's self-signed certificate.
 */
export function trustEmulatorCertificate(emulator: Pick<RunningEmulator, 'statusTable'>): void {
  const pem = emulator.statusTable.caPem;
  if (trustedPems.has(pem)) return;
  trustedPems.add(pem);
  if (trustedPems.size > 1) return;
  // The CommonJS module object (an ES namespace import is frozen).
  const tls = createRequire(__filename)('node:tls') as typeof Tls;
  const original = tls.createSecureContext;
  const patched = (options?: Tls.SecureContextOptions): Tls.SecureContext => {
    const context = original(options);
    if (!options?.ca) {
      const native = (context as unknown as { context: { addCACert(cert: string): void } }).context;
      for (const cert of trustedPems) native.addCACert(cert);
    }
    return context;
  };
  tls.createSecureContext = patched;
}
const trustedPems = new Set<string>();

/** The principal that holds admin everywhere in 'tokens' mode (to set up roles in tests). */
export function adminToken(): string {
  return testToken(CLUSTER_ADMIN);
}
