// Export path: the exported files downloaded from blob storage, ours (parallel, temp names, then
// rename) vs one after another with the storage SDK.
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { DEFAULT_DOWNLOAD_CONCURRENCY, downloadBlobs } from '../../../src/storage/blobDownload';
import { report } from './result';

async function main(): Promise<void> {
  const [mode, connectionString, containerName, outDir] = process.argv.slice(2);
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const started = performance.now();
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat()) names.push(blob.name);
  if (mode === 'engine') {
    await downloadBlobs(container, names.map((blobName) => ({ blobName, fileName: blobName.replace(/\//g, '_') })), outDir, { concurrency: DEFAULT_DOWNLOAD_CONCURRENCY });
  } else {
    for (const name of names) await container.getBlobClient(name).downloadToFile(join(outDir, name.replace(/\//g, '_')));
  }
  const seconds = (performance.now() - started) / 1000;
  // Counted on disk, not from the listing: what was downloaded, not what was asked for.
  const downloaded = readdirSync(outDir);
  const bytes = downloaded.reduce((sum, n) => sum + statSync(join(outDir, n)).size, 0);
  report({ rows: downloaded.length, bytesOut: bytes, seconds, note: 'rows = files downloaded' });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
