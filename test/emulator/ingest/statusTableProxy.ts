// An HTTPS endpoint whose root serves Azurite's Table API: the ingest SDK's status-table client
// keeps only a URI's origin and takes the whole path as the table name, and refuses http, so the
// status table is handed out as https://127.0.0.1:P/<table>?<sas> and forwarded here to
// Azurite's path-style http://127.0.0.1:T/devstoreaccount1/<table>.
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { emulatorCertificate } from './selfSignedCert';

export class StatusTableProxy {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly caPemPath: string,
    readonly caPem: string,
  ) {}

  static async start(azuriteTableUrl: string): Promise<StatusTableProxy> {
    const target = new URL(azuriteTableUrl); // http://127.0.0.1:T/devstoreaccount1
    const cert = emulatorCertificate();
    const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
      const headers = { ...req.headers, host: target.host };
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: `${target.pathname}${req.url ?? '/'}`, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(`status table proxy: ${error.message}`);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    return new StatusTableProxy(server, `https://127.0.0.1:${port}`, cert.certPath, cert.certPem);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
