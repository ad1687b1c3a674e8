// Streaming ingestion of one small file: POST /v1/rest/ingest/{db}/{table}?streamFormat=F
// [&mappingName=M], gzip body, at most 4 MB of data per request. Unlike the SDK's managed client,
// an error the service marks @permanent (no streaming policy, payload too large, bad data) is not
// retried: the caller falls back to queued ingestion at once; transient ones are retried a few times.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { gzipSync } from 'node:zlib';
import type { TokenProvider } from '../../engine/jobContext';
import { kustoErrorFromHttp, kustoErrorFromNetwork } from '../kustoError';
import { APP_NAME, CLIENT_VERSION, readSmallBody } from '../kustoHttp';

/** The service's limit for one streaming request. */
export const STREAMING_LIMIT_BYTES = 4 * 1024 * 1024;

export interface StreamingRequest {
  clusterUrl: string;
  database: string;
  table: string;
  format: string;
  mappingName?: string;
  /** Uncompressed data, at most STREAMING_LIMIT_BYTES. */
  data: Buffer;
  /** The data is gzip already. */
  gzipped?: boolean;
  tokenProvider?: TokenProvider;
  signal?: AbortSignal;
}

export async function streamIngest(request: StreamingRequest): Promise<void> {
  const base = request.clusterUrl.endsWith('/') ? request.clusterUrl : `${request.clusterUrl}/`;
  const url = new URL(`v1/rest/ingest/${encodeURIComponent(request.database)}/${encodeURIComponent(request.table)}`, base);
  url.searchParams.set('streamFormat', request.format);
  if (request.mappingName) url.searchParams.set('mappingName', request.mappingName);
  const body = request.gzipped ? request.data : gzipSync(request.data, { level: 1 });
  const token = await request.tokenProvider?.getToken(request.clusterUrl, request.signal);
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    'Content-Encoding': 'gzip',
    'Content-Length': String(body.length),
    Accept: 'application/json',
    'x-ms-client-request-id': `KDM.streamingIngest;${randomUUID()}`,
    'x-ms-app': APP_NAME,
    'x-ms-client-version': CLIENT_VERSION,
  };
  if (token) headers.Authorization = `Bearer ${token}`;
  const transport = url.protocol === 'https:' ? https : http;
  await new Promise<void>((resolve, reject) => {
    const req = transport.request(url, { method: 'POST', headers, signal: request.signal });
    req.on('error', (err) => reject(kustoErrorFromNetwork(err, `POST ${url.pathname}`)));
    req.on('response', (response) => {
      if (response.statusCode === 200) {
        // The status line says the rows are in: a body cut after it changes nothing (and must not
        // read as a failure that a caller would send again).
        response.on('error', () => undefined);
        response.resume();
        resolve();
        return;
      }
      readSmallBody(response, 1 << 20).then(
        (text) => (response.statusCode === 200 ? resolve() : reject(kustoErrorFromHttp(response.statusCode ?? 0, text, response.headers))),
        (err: unknown) => reject(kustoErrorFromNetwork(err, `reading the answer of POST ${url.pathname}`)),
      );
    });
    req.end(body);
  });
}
