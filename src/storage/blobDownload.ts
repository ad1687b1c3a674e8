// Downloads blobs into a local folder in parallel (bounded), each under a temporary name first and
// renamed when complete, so a file with its final name is always whole. Streams to disk.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';

export interface DownloadItem {
  /** Blob name inside the container. */
  blobName: string;
  /** File name in the target folder. */
  fileName: string;
}

/**
 * Downloads in flight by default. Remote storage is latency-bound, one request's round trip and one
 * connection's rate at a time: measured against a loopback proxy adding 40 ms a request and 8 MB/s
 * a connection (npm run bench), 4 at a time gave 2.9x one by one; on plain loopback more in flight
 * only share the same cores.
 */
export const DEFAULT_DOWNLOAD_CONCURRENCY = 8;

export interface DownloadOptions {
  concurrency: number;
  signal?: AbortSignal;
  /** Called after each file is renamed into place (the journal records it). */
  onFile?: (item: DownloadItem, bytes: number) => Promise<void> | void;
}

export async function downloadBlobs(container: ContainerClient, items: readonly DownloadItem[], folder: string, options: DownloadOptions): Promise<void> {
  await fs.mkdir(folder, { recursive: true });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      options.signal?.throwIfAborted();
      const item = items[next++];
      const target = join(folder, item.fileName);
      const temp = join(folder, `.${item.fileName}.downloading`);
      try {
        await container.getBlobClient(item.blobName).downloadToFile(temp, 0, undefined, { abortSignal: options.signal });
        const { size } = await fs.stat(temp);
        await fs.rename(temp, target);
        await options.onFile?.(item, size);
      } catch (err) {
        await fs.rm(temp, { force: true });
        throw err;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, items.length)) }, () => worker());
  // Let every worker stop before reporting, so no download still writes after the caller cleans up.
  const results = await Promise.allSettled(workers);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
