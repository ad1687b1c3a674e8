// Roles: `.add|.drop database Db viewers|users|ingestors|admins (...)`, `.add|.drop table T
// admins|ingestors (...)`, `.show database Db principals`, `.show table T principals`,
// `.show principal roles`.
import { forbidden, hasAnyRole, hasDatabaseRole, holds, isTableAdmin, samePrincipal, type Principal } from '../server/auth';
import type { EmulatorContext, RequestContext } from '../server/context';
import { badRequest } from '../server/errors';
import type { DatabaseMeta, DatabaseRole, TableMeta, TableRole } from '../store/store';
import type { MgmtTable } from './results';
import type { Cursor } from './tokens';

const DATABASE_ROLES: DatabaseRole[] = ['admins', 'users', 'viewers', 'ingestors', 'unrestrictedviewers'];
const TABLE_ROLES: TableRole[] = ['admins', 'ingestors'];
const ROLE_NAMES: Record<string, string> = {
  admins: 'Admin', users: 'User', viewers: 'Viewer', ingestors: 'Ingestor', unrestrictedviewers: 'UnrestrictedViewer',
};

const PRINCIPAL_COLUMNS: MgmtTable['columns'] = [
  ['Role', 'string'], ['PrincipalType', 'string'], ['PrincipalDisplayName', 'string'], ['PrincipalObjectId', 'string'], ['PrincipalFQN', 'string'], ['Notes', 'string'],
];

function principalRow(role: string, fqn: string): unknown[] {
  const isApp = fqn.toLowerCase().startsWith('aadapp=');
  return [role, isApp ? 'AAD Application' : 'AAD User', fqn.replace(/^aad(user|app)=/i, ''), '', fqn, ''];
}

export function databasePrincipals(db: DatabaseMeta): MgmtTable {
  const rows: unknown[][] = [];
  for (const role of DATABASE_ROLES) for (const p of db.roles[role]) rows.push(principalRow(`Database ${db.name} ${ROLE_NAMES[role]}`, p));
  for (const t of db.tables) for (const role of TABLE_ROLES) for (const p of t.roles[role]) rows.push(principalRow(`Table ${t.name} ${ROLE_NAMES[role]}`, p));
  return { columns: PRINCIPAL_COLUMNS, rows };
}

function tablePrincipals(table: TableMeta): MgmtTable {
  const rows: unknown[][] = [];
  for (const role of TABLE_ROLES) for (const p of table.roles[role]) rows.push(principalRow(`Table ${table.name} ${ROLE_NAMES[role]}`, p));
  return { columns: PRINCIPAL_COLUMNS, rows };
}

const ROLE_COLUMNS: MgmtTable['columns'] = [['Scope', 'string'], ['DisplayName', 'string'], ['AccessLevel', 'string'], ['PrincipalFQN', 'string'], ['Notes', 'string']];

/** The caller's own roles in one database: its database roles, then its roles on each (or one) table. */
function rolesIn(db: DatabaseMeta, p: Principal, onlyTable?: TableMeta): unknown[][] {
  const rows: unknown[][] = [];
  for (const role of DATABASE_ROLES) {
    if (holds(db.roles[role], p) || (role === 'admins' && p.clusterAdmin)) rows.push(['Database', db.name, ROLE_NAMES[role], p.fqn, '']);
  }
  for (const t of db.tables) {
    if (onlyTable && t !== onlyTable) continue;
    for (const role of TABLE_ROLES) {
      if (holds(t.roles[role], p)) rows.push(['Table', `${db.name}.${t.name}`, ROLE_NAMES[role], p.fqn, '']);
    }
  }
  return rows;
}

/** `.show principal roles`: the caller's own roles in every database. */
export function principalRoles(ctx: EmulatorContext, req: RequestContext): MgmtTable {
  return { columns: ROLE_COLUMNS, rows: ctx.store.databases().flatMap((db) => rolesIn(db, req.principal)) };
}

/**
 * The caller's own roles at one scope (c after `.show`): `.show cluster principal roles`,
 * `.show database [Db] principal roles`, `.show table T principal roles` (its database roles
 * apply to the table too, so they are listed with the table's).
 */
export function scopedPrincipalRoles(ctx: EmulatorContext, db: DatabaseMeta | undefined, req: RequestContext, c: Cursor): MgmtTable {
  if (c.accept('cluster')) {
    c.expect('principal', 'roles');
    c.end();
    return { columns: ROLE_COLUMNS, rows: req.principal.clusterAdmin ? [['Cluster', 'KustoEmulator', 'AllDatabasesAdmin', req.principal.fqn, '']] : [] };
  }
  if (c.accept('table')) {
    if (!db) throw badRequest('Syntax error: .show table T principal roles needs a database in context');
    const table = ctx.store.table(db, c.name());
    c.expect('principal', 'roles');
    c.end();
    return { columns: ROLE_COLUMNS, rows: rolesIn(db, req.principal, table) };
  }
  c.expect('database');
  const target = c.peek()?.text.toLowerCase() === 'principal' ? db : ctx.store.database(c.name());
  if (!target) throw badRequest('Syntax error: .show database principal roles needs a database name or one in context');
  c.expect('principal', 'roles');
  c.end();
  return { columns: ROLE_COLUMNS, rows: rolesIn(target, req.principal) };
}

function principalList(c: Cursor): string[] {
  const list = c.nameList();
  if (c.peek()?.kind === 'string') c.string(); // notes
  c.end();
  if (!list.length) throw badRequest('Syntax error: no principals given');
  return list;
}

/** `.add|.drop database Db <role> (...)` and `.add|.drop table T <role> (...)`; c is after `.add`/`.drop`. */
export async function changeRoles(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, c: Cursor, adding: boolean): Promise<MgmtTable> {
  const verb = adding ? '.add' : '.drop';
  if (c.accept('database')) {
    const target = ctx.store.database(c.name());
    const role = c.word().toLowerCase() as DatabaseRole;
    if (!DATABASE_ROLES.includes(role)) throw badRequest(`Syntax error: unknown database role '${role}'`);
    const list = principalList(c);
    if (!hasDatabaseRole(target, req.principal, 'admins')) throw forbidden(req.principal, `${verb} database ${role}`, target, 'database admin');
    await ctx.store.write(async () => apply(target.roles[role], list, adding));
    return databasePrincipals(target);
  }
  c.expect('table');
  const table = ctx.store.table(db, c.name());
  const role = c.word().toLowerCase() as TableRole;
  if (!TABLE_ROLES.includes(role)) throw badRequest(`Syntax error: unknown table role '${role}'`);
  const list = principalList(c);
  if (!isTableAdmin(db, table, req.principal)) throw forbidden(req.principal, `${verb} table ${role}`, db, `table admin of '${table.name}' or database admin`);
  await ctx.store.write(async () => apply(table.roles[role], list, adding));
  return tablePrincipals(table);
}

function apply(list: string[], principals: string[], adding: boolean): void {
  for (const p of principals) {
    const index = list.findIndex((x) => samePrincipal(x, p));
    if (adding && index < 0) list.push(p);
    if (!adding && index >= 0) list.splice(index, 1);
  }
}

/** `.show database Db principals` / `.show table T principals` (c after `.show`). */
export function showPrincipals(ctx: EmulatorContext, db: DatabaseMeta, req: RequestContext, c: Cursor): MgmtTable {
  if (c.accept('table')) {
    const table = ctx.store.table(db, c.name());
    c.expect('principals');
    c.end();
    if (!hasAnyRole(db, req.principal)) throw forbidden(req.principal, '.show table principals', db, 'database viewer');
    return tablePrincipals(table);
  }
  c.expect('database');
  const target = c.peek()?.text.toLowerCase() === 'principals' ? db : ctx.store.database(c.name());
  c.expect('principals');
  c.end();
  // Everyone's roles are the database admin's to see; a caller sees its own with `principal roles`.
  if (!hasDatabaseRole(target, req.principal, 'admins')) throw forbidden(req.principal, '.show database principals', target, 'database admin');
  return databasePrincipals(target);
}
