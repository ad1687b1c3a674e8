// A Key Vault stand-in (test infrastructure) for the real SecretClient: GET /secrets/{name} with the
// bearer challenge the service sends first (WWW-Authenticate naming the authority and resource),
// then the secret for a token whose audience is the vault's. HTTPS with the emulator's certificate.
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { emulatorCertificate } from '../emulator/ingest/selfSignedCert';

export interface RunningKeyVault {
  url: string;
  /** Audiences of the tokens that read a secret. */
  readers: string[];
  stop(): Promise<void>;
}

export async function startKeyVault(options: { authority: string; tenantId: string; secrets: Record<string, string> }): Promise<RunningKeyVault> {
  const { certPem, keyPem } = emulatorCertificate();
  const readers: string[] = [];
  const server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://vault');
    const match = /^\/secrets\/([^/]+)\/?$/.exec(url.pathname);
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer) {
      res.writeHead(401, { 'WWW-Authenticate': `Bearer authorization="${options.authority}/${options.tenantId}", resource="https://vault.azure.net"`, 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } }));
      return;
    }
    const claims = JSON.parse(Buffer.from(bearer.split('.')[1] ?? '', 'base64url').toString() || '{}') as { aud?: string };
    if (claims.aud !== 'https://vault.azure.net') {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'Unauthorized', message: `AKV10022: Invalid audience ${claims.aud}` } }));
      return;
    }
    const name = match ? decodeURIComponent(match[1]) : '';
    if (!match || !(name in options.secrets)) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'SecretNotFound', message: `A secret with (name/id) ${name} was not found in this key vault.` } }));
      return;
    }
    readers.push(claims.aud);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ value: options.secrets[name], id: `${base}/secrets/${name}/0123456789abcdef`, attributes: { enabled: true, created: 1, updated: 1, recoveryLevel: 'Recoverable' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    readers,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
