// Who the caller is on a cluster and what its roles allow, and the pre-flight check a job runs
// before it moves any data: by direction, mode and table creation it names each missing role, the
// database or table, the identity, and the `.add …` command an admin would run to grant it.
import type { TokenProvider } from '../engine/jobContext';
import type { JobSpec } from '../engine/jobSpec';
import { principalOfJwt } from '../auth/tokenCache';
import { KustoError } from './kustoError';
import { executeManagement, executeManagementRecords, kqlName } from './managementClient';

export type DatabaseRole = 'admin' | 'user' | 'viewer' | 'unrestrictedviewer' | 'ingestor';
export type TableRole = 'admin' | 'ingestor';

export interface DatabaseAccess {
  database: string;
  roles: DatabaseRole[];
  tables: Record<string, TableRole[]>;
}

export interface ClusterAccess {
  /** The caller's FQN, e.g. aadapp=<appId>;<tenant> or aaduser=<upn>. */
  identity: string;
  databases: DatabaseAccess[];
  /** Roles held in every database (cluster-level AllDatabasesAdmin / AllDatabasesViewer). */
  everyDatabase?: DatabaseRole[];
}

export interface AccessTarget {
  clusterUrl: string;
  tokenProvider?: TokenProvider;
  signal?: AbortSignal;
}

const ROLE_OF: Record<string, DatabaseRole> = { admin: 'admin', user: 'user', viewer: 'viewer', unrestrictedviewer: 'unrestrictedviewer', ingestor: 'ingestor' };

/** What a database role set allows, in words for Test Connection. */
export function allows(roles: readonly DatabaseRole[]): { read: boolean; ingest: boolean; createTables: boolean; admin: boolean } {
  const has = (r: DatabaseRole) => roles.includes(r);
  return {
    read: has('viewer') || has('user') || has('admin') || has('unrestrictedviewer'),
    ingest: has('ingestor') || has('admin'),
    createTables: has('user') || has('admin'),
    admin: has('admin'),
  };
}

export function describeAllowed(access: DatabaseAccess): string {
  const a = allows(access.roles);
  const can = [a.read && 'read (viewer)', a.ingest && 'ingest (ingestor)', a.createTables && 'create tables (user)', a.admin && 'transactional writes on every table (admin)'].filter(Boolean);
  const tableAdmin = Object.entries(access.tables).filter(([, r]) => r.includes('admin')).map(([t]) => t);
  if (!a.admin && tableAdmin.length) can.push(`transactional writes into ${tableAdmin.join(', ')} (table admin)`);
  const tableIngest = Object.entries(access.tables).filter(([, r]) => r.includes('ingestor')).map(([t]) => t);
  if (!a.ingest && tableIngest.length) can.push(`ingest into ${tableIngest.join(', ')} (table ingestor)`);
  return can.length ? can.join(', ') : 'nothing (no role in this database)';
}

async function identityOf(target: AccessTarget, roleRows: Array<Record<string, unknown>>): Promise<string> {
  try {
    const [table] = await executeManagement({ ...target, database: 'NetDefaultDB', serverTimeoutMs: 60_000 }, 'print d = current_principal_details()', 'v1/rest/query');
    const value = table?.rows[0]?.[0];
    const details = typeof value === 'string' ? (JSON.parse(value) as Record<string, unknown>) : (value as Record<string, unknown> | undefined);
    if (typeof details?.FQN === 'string' && details.FQN) return details.FQN;
  } catch {
    // not every cluster (nor the emulator) answers this: fall back to what the roles or the token say
  }
  const fromRoles = roleRows.find((r) => typeof r.PrincipalFQN === 'string' && r.PrincipalFQN)?.PrincipalFQN;
  if (typeof fromRoles === 'string') return fromRoles;
  const token = await target.tokenProvider?.getToken(target.clusterUrl, target.signal);
  return (token && principalOfJwt(token)) ?? (token ? 'the signed-in identity' : 'anonymous (no sign-in)');
}

/** The caller's identity and its own roles in every database it has any (`.show principal roles`). */
export async function readClusterAccess(target: AccessTarget): Promise<ClusterAccess> {
  const rows = await executeManagementRecords({ ...target, database: 'NetDefaultDB', serverTimeoutMs: 60_000 }, '.show principal roles');
  const byDb = new Map<string, DatabaseAccess>();
  const entry = (db: string) => {
    let e = byDb.get(db.toLowerCase());
    if (!e) byDb.set(db.toLowerCase(), (e = { database: db, roles: [], tables: {} }));
    return e;
  };
  let recognized = 0;
  const everyDatabase: DatabaseRole[] = [];
  for (const r of rows) {
    const scope = String(r.Scope ?? '').toLowerCase();
    const level0 = String(r.AccessLevel ?? '').toLowerCase().replace(/\s+/g, '');
    // Cluster-wide roles (AllDatabasesAdmin / AllDatabasesViewer) hold in every database.
    if (scope === 'cluster' && (level0 === 'alldatabasesadmin' || level0 === 'alldatabasesviewer')) {
      everyDatabase.push(level0 === 'alldatabasesadmin' ? 'admin' : 'viewer');
      recognized++;
    }
    if (scope === 'database' || scope === 'table') recognized++;
    const name = String(r.DisplayName ?? '');
    const level = String(r.AccessLevel ?? '').toLowerCase().replace(/\s+/g, '');
    if (scope === 'database' && ROLE_OF[level]) entry(name).roles.push(ROLE_OF[level]);
    if (scope === 'table' && (level === 'admin' || level === 'ingestor')) {
      const dot = name.indexOf('.');
      const e = entry(name.slice(0, dot));
      (e.tables[name.slice(dot + 1)] ??= []).push(level);
    }
  }
  if (rows.length > 0 && recognized === 0) {
    throw new KustoError({ code: 'UnknownRolesShape', message: `.show principal roles answered in a shape this version does not read (columns ${Object.keys(rows[0]).join(', ')})`, permanent: true });
  }
  return { identity: await identityOf(target, rows), databases: [...byDb.values()].sort((a, b) => a.database.localeCompare(b.database)), everyDatabase };
}

export function accessIn(access: ClusterAccess, database: string): DatabaseAccess {
  const own = access.databases.find((d) => d.database.toLowerCase() === database.toLowerCase()) ?? { database, roles: [], tables: {} };
  return access.everyDatabase?.length ? { ...own, roles: [...new Set([...own.roles, ...access.everyDatabase])] } : own;
}

export interface MissingPrivilege {
  /** "database ingestor", "table admin", ... */
  role: string;
  database: string;
  table?: string;
  /** What the job would do with it. */
  purpose: string;
  identity: string;
  /** The command an admin runs to grant it. */
  grant: string;
}

const grantDatabase = (db: string, role: string, fqn: string) => `.add database ${kqlName(db)} ${role} ('${fqn}')`;
/** Run in the table's database. */
const grantTable = (_db: string, table: string, role: string, fqn: string) => `.add table ${kqlName(table)} ${role} ('${fqn}')`;

/** The roles this job needs that the identity lacks (empty: it may run). */
export function missingPrivileges(spec: JobSpec, access: ClusterAccess, tableExists: boolean | undefined): MissingPrivilege[] {
  const missing: MissingPrivilege[] = [];
  const who = access.identity;
  if (spec.source.kind === 'kustoQuery') {
    const db = spec.source.connection.database;
    if (!allows(accessIn(access, db).roles).read) missing.push({ role: 'database viewer', database: db, purpose: 'to run the query', identity: who, grant: grantDatabase(db, 'viewers', who) });
  }
  if (spec.destination.kind === 'kustoTable') {
    const d = spec.destination;
    const db = d.connection.database;
    const dbAccess = accessIn(access, db);
    const can = allows(dbAccess.roles);
    const tableRoles = Object.entries(dbAccess.tables).find(([t]) => t.toLowerCase() === d.table.toLowerCase())?.[1] ?? [];
    const tableAdmin = can.admin || tableRoles.includes('admin');
    const creates = tableExists === false;
    if (creates && (d.tableCreation ?? 'failIfNotExists') === 'failIfNotExists') {
      throw new KustoError({ code: 'TableNotFound', message: `Table "${d.table}" does not exist in database "${db}", and the job does not create tables: create it, or choose "create if it does not exist".`, permanent: true });
    }
    if (!can.read && !tableAdmin) missing.push({ role: 'database viewer', database: db, purpose: `to read the schema of table "${d.table}" for the mapping`, identity: who, grant: grantDatabase(db, 'viewers', who) });
    if (!can.ingest && !tableRoles.includes('ingestor') && !tableAdmin) missing.push({ role: 'database ingestor', database: db, table: d.table, purpose: `to ingest into table "${d.table}"`, identity: who, grant: grantDatabase(db, 'ingestors', who) });
    if (creates && !can.createTables) missing.push({ role: 'database user', database: db, table: d.table, purpose: `to create table "${d.table}"`, identity: who, grant: grantDatabase(db, 'users', who) });
    if (d.mode === 'transactional') {
      if (!can.createTables) {
        if (!missing.some((m) => m.role === 'database user')) missing.push({ role: 'database user', database: db, purpose: 'to create the transaction\'s temp table', identity: who, grant: grantDatabase(db, 'users', who) });
      }
      // A table the job creates is its creator's to administer.
      if (!creates && !tableAdmin) missing.push({ role: 'table admin', database: db, table: d.table, purpose: `to move the ingested extents into table "${d.table}" in one transaction`, identity: who, grant: grantTable(db, d.table, 'admins', who) });
    }
  }
  return missing;
}

export class MissingPrivilegeError extends KustoError {
  constructor(readonly missing: MissingPrivilege[]) {
    super({ code: 'MissingPrivilege', message: describeMissing(missing), httpStatus: 403, permanent: true, privilegeNeeded: missing[0]?.role });
    this.name = 'MissingPrivilegeError';
  }
}

export function describeMissing(missing: MissingPrivilege[]): string {
  const lines = missing.map((m) => `${m.role} on "${m.database}"${m.table && !m.role.startsWith('database') ? ` table "${m.table}"` : ''} ${m.purpose}; grant: ${m.grant}`);
  return `Access denied before any data moved: ${missing[0]?.identity ?? 'the identity'} lacks ${lines.join(' | ')}`;
}

/** Whether the table exists (false when no table is named), when the identity may see the list; undefined when the service refuses it. */
async function tableExists(target: AccessTarget, database: string, table: string | undefined): Promise<boolean | undefined> {
  try {
    const rows = await executeManagementRecords({ ...target, database, serverTimeoutMs: 60_000 }, '.show tables');
    return table !== undefined && rows.some((r) => String(r.TableName).toLowerCase() === table.toLowerCase());
  } catch (err) {
    if (err instanceof KustoError && err.httpStatus === 403) return undefined;
    throw err;
  }
}

/**
 * Throws MissingPrivilegeError naming each missing role before a job moves data. A cluster that
 * cannot tell the caller's roles (the command refused or unknown) lets the job go on: its steps
 * still map a 403 to the role they need.
 */
export async function preflightPrivileges(spec: JobSpec, target: AccessTarget, log?: { warn(m: string): void; info(m: string): void }): Promise<ClusterAccess | undefined> {
  // No sign-in (a local emulator or Kustainer): there is no identity whose roles could be missing.
  if (!target.tokenProvider) return undefined;
  let access: ClusterAccess;
  try {
    access = await readClusterAccess(target);
  } catch (err) {
    if (err instanceof KustoError && err.httpStatus !== 401 && err.httpStatus !== 403) {
      log?.warn(`privilege check skipped: the cluster did not list this identity's roles (${err.message})`);
      return undefined;
    }
    throw err;
  }
  const d = spec.destination.kind === 'kustoTable' ? spec.destination : undefined;
  const database = d ? d.connection.database : spec.source.kind === 'kustoQuery' ? spec.source.connection.database : '';
  const exists = await tableExists(target, database, d?.table);
  if (access.databases.length === 0 && !access.everyDatabase?.length) {
    // No role listed anywhere: an identity without roles, or a cluster that lists them elsewhere.
    // Only the service's own refusal to show the database's tables is proof enough to stop here.
    if (exists === undefined) {
      throw new MissingPrivilegeError([{ role: 'database viewer', database, purpose: d ? `to read the schema of table "${d.table}" for the mapping` : 'to run the query', identity: access.identity, grant: grantDatabase(database, 'viewers', access.identity) }]);
    }
    log?.warn(`privilege check skipped: the cluster listed no roles for ${access.identity}`);
    return undefined;
  }
  const missing = missingPrivileges(spec, access, d ? exists : undefined);
  if (missing.length) throw new MissingPrivilegeError(missing);
  log?.info(`privileges checked for ${access.identity}: ${access.databases.map((db) => `${db.database} [${db.roles.join(', ') || Object.keys(db.tables).join(', ')}]`).join('; ') || 'no roles listed'}`);
  return access;
}

/** The grant line for a 403 met during a job: the FQN from the service's message when it names one. */
export function grantForForbidden(message: string, role: 'viewers' | 'users' | 'ingestors' | 'admins', database: string, table?: string): string | undefined {
  const fqn = /Principal '([^']+)'/.exec(message)?.[1];
  if (!fqn) return undefined;
  return table ? grantTable(database, table, role, fqn) : grantDatabase(database, role, fqn);
}
