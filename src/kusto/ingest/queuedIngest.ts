// Queued ingestion of one local file, the way the service's data-management endpoint expects it
// (kusto-protocol.md §5): upload the bytes to the ingestion temp storage (text gzipped on the way;
// Parquet as it is — never turned into CSV), write a Pending row in the status table, and post the
// ingestion message to the queue. Status is then read back with our own Table client.
//
// Why not the SDK's IngestClient.ingestFromFile: with table reporting it writes the Pending row in
// a loop that retries even after success (about 3 s lost per file), builds its status-table client
// from the URL's origin (which breaks path-style storage URLs such as Azurite's) and swallows the
// failures. The message and blob layout here are the ones that client sends.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PassThrough, type Readable, Transform } from 'node:stream';
import { createGzip } from 'node:zlib';
import { ContainerClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import type { DataFormat } from '../../formats/formatSniffReader';
import { md5ContentHash } from '../../storage/blobContentHash';
import { APP_NAME, CLIENT_VERSION } from '../kustoHttp';
import type { IngestionResources } from './ingestionResources';
import type { MappingEntry, MappingKind } from './ingestionMapping';

export interface QueuedFileRequest {
  path: string;
  /** Size on disk (the raw-size hint for the service). */
  size: number;
  format: DataFormat;
  /** The file is gzip already. */
  gzipped: boolean;
  database: string;
  table: string;
  mapping?: { kind: MappingKind; entries: MappingEntry[] };
  mappingReference?: string;
  ignoreFirstRecord?: boolean;
  /** Extent tags, e.g. ["ingest-by:job:abc"]. */
  tags: string[];
  /** Skip the file when the table has an extent with one of these ingest-by tags. */
  ingestIfNotExists: string[];
  /** The file is in blob storage already: ingest it from this URL (with a read SAS), no upload. */
  blobUrl?: string;
  /** PEM of a private CA the status table's HTTPS endpoint uses (the local emulator). */
  statusTableCa?: string;
  /**
   * A pass-through stream for each read of the file's bytes (as on disk), so a caller can look at
   * them on the way without reading the file twice. Not called for block uploads of files already
   * gzip over 32 MB (read by the SDK straight from disk), nor for blob sources.
   */
  tap?: () => Transform;
  signal?: AbortSignal;
}

/** A file's bytes where the service can read them. */
export interface UploadedSource {
  /** The blob URL with its SAS, as the queue message names it. */
  blobPath: string;
  blobName: string;
  /**
   * The content hash the upload produced on the way, when it did: "md5:<base64>" as the storage
   * service computed it over a file sent in one Put Blob, or the sha256 (hex) of a file gzipped on
   * the way, computed from the bytes read. Undefined for block uploads and blob sources.
   */
  contentHash?: string;
}

export interface QueuedFileTicket {
  /** The ingestion source id: partition and row key of the status entity. */
  sourceId: string;
  statusTableUrl?: string;
  blobName: string;
}

/** Formats Kusto reads from uploaded blobs without a gzip wrapper: columnar formats compress internally. */
function isBinaryFormat(format: DataFormat): boolean {
  return format === 'parquet';
}

/**
 * Whether a local file is gzipped on its way up (text not gzipped already). Such an upload holds
 * more memory than one read straight from the file: its compressed bytes are buffered in blocks
 * (uploadStream: 4 MB blocks, 2 in flight and one filling, about 12-15 MB a file, measured).
 */
export function gzipsOnTheWay(format: DataFormat, gzipped: boolean): boolean {
  return !gzipped && !isBinaryFormat(format);
}

/**
 * A Table client for the status table URI `.get ingestion resources` gave (SAS in the query; the
 * last path segment is the table, so path-style storage URLs work). `trustedCa` (PEM) is for a
 * status table served with a private certificate, like the local emulator's.
 */
export function statusTableClient(tableUri: string, trustedCa?: string): TableClient {
  const url = new URL(tableUri);
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const tableName = segments.pop() ?? '';
  const base = `${url.protocol}//${url.host}${segments.length > 0 ? '/' + segments.join('/') : ''}${url.search}`;
  return new TableClient(base, tableName, { allowInsecureConnection: url.protocol === 'http:', ...(trustedCa ? { tlsOptions: { ca: trustedCa } } : {}) });
}

/**
 * The storage clients of one job, one per URL. Each client brings its own HTTP agent, so a client
 * made per file would open a new connection per file (and a TLS handshake for the status table).
 * Against the local Azurite the difference was within the noise; remote storage pays a round trip
 * or more per new connection.
 */
export class IngestStorageClients {
  private readonly containers = new Map<string, ContainerClient>();
  private readonly queues = new Map<string, QueueClient>();
  private readonly tables = new Map<string, TableClient>();

  container(url: string): ContainerClient {
    return cached(this.containers, url, () => new ContainerClient(url));
  }

  queue(url: string): QueueClient {
    return cached(this.queues, url, () => new QueueClient(url));
  }

  statusTable(url: string, trustedCa?: string): TableClient {
    return cached(this.tables, `${url}\n${trustedCa ?? ''}`, () => statusTableClient(url, trustedCa));
  }
}

function cached<T>(map: Map<string, T>, key: string, make: () => T): T {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make()));
  return value;
}

/** One Put Blob up to this size (what a retry re-sends at most); larger files go in blocks. */
const SINGLE_SHOT_BYTES = 32 << 20;

/** Uploads one file and posts its ingestion message; returns the ticket to poll. */
export async function enqueueFile(resources: IngestionResources, request: QueuedFileRequest, pickIndex = 0, clients = new IngestStorageClients()): Promise<QueuedFileTicket> {
  const uploaded = await uploadForIngestion(resources, request, pickIndex, clients);
  return postIngestion(resources, uploaded, request, pickIndex, clients);
}

/** The first half of enqueueFile: the file's bytes into the ingestion temp storage (nothing to upload for a blob source). */
export async function uploadForIngestion(resources: IngestionResources, request: Omit<QueuedFileRequest, 'tags' | 'ingestIfNotExists'>, pickIndex = 0, clients = new IngestStorageClients()): Promise<UploadedSource> {
  if (request.blobUrl) return { blobPath: request.blobUrl, blobName: new URL(request.blobUrl).pathname };
  const gzipOnTheWay = gzipsOnTheWay(request.format, request.gzipped);
  const safeName = basename(request.path).replace(/[^A-Za-z0-9._=-]/g, '_');
  const blobName = `${request.database}__${request.table}__${randomUUID()}__${safeName}${gzipOnTheWay ? '.gz' : ''}`;
  const containerUrl = resources.tempContainers[pickIndex % resources.tempContainers.length];
  const blob = clients.container(containerUrl).getBlockBlobClient(blobName);
  let contentHash: string | undefined;
  if (gzipOnTheWay) {
    const source: Readable = createReadStream(request.path, { highWaterMark: 1 << 20, signal: request.signal });
    const hash = createHash('sha256');
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    const out = new PassThrough({ highWaterMark: 1 << 20 });
    const done = request.tap ? pipeline(source, hashing, request.tap(), createGzip({ level: 1 }), out) : pipeline(source, hashing, createGzip({ level: 1 }), out);
    // Length unknown: buffered blocks, at most bufferSize × maxConcurrency bytes in flight per file.
    await Promise.all([blob.uploadStream(out, 4 << 20, 2, { abortSignal: request.signal }), done]);
    contentHash = hash.digest('hex');
  } else if (request.size <= SINGLE_SHOT_BYTES) {
    // Sent as it is (Parquet, or gzip already), read straight from the file, nothing buffered. The
    // service computes the MD5 of what it stored: the file's content hash at no cost here (hashing
    // 1 GB on this side took about 1.3 s of a 6 s enqueue on 2 cores, measured with the bench).
    const read = (): Readable => {
      const file = createReadStream(request.path, { highWaterMark: 1 << 20 });
      if (!request.tap) return file;
      const tapped = request.tap();
      // Errors of either end the other (and so the upload's read).
      pipeline(file, tapped).catch(() => undefined);
      return tapped;
    };
    const response = await blob.upload(read, request.size, { abortSignal: request.signal });
    contentHash = md5ContentHash(response.contentMD5);
  } else {
    // In 8 MB blocks, 2 at once. Measured against Azurite (60 files of 10.7 MB, 4 at once): reading
    // from the file took 2.0-2.2 s and 145 MB RSS, where uploadStream with 4 MB × 2 buffers took
    // 2.7-3.4 s and 210-240 MB.
    await blob.uploadFile(request.path, { blockSize: 8 << 20, concurrency: 2, maxSingleShotSize: SINGLE_SHOT_BYTES, abortSignal: request.signal });
  }
  return { blobPath: blob.url, blobName, contentHash };
}

/** The second half of enqueueFile: the status row (Pending) and the ingestion message for an uploaded source. */
export async function postIngestion(resources: IngestionResources, uploaded: UploadedSource, request: QueuedFileRequest, pickIndex = 0, clients = new IngestStorageClients()): Promise<QueuedFileTicket> {
  const sourceId = randomUUID();
  const { blobPath, blobName } = uploaded;

  const additional: Record<string, unknown> = {
    authorizationContext: resources.authorizationContext,
    format: request.format,
    tags: JSON.stringify(request.tags),
  };
  if (request.ingestIfNotExists.length > 0) additional.ingestIfNotExists = JSON.stringify(request.ingestIfNotExists);
  if (request.mappingReference) {
    additional.ingestionMappingReference = request.mappingReference;
    additional.ingestionMappingType = request.mapping?.kind ?? (request.format === 'parquet' ? 'Parquet' : request.format === 'json' || request.format === 'multijson' ? 'Json' : 'Csv');
  } else if (request.mapping) {
    additional.ingestionMapping = JSON.stringify(request.mapping.entries);
    additional.ingestionMappingType = request.mapping.kind;
  }
  if (request.ignoreFirstRecord) additional.ignoreFirstRecord = true;

  const statusTableUrl = resources.statusTables[0];
  const now = new Date();
  if (statusTableUrl) {
    await clients.statusTable(statusTableUrl, request.statusTableCa).createEntity(
      {
        partitionKey: sourceId,
        rowKey: sourceId,
        Status: 'Pending',
        IngestionSourceId: sourceId,
        IngestionSourcePath: blobPath.split('?')[0],
        Database: request.database,
        Table: request.table,
        UpdatedOn: now,
        Details: '',
      },
      { abortSignal: request.signal },
    );
  }
  const message = {
    Id: sourceId,
    BlobPath: blobPath,
    RawDataSize: request.size,
    DatabaseName: request.database,
    TableName: request.table,
    RetainBlobOnSuccess: true,
    FlushImmediately: false,
    IgnoreSizeLimit: false,
    ReportLevel: 2, // failures and successes
    ReportMethod: statusTableUrl ? 1 : 0, // table (or the queues when the cluster offers no table)
    SourceMessageCreationTime: now.toISOString(),
    IngestionStatusInTable: statusTableUrl ? { tableConnectionString: statusTableUrl, partitionKey: sourceId, rowKey: sourceId } : null,
    AdditionalProperties: additional,
    ApplicationForTracing: APP_NAME,
    ClientVersionForTracing: CLIENT_VERSION,
  };
  const queue = clients.queue(resources.queues[pickIndex % resources.queues.length]);
  await queue.sendMessage(Buffer.from(JSON.stringify(message), 'utf8').toString('base64'), { abortSignal: request.signal });
  return { sourceId, statusTableUrl, blobName };
}
