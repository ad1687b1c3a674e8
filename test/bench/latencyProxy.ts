// Remote storage, simulated on loopback: an HTTP proxy in front of Azurite that holds every request
// for a fixed delay (a round trip to a distant region) and sends each response body at a capped
// rate per connection (one TCP stream's share of a long link). It forwards bytes unchanged, so
// Shared Key signatures (which do not cover the host) stay valid.
import { type IncomingMessage, type ServerResponse, createServer, request } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface LatencyProxy {
  /** The proxy's base URL (http://127.0.0.1:port). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface LatencyProxyOptions {
  /** Where requests go, e.g. Azurite's blob endpoint http://127.0.0.1:10000. */
  target: string;
  /** Added before each request is forwarded. */
  delayMs: number;
  /** Response body bytes per second on one connection. */
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
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    setTimeout(() => {
      const upstream = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          pipeline(answer, throttle(options.bytesPerSecond), res).catch(() => res.destroy());
        },
      );
      upstream.on('error', () => res.destroy());
      pipeline(req, upstream).catch(() => upstream.destroy());
    }, options.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('latency proxy has no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
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
