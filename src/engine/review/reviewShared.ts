// What the two reviews share: the runner's own privilege pre-flight read as the review's answer,
// and values as the preview shows them.
import type { JobSpec } from '../jobSpec';
import { KustoError } from '../../kusto/kustoError';
import { accessIn, MissingPrivilegeError, preflightPrivileges } from '../../kusto/privileges';
import { redactSecrets } from '../redact';
import type { ReviewEnvironment, ReviewPreflight } from './reviewTypes';

/** The runner's own pre-flight (src/kusto/privileges.ts), its refusal as the review's answer. */
export async function reviewPreflight(spec: JobSpec, env: ReviewEnvironment): Promise<ReviewPreflight> {
  const connection = spec.source.kind === 'kustoQuery' ? spec.source.connection : spec.destination.kind === 'kustoTable' ? spec.destination.connection : undefined;
  if (!connection) return { skipped: 'the job does not use a cluster' };
  if (!env.tokenProvider) return { skipped: 'no sign-in (an open emulator or Kustainer): there is no identity whose roles could be missing' };
  const notes: string[] = [];
  try {
    const access = await preflightPrivileges(spec, { clusterUrl: connection.clusterUrl, tokenProvider: env.tokenProvider, signal: env.signal }, { warn: (m) => notes.push(m), info: () => undefined });
    if (!access) return { skipped: notes[0] ?? 'the cluster did not list the roles' };
    const database = spec.destination.kind === 'kustoTable' ? spec.destination.connection.database : connection.database;
    const own = accessIn(access, database);
    const tableRoles = Object.entries(own.tables).flatMap(([table, roles]) => roles.map((r) => `table ${r} of ${table}`));
    return { ok: true, roles: [...own.roles.map((r) => `database ${r}`), ...tableRoles] };
  } catch (err) {
    env.signal?.throwIfAborted();
    if (err instanceof MissingPrivilegeError || (err instanceof KustoError && (err.httpStatus === 401 || err.httpStatus === 403 || err.code === 'TableNotFound'))) return { ok: false, message: redactSecrets(err.message) };
    return { skipped: `the privileges could not be checked: ${redactSecrets((err as Error).message)}` };
  }
}

/** A value as the preview shows it: Kusto's text, long and decimal exact. */
export function previewText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
}
