import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { pipeline } from 'node:stream/promises';

export interface RecordedServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Serves one recorded /v2/rest/query response body from a file for every query, so a benchmark
 * measures the client and never the server. The auth metadata call gets the 404 that makes the
 * SDK use public-cloud defaults.
 */
export async function startRecordedServer(responseFile: string): Promise<RecordedServer> {
  const size = statSync(responseFile).size;
  const server: Server = createServer((req, res) => {
    req.resume();
    if (req.method === 'GET' && req.url?.startsWith('/v1/rest/auth/metadata')) {
      res.writeHead(404).end();
      return;
    }
    if (req.method === 'POST' && req.url?.startsWith('/v2/rest/query')) {
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': String(size),
        'x-ms-activity-id': 'bench-recorded',
        'x-ms-client-request-id': String(req.headers['x-ms-client-request-id'] ?? ''),
      });
      pipeline(createReadStream(responseFile, { highWaterMark: 1 << 20 }), res).catch(() => res.destroy());
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"code":"NotFound","message":"recorded server serves only /v2/rest/query"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('recorded server has no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
