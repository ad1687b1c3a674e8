// A stand-in for Azure Storage's role checks in front of Azurite, which has none: `--oauth basic`
// checks a bearer token's issuer, audience and lifetime, never whether its identity holds a data
// role. This proxy (HTTPS, the same self-signed certificate) answers as the service does:
// - a bearer token whose identity holds no role: 403 AuthorizationPermissionMismatch, the XML body
//   and x-ms-error-code header of the real service; a reader that writes: the same;
// - shared key (an account key, or a SAS signed with one): 403 KeyBasedAuthenticationNotPermitted,
//   as an account with shared key access disabled answers, so only the sign-in reaches the data;
// - a user delegation SAS (skoid=...): forwarded; Azurite checks its signature.
// Everything allowed is forwarded unchanged to Azurite.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

export type DataRole = 'reader' | 'contributor';

export interface StorageRoleProxy {
  /** The account's service URL through the proxy: https://127.0.0.1:<port>/<account>. */
  serviceUrl: string;
  /** Each request as the proxy judged it. */
  seen: Array<{ method: string; path: string; auth: 'bearer' | 'sharedKey' | 'serviceSas' | 'delegationSas' | 'none'; principal?: string; status?: number }>;
  grant(principal: string, role: DataRole): void;
  stop(): Promise<void>;
}

function principalOf(token: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, string | undefined>;
    if (claims.upn) return `aaduser=${claims.upn}`;
    return claims.appid ? `aadapp=${claims.appid};${claims.tid}` : undefined;
  } catch {
    return undefined;
  }
}

function refuse(req: IncomingMessage, res: ServerResponse, code: string, message: string): void {
  const body = `\uFEFF<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:${randomUUID()}\nTime:${new Date().toISOString()}</Message></Error>`;
  res.writeHead(403, { 'content-type': 'application/xml', 'x-ms-error-code': code, 'x-ms-request-id': randomUUID() });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Reads need a data role; a user delegation key is a read (Storage Blob Data Reader holds generateUserDelegationKey). */
function isRead(req: IncomingMessage, url: URL): boolean {
  return req.method === 'GET' || req.method === 'HEAD' || (req.method === 'POST' && url.searchParams.get('comp') === 'userdelegationkey');
}

export async function startStorageRoleProxy(options: { azuriteUrl: string; account: string; certPem: string; keyPem: string }): Promise<StorageRoleProxy> {
  const target = new URL(options.azuriteUrl);
  const roles = new Map<string, DataRole>();
  const seen: StorageRoleProxy['seen'] = [];
  const server: Server = createServer({ cert: options.certPem, key: options.keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://proxy');
    const authorization = req.headers.authorization ?? '';
    const entry: StorageRoleProxy['seen'][number] = { method: req.method ?? '', path: url.pathname, auth: 'none' };
    seen.push(entry);
    res.once('finish', () => (entry.status = res.statusCode));
    if (/^SharedKey(Lite)? /i.test(authorization) || (url.searchParams.has('sig') && !url.searchParams.has('skoid'))) {
      entry.auth = authorization ? 'sharedKey' : 'serviceSas';
      refuse(req, res, 'KeyBasedAuthenticationNotPermitted', 'Key based authentication is not permitted on this storage account.');
      return;
    }
    if (url.searchParams.has('skoid')) entry.auth = 'delegationSas';
    if (/^Bearer /i.test(authorization)) {
      entry.auth = 'bearer';
      entry.principal = principalOf(authorization.slice(7));
      const role = entry.principal ? roles.get(entry.principal) : undefined;
      if (!role || (role === 'reader' && !isRead(req, url))) {
        refuse(req, res, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.');
        return;
      }
    }
    const upstream = request(
      { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host }, ca: options.certPem },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    serviceUrl: `https://127.0.0.1:${port}/${options.account}`,
    seen,
    grant: (principal, role) => void roles.set(principal, role),
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
