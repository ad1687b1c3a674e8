// Principals and role checks. In 'tokens' mode a request carries an unsigned test JWT naming its
// principal (never verified: this is test infrastructure on loopback); in 'open' mode every request
// acts as an all-powerful anonymous principal.
import type { QueryPrincipal } from '../kql/contract';
import type { DatabaseMeta, DatabaseRole, TableMeta } from '../store/store';
import { KustoRequestError } from './errors';

export type AuthMode = 'open' | 'tokens';

/** Holds admin on every database and may create databases, in tokens mode. */
export const CLUSTER_ADMIN = 'aaduser=admin@emulator';
export const ANONYMOUS = 'aaduser=anonymous@emulator';

export interface Principal {
  fqn: string;
  clusterAdmin: boolean;
  /** Other names the same identity is granted under (a user's `aaduser=<oid>;<tid>`). */
  aliases?: string[];
  /** What `current_principal_details()` answers. */
  details?: Record<string, string | null>;
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
  if (mode === 'open') return { fqn: ANONYMOUS, clusterAdmin: true, details: userDetails(ANONYMOUS, 'anonymous@emulator', undefined, undefined, 'anonymous') };
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) throw new KustoRequestError(401, 'Unauthorized', 'Unauthorized: the request carries no bearer token', undefined, true);
  if (tokenExpired(match[1])) throw new KustoRequestError(401, 'Unauthorized', 'Unauthorized: the bearer token has expired', undefined, true);
  const principal = principalOfToken(match[1]);
  if (!principal) throw new KustoRequestError(401, 'Unauthorized', 'Unauthorized: the bearer token names no principal', undefined, true);
  return principal;
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

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function userDetails(fqn: string, upn: string, oid: string | undefined, tid: string | undefined, name: string | undefined): Record<string, string | null> {
  return {
    UserPrincipalName: upn, IdentityProvider: 'https://sts.windows.net', Authority: tid ?? null, Mfa: 'False', Type: 'AadUser',
    DisplayName: `${name ?? upn} (upn: ${upn})`, ObjectId: oid ?? null, FQN: fqn, Notes: null,
  };
}

function appDetails(fqn: string, appid: string, oid: string | undefined, tid: string | undefined, name: string | undefined): Record<string, string | null> {
  return {
    UserPrincipalName: null, IdentityProvider: 'https://sts.windows.net', Authority: tid ?? null, Mfa: 'False', Type: 'AadApplication',
    DisplayName: `${name ?? appid} (app id: ${appid})`, ObjectId: oid ?? null, FQN: fqn, Notes: null,
  };
}

/**
 * The principal a token names. Tokens from a real OAuth flow: a user's carries `upn` (v1) or
 * `preferred_username` (v2) with `oid`/`tid`, and also the `appid`/`azp` of the client it was
 * issued to, so a user claim wins; an application's carries `appid` (v1) or `azp` (v2) and
 * `tid`, and `idtyp: app` when optional claims are on. Our own test tokens name it in `kdm_principal`.
 */
function principalOfToken(token: string): Principal | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const oid = text(claims.oid);
  const tid = text(claims.tid);
  const name = text(claims.name);
  const upn = text(claims.upn) ?? text(claims.unique_name) ?? (claims.idtyp === 'app' ? undefined : text(claims.preferred_username));
  const appid = text(claims.appid) ?? text(claims.azp);
  const named = text(claims.kdm_principal);
  const make = (fqn: string, details: Record<string, string | null>, aliases: string[] = []): Principal => ({ fqn, clusterAdmin: samePrincipal(fqn, CLUSTER_ADMIN), aliases, details });
  if (named) {
    const user = /^aaduser=(.+)$/i.exec(named);
    const app = /^aadapp=([^;]+)(?:;(.+))?$/i.exec(named);
    if (app) return make(named, appDetails(named, app[1], oid, app[2] ?? tid, name));
    return make(named, userDetails(named, user ? user[1] : named, oid, tid, name));
  }
  if (upn && claims.idtyp !== 'app') {
    const fqn = `aaduser=${upn}`;
    const aliases = oid ? [tid ? `aaduser=${oid};${tid}` : `aaduser=${oid}`] : [];
    return make(fqn, userDetails(fqn, upn, oid, tid, name), aliases);
  }
  if (appid) {
    const fqn = `aadapp=${appid}${tid ? `;${tid}` : ''}`;
    return make(fqn, appDetails(fqn, appid, oid, tid, name));
  }
  return undefined;
}

/** Principals compare case-insensitively; `aadapp=id` matches `aadapp=id;tenant` either way. */
export function samePrincipal(a: string, b: string): boolean {
  const norm = (p: string) => p.trim().toLowerCase();
  const [x, y] = [norm(a), norm(b)];
  if (x === y) return true;
  const base = (p: string) => (p.startsWith('aadapp=') ? p.split(';')[0] : p);
  return base(x) === base(y) && (x.startsWith('aadapp=') || y.startsWith('aadapp='));
}

/** Whether a role list names the principal, by its FQN or one of its aliases. */
export const holds = (list: string[], p: Principal): boolean => list.some((entry) => samePrincipal(entry, p.fqn) || (p.aliases ?? []).some((a) => samePrincipal(entry, a)));

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

/** The caller as the KQL compiler sees it (current_principal(), current_principal_details()). */
export function queryPrincipal(p: Principal): QueryPrincipal {
  return { fqn: p.fqn, detailsJson: JSON.stringify(p.details ?? { FQN: p.fqn }) };
}

const AUTH_CONTEXT_PREFIX = 'kusto-emulator-authorization-context:';

/** What `.get kusto identity token` hands out: it names the caller, for the queued ingestion's role check. */
export function authorizationContextFor(p: Principal): string {
  return AUTH_CONTEXT_PREFIX + Buffer.from(JSON.stringify({ fqn: p.fqn, aliases: p.aliases ?? [] })).toString('base64url');
}

export function principalFromAuthorizationContext(value: unknown): Principal | undefined {
  if (typeof value !== 'string' || !value.startsWith(AUTH_CONTEXT_PREFIX)) return undefined;
  let named: { fqn?: unknown; aliases?: unknown };
  try {
    named = JSON.parse(Buffer.from(value.slice(AUTH_CONTEXT_PREFIX.length), 'base64url').toString('utf8')) as typeof named;
  } catch {
    return undefined;
  }
  if (typeof named.fqn !== 'string') return undefined;
  const aliases = Array.isArray(named.aliases) ? named.aliases.filter((a): a is string => typeof a === 'string') : [];
  return { fqn: named.fqn, aliases, clusterAdmin: samePrincipal(named.fqn, CLUSTER_ADMIN) };
}
