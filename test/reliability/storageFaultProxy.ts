// An HTTP forwarder in front of one Azurite endpoint (blob, queue or table) that the reliability
// runs give to the emulator as if it were Azurite, so that every party (our client, the emulator's
// data-management side, its .export) reaches storage through it. It injects storage faults:
// - an outage: the port is closed (open connections cut, new ones refused) for a while, then opened
//   again on the same port: storage stopped and restarted with its data intact, triggered after N
//   bytes of a matching upload (request body) or download (response body) went through;
// - late or stalled answers: the answer to a matching request is held back for a while.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface OutageRule {
  kind: 'outage';
  method: string;
  path: RegExp;
  /** Count bytes of the request body (an upload) or of the response body (a download). */
  direction: 'upload' | 'download';
  afterBytes: number;
  downMs: number;
}

export interface DelayRule {
  kind: 'delay';
  method: string;
  path: RegExp;
  delayMs: number;
  times: number;
}

export type ProxyRule = OutageRule | DelayRule;

export class StorageFaultProxy {
  private readonly sockets = new Set<Socket>();
  private rules: Array<ProxyRule & { fired: number }> = [];
  /** Faults applied (outages started, answers held back), by label. */
  readonly fired: Record<string, number> = {};
  private reopening: Promise<void> | undefined;

  private constructor(private readonly server: Server, private readonly target: URL, readonly port: number) {}

  /** `upstream` is Azurite's account URL, e.g. http://127.0.0.1:10000/devstoreaccount1. */
  static async start(upstream: string): Promise<StorageFaultProxy> {
    const target = new URL(upstream);
    const server = createServer((req, res) => proxy.forward(req, res));
    server.on('connection', (socket) => {
      proxy.sockets.add(socket);
      socket.on('close', () => proxy.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const proxy = new StorageFaultProxy(server, target, (server.address() as AddressInfo).port);
    return proxy;
  }

  /** The account URL to hand out instead of Azurite's. */
  get url(): string {
    return `http://127.0.0.1:${this.port}${this.target.pathname}`;
  }

  add(rule: ProxyRule): void {
    this.rules.push({ ...rule, fired: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /** Resolves once the endpoint is up again after an outage. */
  async settled(): Promise<void> {
    while (this.reopening) await this.reopening;
  }

  private count(label: string): void {
    this.fired[label] = (this.fired[label] ?? 0) + 1;
  }

  private match<K extends ProxyRule['kind']>(kind: K, req: IncomingMessage): (Extract<ProxyRule, { kind: K }> & { fired: number }) | undefined {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    return this.rules.find((r) => r.kind === kind && r.method === req.method && r.path.test(path) && (r.kind === 'outage' ? r.fired === 0 : r.fired < r.times)) as (Extract<ProxyRule, { kind: K }> & { fired: number }) | undefined;
  }

  /** Storage goes away: every open connection is cut and the port refuses connections for `ms`. */
  private outage(ms: number): void {
    this.server.close();
    for (const socket of this.sockets) socket.destroy();
    this.reopening = new Promise<void>((resolve) => {
      setTimeout(() => {
        this.server.listen(this.port, '127.0.0.1', () => {
          this.reopening = undefined;
          resolve();
        });
      }, ms);
    });
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const outage = this.match('outage', req);
    const delay = this.match('delay', req);
    if (delay) {
      delay.fired++;
      this.count(`storage answer held back (${req.method} ${(req.url ?? '/').split(/[/?]/)[2] ?? ''})`);
    }
    const upstream = httpRequest({
      host: this.target.hostname, port: this.target.port, method: req.method,
      path: req.url,
      headers: { ...req.headers, host: this.target.host },
    }, (answer) => {
      const reply = (): void => {
        if (res.destroyed) {
          answer.resume();
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (outage?.direction === 'download') {
          let seen = 0;
          answer.on('data', (chunk: Buffer) => {
            if (outage.fired > 0) return;
            seen += chunk.length;
            if (seen > outage.afterBytes) {
              outage.fired++;
              this.count('storage outage mid-download');
              // Part of the body went out: the download breaks in the middle.
              res.write(chunk.subarray(0, Math.max(0, chunk.length - (seen - outage.afterBytes))), () => this.outage(outage.downMs));
              answer.destroy();
              return;
            }
            res.write(chunk);
          });
          answer.on('end', () => res.end());
        } else {
          answer.pipe(res);
        }
      };
      if (delay) setTimeout(reply, delay.delayMs);
      else reply();
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    if (outage?.direction === 'upload') {
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        if (outage.fired > 0) return;
        seen += chunk.length;
        if (seen > outage.afterBytes) {
          outage.fired++;
          this.count('storage outage mid-upload');
          // The upload is cut before Azurite has the whole body: nothing of it is stored.
          upstream.destroy();
          this.outage(outage.downMs);
          return;
        }
        upstream.write(chunk);
      });
      req.on('end', () => {
        if (outage.fired === 0 && seen <= outage.afterBytes) upstream.end();
      });
    } else {
      req.pipe(upstream);
    }
  }

  async stop(): Promise<void> {
    await this.settled();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }
}
