// Remote storage, simulated on loopback: an HTTP proxy in front of Azurite that holds every request
// for a fixed delay (a round trip to a distant region) and passes each request and response body at
// a capped rate (one TCP stream's share of a long link, each way: downloads and uploads alike). It forwards bytes unchanged, so
// Shared Key signatures (which do not cover the host) stay valid.
import { type IncomingMessage, type ServerResponse, createServer, request } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Azurite } from '../helpers/azurite';

export interface LatencyProxy {
  /** The proxy's base URL (http://127.0.0.1:port). */
  url: string;
  port: number;
  /** The most requests of this method (e.g. PUT: uploads) that were in the proxy at one time (since the last resetPeaks). */
  peakInFlight(method: string): number;
  /** When each request of this method was in the proxy (performance.now() ms, arrival to answer sent), since the last resetPeaks. */
  spans(method: string): Array<{ start: number; end: number }>;
  resetPeaks(): void;
  stop(): Promise<void>;
}

export interface LatencyProxyOptions {
  /** Where requests go, e.g. Azurite's blob endpoint http://127.0.0.1:10000. */
  target: string;
  /** Added before each request is forwarded. */
  delayMs: number;
  /** Body bytes per second of one request, and of one response. */
  bytesPerSecond: number;
}

/** Passes chunks on no faster than `bytesPerSecond` (paced by the bytes sent so far since the start). */
function throttle(bytesPerSecond: number): Transform {
  const started = performance.now();
  let sent = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      sent += chunk.length;
      const due = started + (sent / bytesPerSecond) * 1000 - performance.now();
      if (due <= 0) callback(null, chunk);
      else setTimeout(() => callback(null, chunk), due);
    },
  });
}

export async function startLatencyProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
  const target = new URL(options.target);
  const inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  let spans: Array<{ method: string; start: number; end: number }> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const start = performance.now();
    inFlight.set(method, (inFlight.get(method) ?? 0) + 1);
    peak.set(method, Math.max(peak.get(method) ?? 0, inFlight.get(method) ?? 0));
    res.once('close', () => {
      inFlight.set(method, (inFlight.get(method) ?? 1) - 1);
      spans.push({ method, start, end: performance.now() });
    });
    setTimeout(() => {
      const upstream = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          pipeline(answer, throttle(options.bytesPerSecond), res).catch(() => res.destroy());
        },
      );
      upstream.on('error', () => res.destroy());
      pipeline(req, throttle(options.bytesPerSecond), upstream).catch(() => upstream.destroy());
    }, options.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('latency proxy has no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    peakInFlight: (method) => peak.get(method) ?? 0,
    spans: (method) => spans.filter((s) => s.method === method).map(({ start, end }) => ({ start, end })),
    resetPeaks: () => {
      peak.clear();
      spans = [];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The Azurite connection string with its blob endpoint moved to `proxyUrl`. */
export function throughProxy(connectionString: string, proxyUrl: string): string {
  return connectionString.replace(/BlobEndpoint=http:\/\/[^/;]+/i, `BlobEndpoint=${proxyUrl}`);
}

/** Azurite's three services as remote storage plays them: each endpoint behind its own latency proxy (stop() stops the proxies, not Azurite). */
export async function remoteAzurite(azurite: Azurite, options: Omit<LatencyProxyOptions, 'target'>): Promise<Azurite & { blobProxy: LatencyProxy; queueProxy: LatencyProxy; tableProxy: LatencyProxy }> {
  const proxies: LatencyProxy[] = [];
  const behindProxy = async (serviceUrl: string): Promise<string> => {
    const url = new URL(serviceUrl);
    const proxy = await startLatencyProxy({ ...options, target: url.origin });
    proxies.push(proxy);
    return `${proxy.url}${url.pathname}`;
  };
  const [blobUrl, queueUrl, tableUrl] = [await behindProxy(azurite.blobUrl), await behindProxy(azurite.queueUrl), await behindProxy(azurite.tableUrl)];
  const endpoints: Array<[string, string, string]> = [['BlobEndpoint', azurite.blobUrl, blobUrl], ['QueueEndpoint', azurite.queueUrl, queueUrl], ['TableEndpoint', azurite.tableUrl, tableUrl]];
  return {
    blobUrl,
    queueUrl,
    tableUrl,
    connectionString: endpoints.reduce((cs, [name, from, to]) => cs.replace(`${name}=${from}`, `${name}=${to}`), azurite.connectionString),
    blobProxy: proxies[0],
    queueProxy: proxies[1],
    tableProxy: proxies[2],
    stop: async () => {
      for (const proxy of proxies) await proxy.stop();
    },
  };
}
