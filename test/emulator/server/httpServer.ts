// The emulator's HTTP endpoints (kusto-protocol.md §1): auth metadata, v2/v1 query, mgmt and
// streaming ingestion, all on one loopback port.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { compileQuery } from '../kql/compiler';
import type { CompiledQuery } from '../kql/contract';
import { executeCommand } from '../mgmt/commands';
import { assertCanRead } from '../mgmt/dataCommands';
import { v1Body } from '../mgmt/results';
import type { TableMeta } from '../store/store';
import { principalFromRequest, queryPrincipal } from './auth';
import type { EmulatorContext, RequestContext } from './context';
import { KustoRequestError, oneApiError, toRequestError, type RequestIds } from './errors';
import type { FaultRule, FaultSet, SlowResponse } from './faults';
import { optionIsTrue, writeV1QueryResponse, writeV2Response } from './queryRunner';
import { ResponseSink } from './responseSink';

export type StreamingIngestHandler = (req: IncomingMessage, database: string, table: string, params: URLSearchParams, rc: Omit<RequestContext, 'text' | 'properties'>) => Promise<string>;

const MAX_REQUEST_BODY = 16 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new KustoRequestError(413, 'PayloadTooLarge', `Request body exceeds ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

interface QueryBody {
  db: string;
  csl: string;
  properties: RequestContext['properties'];
}

function parseQueryBody(buffer: Buffer): QueryBody {
  let body: { db?: unknown; csl?: unknown; properties?: unknown };
  try {
    body = JSON.parse(buffer.toString('utf8')) as typeof body;
  } catch {
    throw new KustoRequestError(400, 'General_BadRequest', 'Request body is not JSON');
  }
  if (typeof body.csl !== 'string') throw new KustoRequestError(400, 'General_BadRequest', "Request body has no 'csl'");
  let props = body.properties;
  if (typeof props === 'string') {
    try {
      props = JSON.parse(props) as unknown;
    } catch {
      props = undefined;
    }
  }
  const p = (props && typeof props === 'object' ? props : {}) as { Options?: unknown; Parameters?: unknown };
  const options = (p.Options && typeof p.Options === 'object' ? p.Options : {}) as Record<string, unknown>;
  const parameters: Record<string, string> = {};
  if (p.Parameters && typeof p.Parameters === 'object') {
    for (const [k, v] of Object.entries(p.Parameters as Record<string, unknown>)) parameters[k] = String(v);
  }
  return { db: typeof body.db === 'string' && body.db ? body.db : 'NetDefaultDB', csl: body.csl, properties: { Options: options, Parameters: parameters } };
}

export interface ServerDeps {
  ctx: EmulatorContext;
  faults: FaultSet;
  streamingIngest: StreamingIngestHandler;
}

export function createKustoServer(deps: ServerDeps): Server {
  const server = createServer((req, res) => {
    void handle(deps, req, res);
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

function sendError(res: ServerResponse, error: KustoRequestError, ids: RequestIds): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' };
  if (error.status === 429) headers['Retry-After'] = String(error.retryAfterSeconds ?? 1);
  res.writeHead(error.status, headers);
  res.end(JSON.stringify(oneApiError(error, ids)));
}

async function applyFaults(rules: FaultRule[]): Promise<{ resetAfterBytes?: number; slowUntil?: SlowResponse }> {
  let resetAfterBytes: number | undefined;
  let slowUntil: SlowResponse | undefined;
  for (const rule of rules) {
    if (rule.delayMs) await new Promise((r) => setTimeout(r, rule.delayMs));
  }
  for (const rule of rules) {
    if (rule.status) {
      throw new KustoRequestError(rule.status, undefined, rule.message ?? `Fault injected by the emulator (status ${rule.status})`, undefined, undefined, rule.retryAfterSeconds ?? 1);
    }
    if (rule.resetAfterBytes !== undefined) resetAfterBytes = rule.resetAfterBytes;
    if (rule.slowUntil) slowUntil = rule.slowUntil;
  }
  return { resetAfterBytes, slowUntil };
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { ctx } = deps;
  const header = req.headers['x-ms-client-request-id'];
  const ids: RequestIds = { clientRequestId: typeof header === 'string' ? header : `emulator;${randomUUID()}`, activityId: randomUUID() };
  res.setHeader('x-ms-client-request-id', ids.clientRequestId);
  res.setHeader('x-ms-activity-id', ids.activityId);
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const path = url.pathname.replace(/\/+$/, '');
  try {
    if (req.method === 'GET' && path === '/v1/rest/auth/metadata') {
      // 404: the SDKs then use the public cloud's defaults, which the emulator never contacts.
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('no cloud metadata in the emulator');
      return;
    }
    const ingest = /^\/v1\/rest\/ingest\/([^/]+)\/([^/]+)$/.exec(path);
    if (req.method === 'POST' && ingest) {
      const { resetAfterBytes } = await applyFaults(deps.faults.match(path, undefined));
      const principal = principalFromRequest(ctx.authMode, req.headers.authorization);
      const body = await deps.streamingIngest(req, decodeURIComponent(ingest[1]), decodeURIComponent(ingest[2]), url.searchParams, { database: decodeURIComponent(ingest[1]), principal, ids });
      const sink = new ResponseSink(res, resetAfterBytes);
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      await sink.write(body);
      await sink.end();
      return;
    }
    if (req.method !== 'POST' || !['/v2/rest/query', '/v1/rest/query', '/v1/rest/mgmt'].includes(path)) {
      throw new KustoRequestError(404, 'NotFound', `The emulator has no endpoint ${req.method} ${path}`);
    }
    const body = parseQueryBody(await readBody(req, MAX_REQUEST_BODY));
    const { resetAfterBytes, slowUntil } = await applyFaults(deps.faults.match(path, body.csl));
    const principal = principalFromRequest(ctx.authMode, req.headers.authorization);
    const rc: RequestContext = { database: body.db, text: body.csl, principal, ids, properties: body.properties };
    const sink = new ResponseSink(res, resetAfterBytes, slowUntil);
    const isCommand = body.csl.trimStart().startsWith('.');
    if (path === '/v1/rest/mgmt' || isCommand) {
      if (!isCommand) throw new KustoRequestError(400, 'General_BadRequest', 'Syntax error: a management command starts with a dot');
      const table = await executeCommand(ctx, rc);
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      await sink.write(v1Body([table]));
      await sink.end();
      return;
    }
    await runQuery(ctx, rc, path, res, sink);
  } catch (error) {
    const e = toRequestError(error);
    if (e.status >= 500) console.error(`[kusto-emulator] ${path}: ${e.message}`);
    sendError(res, e, ids);
  }
}

async function runQuery(ctx: EmulatorContext, rc: RequestContext, path: string, res: ServerResponse, sink: ResponseSink): Promise<void> {
  const db = ctx.store.database(rc.database);
  const used: TableMeta[] = [];
  const compiled: CompiledQuery = compileQuery(rc.text, { ...ctx.store.catalog(db, (t) => used.push(t)), principal: queryPrincipal(rc.principal) }, rc.properties.Parameters);
  assertCanRead(db, rc.principal, used, 'query');
  const connection = await ctx.store.connect();
  try {
    // Binding errors (a bad SQL translation) surface as a 400 before any byte is written.
    for (const result of compiled.results) (await connection.prepare(result.sql)).destroySync();
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Transfer-Encoding': 'chunked' });
    if (path === '/v1/rest/query') {
      await writeV1QueryResponse(connection, compiled, sink);
      return;
    }
    const options = rc.properties.Options;
    const progressive = optionIsTrue(options, 'results_progressive_enabled');
    const fragmented = progressive || optionIsTrue(options, 'results_v2_fragment_primary_tables');
    const mode = { progressive, fragmented, newlines: fragmented || optionIsTrue(options, 'results_v2_newlines_between_frames') };
    await writeV2Response(connection, compiled, rc.ids, sink, { mode, requestOptions: options });
  } catch (error) {
    if (res.headersSent) {
      // Mid-body failure (client gone or a fault): nothing more can be said on this response.
      res.destroy();
      return;
    }
    throw error;
  } finally {
    connection.closeSync();
  }
}
