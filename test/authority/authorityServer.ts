// A local Microsoft identity platform stand-in (test infrastructure): the OAuth 2.0 endpoints that
// @azure/identity (MSAL) uses, served over HTTPS with the emulator's loopback certificate, so the
// real ClientSecretCredential, ClientCertificateCredential and DeviceCodeCredential talk to it
// unchanged (authorityHost + disableInstanceDiscovery). Tokens are unsigned JWTs whose appid/tid or
// upn the Kusto emulator (tokens mode) maps to a principal. Nothing here is secure.
import { createPublicKey, randomBytes, randomUUID, verify, X509Certificate, constants } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { emulatorCertificate } from '../emulator/ingest/selfSignedCert';

export interface RegisteredApp {
  clientId: string;
  tenantId: string;
  secret?: string;
  /** PEM of the certificate whose key signs the app's client assertions. */
  certificatePem?: string;
}

export interface RegisteredUser {
  upn: string;
  tenantId: string;
}

export interface AuthorityOptions {
  apps?: RegisteredApp[];
  /** Users that approve device codes (the first one, unless `approveDeviceCodeAs` picks). */
  users?: RegisteredUser[];
  /** Lifetime of every access token, seconds (default 3600). */
  tokenLifetimeSeconds?: number;
}

export interface IssuedToken {
  grant: string;
  clientId: string;
  scope: string;
  token: string;
}

export interface RunningAuthority {
  /** https://127.0.0.1:<port>: pass as authorityHost. */
  url: string;
  caPem: string;
  issued: IssuedToken[];
  /** Device codes waiting for a user; approve one as the user would on the verification page. */
  pendingDeviceCodes(): Array<{ userCode: string; clientId: string }>;
  approveDeviceCode(userCode: string, upn?: string): void;
  setTokenLifetime(seconds: number): void;
  addApp(app: RegisteredApp): void;
  stop(): Promise<void>;
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

function unsignedJwt(claims: Record<string, unknown>): string {
  return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}.`;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function oauthError(res: ServerResponse, status: number, error: string, description: string): void {
  json(res, status, { error, error_description: description, error_codes: [status === 401 ? 7000215 : 50000], timestamp: new Date().toISOString(), trace_id: randomUUID(), correlation_id: randomUUID() });
}

/** Checks a client assertion (RS256 or PS256 JWT) against the app's registered certificate. */
function assertionValid(assertion: string, app: RegisteredApp, tokenUrl: string): string | undefined {
  if (!app.certificatePem) return 'the app has no certificate registered';
  const [h, p, s] = assertion.split('.');
  if (!h || !p || !s) return 'the client assertion is not a JWT';
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { aud?: string; iss?: string; sub?: string; exp?: number };
  const key = createPublicKey(new X509Certificate(app.certificatePem).publicKey.export({ type: 'spki', format: 'pem' }));
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  const ok = header.alg === 'PS256'
    ? verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig)
    : header.alg === 'RS256' && verify('sha256', data, key, sig);
  if (!ok) return `the client assertion's signature (${header.alg}) does not match the registered certificate`;
  if (claims.iss !== app.clientId || claims.sub !== app.clientId) return 'the client assertion names another client';
  if (claims.aud !== tokenUrl) return `the client assertion's audience ${claims.aud} is not ${tokenUrl}`;
  if (!claims.exp || claims.exp * 1000 < Date.now()) return 'the client assertion has expired';
  return undefined;
}

export async function startAuthority(options: AuthorityOptions = {}): Promise<RunningAuthority> {
  const { certPem, keyPem } = emulatorCertificate();
  const apps = new Map((options.apps ?? []).map((a) => [a.clientId, a]));
  const users = options.users ?? [{ upn: 'dana@contoso.com', tenantId: 'contoso-tenant' }];
  let lifetime = options.tokenLifetimeSeconds ?? 3600;
  const issued: IssuedToken[] = [];
  const deviceCodes = new Map<string, { userCode: string; clientId: string; tenant: string; scope: string; approvedAs?: RegisteredUser; expiresAt: number }>();
  const refreshTokens = new Map<string, { clientId: string; user?: RegisteredUser; app?: RegisteredApp; tenant: string }>();
  let base = '';

  function accessToken(scope: string, subject: { app?: RegisteredApp; user?: RegisteredUser; clientId: string; tenant: string }): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    const resource = scope.split(' ').find((s) => s.endsWith('/.default'))?.replace(/\/\.default$/, '') ?? scope;
    // Azure Storage takes v1 tokens, whose issuer is sts.windows.net (Azurite's --oauth basic checks it).
    const iss = resource.replace(/\/+$/, '') === 'https://storage.azure.com' ? `https://sts.windows.net/${subject.tenant}/` : `${base}/${subject.tenant}/v2.0`;
    const claims: Record<string, unknown> = { aud: resource, iss, iat: now, nbf: now, exp: now + lifetime, tid: subject.tenant };
    if (subject.user) Object.assign(claims, { upn: subject.user.upn, oid: randomUUID(), azp: subject.clientId, name: subject.user.upn });
    else Object.assign(claims, { appid: subject.clientId, oid: randomUUID() });
    return claims;
  }

  function tokenResponse(grant: string, scope: string, subject: { app?: RegisteredApp; user?: RegisteredUser; clientId: string; tenant: string }): Record<string, unknown> {
    const token = unsignedJwt(accessToken(scope, subject));
    issued.push({ grant, clientId: subject.clientId, scope, token });
    const body: Record<string, unknown> = { token_type: 'Bearer', scope, expires_in: lifetime, ext_expires_in: lifetime, access_token: token };
    if (subject.user) {
      const refresh = b64url(randomBytes(24));
      refreshTokens.set(refresh, { clientId: subject.clientId, user: subject.user, tenant: subject.tenant });
      const uid = b64url(subject.user.upn);
      body.refresh_token = refresh;
      body.client_info = b64url(JSON.stringify({ uid, utid: subject.tenant }));
      const now = Math.floor(Date.now() / 1000);
      body.id_token = unsignedJwt({ aud: subject.clientId, iss: `${base}/${subject.tenant}/v2.0`, iat: now, nbf: now, exp: now + 3600, oid: uid, sub: uid, tid: subject.tenant, preferred_username: subject.user.upn, name: subject.user.upn, ver: '2.0' });
    }
    return body;
  }

  const server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', base);
      const parts = url.pathname.split('/').filter(Boolean);
      const tenant = parts[0] ?? 'common';
      const tenantBase = `${base}/${tenant}`;
      if (req.method === 'GET' && url.pathname.endsWith('/v2.0/.well-known/openid-configuration')) {
        json(res, 200, {
          token_endpoint: `${tenantBase}/oauth2/v2.0/token`,
          authorization_endpoint: `${tenantBase}/oauth2/v2.0/authorize`,
          device_authorization_endpoint: `${tenantBase}/oauth2/v2.0/devicecode`,
          end_session_endpoint: `${tenantBase}/oauth2/v2.0/logout`,
          jwks_uri: `${tenantBase}/discovery/v2.0/keys`,
          issuer: `${tenantBase}/v2.0`,
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        });
        return;
      }
      if (req.method === 'POST' && url.pathname === `/${tenant}/oauth2/v2.0/devicecode`) {
        const form = await readForm(req);
        const deviceCode = b64url(randomBytes(24));
        const userCode = randomBytes(4).toString('hex').toUpperCase().slice(0, 8);
        const verificationUri = `${base}/devicelogin`;
        deviceCodes.set(deviceCode, { userCode, clientId: form.get('client_id') ?? '', tenant, scope: form.get('scope') ?? '', expiresAt: Date.now() + 900_000 });
        json(res, 200, { device_code: deviceCode, user_code: userCode, verification_uri: verificationUri, expires_in: 900, interval: 1, message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.` });
        return;
      }
      if (req.method === 'POST' && url.pathname === `/${tenant}/oauth2/v2.0/token`) {
        const form = await readForm(req);
        const grant = form.get('grant_type') ?? '';
        const clientId = form.get('client_id') ?? '';
        const scope = form.get('scope') ?? '';
        if (grant === 'client_credentials') {
          const app = apps.get(clientId);
          if (!app || app.tenantId !== tenant) return oauthError(res, 400, 'unauthorized_client', `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${tenant}'.`);
          const assertion = form.get('client_assertion');
          if (assertion) {
            const problem = assertionValid(assertion, app, `${tenantBase}/oauth2/v2.0/token`);
            if (problem) return oauthError(res, 401, 'invalid_client', `AADSTS700027: ${problem}`);
          } else if (!app.secret || form.get('client_secret') !== app.secret) {
            return oauthError(res, 401, 'invalid_client', `AADSTS7000215: Invalid client secret provided for app '${clientId}'.`);
          }
          return json(res, 200, tokenResponse(grant, scope, { app, clientId, tenant }));
        }
        if (grant === 'urn:ietf:params:oauth:grant-type:device_code' || grant === 'device_code') {
          const code = deviceCodes.get(form.get('device_code') ?? '');
          if (!code) return oauthError(res, 400, 'invalid_grant', 'AADSTS70000: the device code is not known');
          if (Date.now() > code.expiresAt) return oauthError(res, 400, 'expired_token', 'AADSTS70019: the device code expired');
          if (!code.approvedAs) return oauthError(res, 400, 'authorization_pending', 'AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.');
          deviceCodes.delete(form.get('device_code') ?? '');
          return json(res, 200, tokenResponse(grant, scope || code.scope, { user: code.approvedAs, clientId, tenant: code.approvedAs.tenantId }));
        }
        if (grant === 'refresh_token') {
          const entry = refreshTokens.get(form.get('refresh_token') ?? '');
          if (!entry || entry.clientId !== clientId) return oauthError(res, 400, 'invalid_grant', 'AADSTS70000: the refresh token is not valid');
          return json(res, 200, tokenResponse(grant, scope, { user: entry.user, clientId, tenant: entry.tenant }));
        }
        return oauthError(res, 400, 'unsupported_grant_type', `AADSTS70003: grant type ${grant} is not supported here`);
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not an endpoint of the authority stand-in');
    })().catch((err: unknown) => {
      if (!res.headersSent) oauthError(res, 500, 'server_error', String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    caPem: certPem,
    issued,
    pendingDeviceCodes: () => [...deviceCodes.values()].filter((c) => !c.approvedAs).map((c) => ({ userCode: c.userCode, clientId: c.clientId })),
    approveDeviceCode: (userCode, upn) => {
      const code = [...deviceCodes.values()].find((c) => c.userCode === userCode);
      if (!code) throw new Error(`no pending device code ${userCode}`);
      code.approvedAs = users.find((u) => !upn || u.upn === upn) ?? users[0];
    },
    setTokenLifetime: (seconds) => {
      lifetime = seconds;
    },
    addApp: (app) => void apps.set(app.clientId, app),
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
