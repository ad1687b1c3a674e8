// The one HTTP path to Kusto: a JSON POST with the headers the service expects, a bearer token from
// the connection's TokenProvider, gzip accepted and undone, and every non-200 answer turned into a
// KustoError. Plain node:http(s), so the body is a stream the caller reads at its own pace.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { TokenProvider } from '../engine/jobContext';
import { type HttpStreamResponse, httpStream } from './httpStream';
import { kustoErrorFromHttp, kustoErrorFromNetwork } from './kustoError';

export const APP_NAME = 'KustoDataMover';
/** The client version the service's traces show for every request and queued ingestion. */
export const CLIENT_VERSION = 'Kusto.DataMover:0.1.0';

export interface KustoRequestOptions {
  tokenProvider?: TokenProvider;
  signal?: AbortSignal;
  /** Prefix of x-ms-client-request-id, e.g. "KDM.execute". */
  requestKind?: string;
  /** Client-side limit for the response headers to arrive. */
  headersTimeoutMs?: number;
}

export interface KustoResponse {
  status: number;
  clientRequestId: string;
  /** The decompressed body; read it or destroy it. */
  body: Readable;
  /** What carries the body (destroy() releases the socket). */
  raw: { destroy(): unknown };
}

interface KustoRequest {
  url: URL;
  clientRequestId: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** The request as Kusto expects it: JSON, the identifying headers, the connection's token. */
async function kustoRequest(clusterUrl: string, path: string, payload: unknown, options: KustoRequestOptions): Promise<KustoRequest> {
  const url = new URL(path, clusterUrl.endsWith('/') ? clusterUrl : `${clusterUrl}/`);
  options.signal?.throwIfAborted();
  const token = await options.tokenProvider?.getToken(clusterUrl, options.signal);
  options.signal?.throwIfAborted();
  const clientRequestId = `${options.requestKind ?? 'KDM.execute'};${randomUUID()}`;
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(body.length),
    Accept: 'application/json',
    'Accept-Encoding': 'gzip, deflate',
    'x-ms-client-request-id': clientRequestId,
    'x-ms-app': APP_NAME,
    'x-ms-client-version': CLIENT_VERSION,
  };
  if (token) headers.Authorization = `Bearer ${token}`;
  return { url, clientRequestId, headers, body };
}

/** POSTs `payload` as JSON to `clusterUrl` + `path`; resolves once a 200 arrives, rejects with a KustoError otherwise. */
export async function postKusto(clusterUrl: string, path: string, payload: unknown, options: KustoRequestOptions = {}): Promise<KustoResponse> {
  const { url, clientRequestId, headers, body } = await kustoRequest(clusterUrl, path, payload, options);
  const transport = url.protocol === 'https:' ? https : http;

  return new Promise<KustoResponse>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(err);
    };
    const request = transport.request(url, { method: 'POST', headers });
    const onAbort = (): void => {
      const reason = options.signal?.reason as unknown;
      request.destroy();
      fail(reason instanceof Error ? reason : abortError());
    };
    const timer = options.headersTimeoutMs
      ? setTimeout(() => {
          request.destroy();
          fail(kustoErrorFromNetwork(Object.assign(new Error(`no answer within ${options.headersTimeoutMs} ms`), { code: 'ETIMEDOUT' }), `POST ${url.pathname}`));
        }, options.headersTimeoutMs)
      : undefined;
    const cleanup = (): void => {
      if (timer) clearTimeout(timer);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (err) => fail(options.signal?.aborted ? abortError() : kustoErrorFromNetwork(err, `POST ${url.pathname}`, url)));
    request.on('response', (response) => {
      if (settled) {
        response.destroy();
        return;
      }
      const decoded = decompress(response, response.headers['content-encoding']);
      const detach = (): void => options.signal?.removeEventListener('abort', onAbort);
      if (response.statusCode !== 200) {
        readSmallBody(decoded, 1 << 20)
          .then((text) => fail(kustoErrorFromHttp(response.statusCode ?? 0, text, response.headers)))
          .catch((err: unknown) => fail(kustoErrorFromNetwork(err, `reading the error of POST ${url.pathname}`)))
          .finally(detach);
        return;
      }
      settled = true;
      cleanup();
      detach();
      if (options.signal) abortBodyOnSignal(decoded, response, options.signal);
      resolve({ status: 200, clientRequestId, body: decoded, raw: response });
    });
    request.end(body);
  });
}

/** Once the caller owns the body, an abort destroys it (its reader then throws) and what carries it. */
function abortBodyOnSignal(decoded: Readable, carrier: { destroy(): unknown }, signal: AbortSignal): void {
  const onBodyAbort = (): void => {
    decoded.destroy(abortError());
    carrier.destroy();
  };
  signal.addEventListener('abort', onBodyAbort, { once: true });
  decoded.once('close', () => signal.removeEventListener('abort', onBodyAbort));
}

export function abortError(): Error {
  const err = new Error('the operation was cancelled');
  err.name = 'AbortError';
  return err;
}

function decompress(response: Readable, contentEncoding: string | string[] | undefined): Readable {
  const encoding = String(contentEncoding ?? '').toLowerCase();
  let stream: Readable = response;
  if (encoding === 'gzip') stream = response.pipe(createGunzip());
  else if (encoding === 'deflate') stream = response.pipe(createInflate());
  else if (encoding === 'br') stream = response.pipe(createBrotliDecompress());
  if (stream !== response) {
    // pipe() does not forward errors: a reset socket must still fail the reader.
    response.on('error', (err) => stream.destroy(err));
    response.on('aborted', () => stream.destroy(Object.assign(new Error('the response was aborted'), { code: 'ECONNRESET' })));
  }
  return stream;
}

/**
 * postKusto for a response read in bulk (the query's): the same request and errors, sent by
 * httpStream.ts over a socket of its own, so the body's chunks are the socket's bytes, not copies.
 */
export async function postKustoStream(clusterUrl: string, path: string, payload: unknown, options: KustoRequestOptions = {}): Promise<KustoResponse> {
  const { url, clientRequestId, headers, body } = await kustoRequest(clusterUrl, path, payload, options);
  const what = `POST ${url.pathname}`;
  const exchange = httpStream({ url, method: 'POST', headers, body });
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    onAbort = (): void => {
      const reason = options.signal?.reason as unknown;
      exchange.destroy();
      reject(reason instanceof Error ? reason : abortError());
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.headersTimeoutMs) {
      const ms = options.headersTimeoutMs;
      timer = setTimeout(() => {
        exchange.destroy();
        reject(kustoErrorFromNetwork(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' }), what));
      }, ms);
    }
  });
  let response: HttpStreamResponse;
  try {
    response = await Promise.race([exchange.response.catch((err: unknown) => Promise.reject(options.signal?.aborted ? abortError() : kustoErrorFromNetwork(err, what, url))), stopped]);
  } finally {
    if (timer) clearTimeout(timer);
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
  }
  const decoded = decompress(response.body, response.headers['content-encoding']);
  if (response.status !== 200) {
    let text: string;
    try {
      text = await readSmallBody(decoded, 1 << 20);
    } catch (err) {
      throw kustoErrorFromNetwork(err, `reading the error of ${what}`);
    } finally {
      response.destroy();
    }
    throw kustoErrorFromHttp(response.status, text, response.headers);
  }
  if (options.signal) abortBodyOnSignal(decoded, response, options.signal);
  return { status: 200, clientRequestId, body: decoded, raw: response };
}

/** Reads a body up to `limit` bytes as UTF-8 (error bodies and management results are small). */
export async function readSmallBody(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      stream.destroy();
      throw new Error(`the response is larger than ${limit} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
