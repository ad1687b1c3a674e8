// Streaming ingestion: POST /v1/rest/ingest/{db}/{table}?streamFormat=F[&mappingName=M][&sourceKind=uri]
// (kusto-protocol.md §4). Refused unless the table's or database's streamingingestion policy is on.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BlobClient } from '@azure/storage-blob';
import { streamingIngestionEnabled } from '../mgmt/schemaCommands';
import { v1Body } from '../mgmt/results';
import { canIngestInto, forbidden } from '../server/auth';
import type { EmulatorContext, RequestContext } from '../server/context';
import { KustoRequestError } from '../server/errors';
import { readBody } from '../server/httpServer';
import { IngestError } from './ingestError';
import { ingestFile } from './ingestData';

export const STREAMING_MAX_BYTES = 4 * 1024 * 1024;

export async function handleStreamingIngest(
  ctx: EmulatorContext, req: IncomingMessage, database: string, tableName: string, params: URLSearchParams, rc: Omit<RequestContext, 'text' | 'properties'>,
): Promise<string> {
  const db = ctx.store.database(database);
  const table = ctx.store.findTable(db, tableName);
  if (!canIngestInto(db, table, rc.principal)) throw forbidden(rc.principal, 'StreamingIngest', db, 'database ingestor');
  if (!table) throw new KustoRequestError(400, 'BadRequest_EntityNotFound', `Table '${tableName}' was not found in database '${db.name}'`);
  if (!streamingIngestionEnabled(db, table)) {
    throw new KustoRequestError(400, 'BadRequest_StreamingIngestionPolicyNotEnabled',
      `Streaming ingestion policy is not enabled for table '${table.name}' in database '${db.name}'`, 'Kusto.DataNode.Exceptions.StreamingIngestionPolicyNotEnabledException', true);
  }
  const dir = await mkdtemp(join(tmpdir(), 'kusto-emulator-stream-'));
  try {
    const file = join(dir, 'data');
    let body: Buffer;
    try {
      body = await readBody(req, STREAMING_MAX_BYTES);
    } catch (error) {
      if (error instanceof KustoRequestError && error.status === 413) {
        req.resume();
        throw new KustoRequestError(413, 'PayloadTooLarge', `Streaming ingestion request exceeds the ${STREAMING_MAX_BYTES} bytes limit`, 'Kusto.Data.Exceptions.KustoRequestPayloadTooLargeException', true);
      }
      throw error;
    }
    if ((params.get('sourceKind') ?? '').toLowerCase() === 'uri') {
      let uri: unknown;
      try {
        uri = (JSON.parse(body.toString('utf8')) as { sourceUri?: unknown }).sourceUri;
      } catch {
        uri = undefined;
      }
      if (typeof uri !== 'string') throw new KustoRequestError(400, 'General_BadRequest', "Streaming ingestion from a blob needs a JSON body {\"sourceUri\": \"...\"}");
      try {
        await new BlobClient(uri).downloadToFile(file);
      } catch (error) {
        throw new KustoRequestError(400, 'BadRequest_SourceNotFound', `Failed to download ${uri.split('?')[0]}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
    } else {
      // Decompress here so that Parquet sent with Content-Encoding: gzip still reads.
      await writeFile(file, /gzip/i.test(String(req.headers['content-encoding'] ?? '')) ? gunzipSync(body) : body);
    }
    const result = await ingestFile(ctx, {
      database: db.name, table: table.name, format: params.get('streamFormat') ?? 'csv', mappingReference: params.get('mappingName') ?? undefined,
    }, file);
    return v1Body([{
      columns: [['ConsumedRecordsCount', 'long'], ['UpdatePolicyStatus', 'string'], ['UpdatePolicyFailureCode', 'string'], ['UpdatePolicyFailureReason', 'string']],
      rows: [[result.rowCount, 'Disabled', 'Unknown', null]],
    }]);
  } catch (error) {
    if (error instanceof IngestError) throw new KustoRequestError(400, error.code, error.message, undefined, error.permanent);
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
