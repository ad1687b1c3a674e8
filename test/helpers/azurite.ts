import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { BlobServiceClient, type ContainerClient, ContainerSASPermissions, generateBlobSASQueryParameters, SASProtocol, StorageSharedKeyCredential } from '@azure/storage-blob';
import { emulatorCertificate } from '../emulator/ingest/selfSignedCert';
import { freePort } from './ports';
import { startProcess, waitFor } from './processes';

/** Azurite's well-known development account (public, documented, not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  blobUrl: string;
  queueUrl: string;
  tableUrl: string;
  connectionString: string;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts Azurite (Blob, Queue, Table) in memory on free loopback ports. */
export async function startAzurite(): Promise<Azurite> {
  const require = createRequire(__filename);
  const entry = join(require.resolve('azurite/package.json'), '..', 'dist', 'src', 'azurite.js');
  const [blobPort, queuePort, tablePort] = [await freePort(), await freePort(), await freePort()];
  const workDir = mkdtempSync(join(tmpdir(), 'kdm-azurite-'));
  const proc = startProcess(process.execPath, [
    entry,
    '--blobHost', '127.0.0.1', '--blobPort', String(blobPort),
    '--queueHost', '127.0.0.1', '--queuePort', String(queuePort),
    '--tableHost', '127.0.0.1', '--tablePort', String(tablePort),
    '--inMemoryPersistence', '--skipApiVersionCheck', '--disableTelemetry', '--loose',
  ], { cwd: workDir });
  const ready = async () => (await portOpen(blobPort)) && (await portOpen(queuePort)) && (await portOpen(tablePort));
  await waitFor(ready, 30_000, 'Azurite', proc);
  const blobUrl = `http://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT}`;
  const queueUrl = `http://127.0.0.1:${queuePort}/${AZURITE_ACCOUNT}`;
  const tableUrl = `http://127.0.0.1:${tablePort}/${AZURITE_ACCOUNT}`;
  return {
    blobUrl,
    queueUrl,
    tableUrl,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
      `BlobEndpoint=${blobUrl};QueueEndpoint=${queueUrl};TableEndpoint=${tableUrl};`,
    async stop() {
      await proc.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

export interface StagingContainer {
  /** The container, signed in with the account key (for setting up and checking blobs). */
  container: ContainerClient;
  /** `<blobUrl>/<name>`, no query string. */
  url: string;
  /** A 1-hour `racwdl` container SAS (http and https), the query string without `?`. */
  sas: string;
}

/** Creates (if missing) a container on Azurite's development account and signs a container SAS for it. */
export async function createStagingContainer(blobUrl: string, name = 'staging'): Promise<StagingContainer> {
  const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  const container = new BlobServiceClient(blobUrl, credential).getContainerClient(name);
  await container.createIfNotExists();
  const sas = generateBlobSASQueryParameters(
    { containerName: name, permissions: ContainerSASPermissions.parse('racwdl'), protocol: SASProtocol.HttpsAndHttp, expiresOn: new Date(Date.now() + 3600_000) },
    credential,
  ).toString();
  return { container, url: `${blobUrl}/${name}`, sas };
}

export interface OAuthBlobService {
  /** `https://127.0.0.1:<port>` (no account). */
  serviceUrl: string;
  /** `<serviceUrl>/devstoreaccount1`. */
  blobUrl: string;
  /** The container it was started with, signed in with the account key (the test's own hands on the data). */
  container: ContainerClient;
  stop(): Promise<void>;
}

/**
 * Starts Azurite's Blob service alone over HTTPS, with the emulator's loopback certificate (the
 * caller trusts it: trustEmulatorCertificate), taking bearer tokens as well as the account key:
 * `--oauth basic` checks a token's issuer, audience and lifetime, not its signature. Resolves once
 * `container` exists (created with the key), so the service is up.
 */
export async function startOAuthBlobService(container: string): Promise<OAuthBlobService> {
  const { certPem, keyPem } = emulatorCertificate();
  const workDir = mkdtempSync(join(tmpdir(), 'kdm-azurite-oauth-'));
  writeFileSync(join(workDir, 'cert.pem'), certPem);
  writeFileSync(join(workDir, 'key.pem'), keyPem, { mode: 0o600 });
  const port = await freePort();
  const entry = join(createRequire(__filename).resolve('azurite/package.json'), '..', 'dist', 'src', 'blob', 'main.js');
  const proc = startProcess(process.execPath, [
    entry, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--inMemoryPersistence', '--skipApiVersionCheck', '--disableTelemetry', '--loose',
    '--oauth', 'basic', '--cert', join(workDir, 'cert.pem'), '--key', join(workDir, 'key.pem'),
  ], { cwd: workDir });
  const serviceUrl = `https://127.0.0.1:${port}`;
  const blobUrl = `${serviceUrl}/${AZURITE_ACCOUNT}`;
  const client = new BlobServiceClient(blobUrl, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).getContainerClient(container);
  try {
    await waitFor(async () => client.createIfNotExists().then(() => true, () => false), 30_000, 'Azurite (https, oauth)', proc);
  } catch (err) {
    await proc.stop();
    rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
  return {
    serviceUrl,
    blobUrl,
    container: client,
    async stop() {
      await proc.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
