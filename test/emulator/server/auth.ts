// Principals and role checks. In 'tokens' mode a request carries an unsigned test JWT naming its
// principal (never verified: this is test infrastructure on loopback); in 'open' mode every request
// acts as an all-powerful anonymous principal.
import type { DatabaseMeta, DatabaseRole, TableMeta } from '../store/store';
import { KustoRequestError } from './errors';

export type AuthMode = 'open' | 'tokens';

/** Holds admin on every database and may create databases, in tokens mode. */
export const CLUSTER_ADMIN = 'aaduser=admin@emulator';
export const ANONYMOUS = 'aaduser=anonymous@emulator';

export interface Principal {
  fqn: string;
  clusterAdmin: boolean;
}

const b64url = (text: string): string => Buffer.from(text).toString('base64url');

/** An unsigned JWT whose claims name the principal: `aaduser=alice@contoso.com` or `aadapp=app1;tenant`. */
export function testToken(principal: string): string {
  const claims: Record<string, string | number> = { kdm_principal: principal, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 24 * 3600 };
  const user = /^aaduser=(.+)$/i.exec(principal);
  const app = /^aadapp=([^;]+)(?:;(.+))?$/i.exec(principal);
  if (user) claims.upn = user[1];
  if (app) {
    claims.appid = app[1];
    if (app[2]) claims.tid = app[2];
  }
  return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}.`;
}

export function principalFromRequest(mode: AuthMode, authorization: string | undefined): Principal {
  if (mode === 'open') return { fqn: ANONYMOUS, clusterAdmin: true };
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) throw new KustoRequestError(401, 'Unauthorized', 'Unauthorized: the request carries no bearer token', undefined, true);
  if (tokenExpired(match[1])) throw new KustoRequestError(401, 'Unauthorized', 'Unauthorized: the bearer token has expired', undefined, true);
  const fqn = principalOfToken(match[1]);
  if (!fqn) throw new KustoRequestError(401, 'Unauthorized', 'Unauthorized: the bearer token names no principal', undefined, true);
  return { fqn, clusterAdmin: samePrincipal(fqn, CLUSTER_ADMIN) };
}

/** The service refuses a token after its `exp`: so does the emulator, so token refresh is tested. */
function tokenExpired(token: string): boolean {
  try {
    const exp = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && exp * 1000 < Date.now();
  } catch {
    return false;
  }
}

function principalOfToken(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof claims.kdm_principal === 'string') return claims.kdm_principal;
  if (typeof claims.appid === 'string') return `aadapp=${claims.appid}${typeof claims.tid === 'string' ? `;${claims.tid}` : ''}`;
  const upn = claims.upn ?? claims.unique_name;
  return typeof upn === 'string' ? `aaduser=${upn}` : undefined;
}

/** Principals compare case-insensitively; `aadapp=id` matches `aadapp=id;tenant` either way. */
export function samePrincipal(a: string, b: string): boolean {
  const norm = (p: string) => p.trim().toLowerCase();
  const [x, y] = [norm(a), norm(b)];
  if (x === y) return true;
  const base = (p: string) => (p.startsWith('aadapp=') ? p.split(';')[0] : p);
  return base(x) === base(y) && (x.startsWith('aadapp=') || y.startsWith('aadapp='));
}

const holds = (list: string[], p: Principal) => list.some((entry) => samePrincipal(entry, p.fqn));

export function hasDatabaseRole(db: DatabaseMeta, p: Principal, role: DatabaseRole): boolean {
  if (p.clusterAdmin) return true;
  if (holds(db.roles.admins, p)) return true;
  switch (role) {
    case 'admins': return false;
    case 'users': return holds(db.roles.users, p);
    case 'viewers': return holds(db.roles.users, p) || holds(db.roles.viewers, p) || holds(db.roles.unrestrictedviewers, p);
    case 'ingestors': return holds(db.roles.ingestors, p);
    case 'unrestrictedviewers': return holds(db.roles.unrestrictedviewers, p);
  }
}

export function isTableAdmin(db: DatabaseMeta, table: TableMeta, p: Principal): boolean {
  return hasDatabaseRole(db, p, 'admins') || holds(table.roles.admins, p);
}

export function canIngestInto(db: DatabaseMeta, table: TableMeta | undefined, p: Principal): boolean {
  if (hasDatabaseRole(db, p, 'ingestors')) return true;
  return table !== undefined && (holds(table.roles.ingestors, p) || isTableAdmin(db, table, p));
}

/** Any role at all in the database (database or table level): enough to list its tables. */
export function hasAnyRole(db: DatabaseMeta, p: Principal): boolean {
  if (hasDatabaseRole(db, p, 'viewers') || hasDatabaseRole(db, p, 'ingestors')) return true;
  return db.tables.some((t) => holds(t.roles.admins, p) || holds(t.roles.ingestors, p));
}

export function forbidden(p: Principal, operation: string, db: DatabaseMeta, requirement: string): KustoRequestError {
  return new KustoRequestError(
    403, 'Forbidden',
    `Principal '${p.fqn}' is not authorized to perform operation '${operation}' on database '${db.name}': requires ${requirement}`,
    undefined, true,
  );
}

const AUTH_CONTEXT_PREFIX = 'kusto-emulator-authorization-context:';

/** What `.get kusto identity token` hands out: it names the caller, for the queued ingestion's role check. */
export function authorizationContextFor(p: Principal): string {
  return AUTH_CONTEXT_PREFIX + Buffer.from(p.fqn).toString('base64url');
}

export function principalFromAuthorizationContext(value: unknown): Principal | undefined {
  if (typeof value !== 'string' || !value.startsWith(AUTH_CONTEXT_PREFIX)) return undefined;
  const fqn = Buffer.from(value.slice(AUTH_CONTEXT_PREFIX.length), 'base64url').toString('utf8');
  return { fqn, clusterAdmin: samePrincipal(fqn, CLUSTER_ADMIN) };
}
