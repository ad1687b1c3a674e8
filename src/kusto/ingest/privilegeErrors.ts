// Turns a 403 from a step of an ingestion job into a message that names the privilege and the
// database or table, so a missing role is not mistaken for a token problem (azure-kusto-spark #161).
import { KustoError } from '../kustoError';
import { grantForForbidden } from '../privileges';

export type IngestAction = 'readSchema' | 'createTable' | 'alterTable' | 'ingest' | 'createTempTable' | 'moveExtents' | 'dropTempTable';

const NEEDS: Record<IngestAction, (db: string, table: string) => string> = {
  readSchema: (db, t) => `database viewer on "${db}" (or table admin of "${t}") to read the schema of table "${t}"`,
  createTable: (db, t) => `database user on "${db}" to create table "${t}"`,
  alterTable: (db, t) => `database user on "${db}" (or table admin of "${t}") to add columns to table "${t}"`,
  ingest: (db, t) => `database ingestor on "${db}" to ingest into table "${t}"`,
  createTempTable: (db, t) => `database user on "${db}" to create the transaction's temp table "${t}"`,
  moveExtents: (db, t) => `table admin of "${t}" (or database admin on "${db}") to move the ingested extents into it`,
  dropTempTable: (db, t) => `database user on "${db}" to drop the temp table "${t}"`,
};

const GRANTS: Record<IngestAction, { role: 'viewers' | 'users' | 'ingestors' | 'admins'; onTable?: boolean }> = {
  readSchema: { role: 'viewers' },
  createTable: { role: 'users' },
  alterTable: { role: 'users' },
  ingest: { role: 'ingestors' },
  createTempTable: { role: 'users' },
  moveExtents: { role: 'admins', onTable: true },
  dropTempTable: { role: 'users' },
};

export function explainPrivilegeError(err: unknown, action: IngestAction, database: string, table: string): unknown {
  if (!(err instanceof KustoError) || err.httpStatus !== 403) return err;
  const grant = grantForForbidden(err.message, GRANTS[action].role, database, GRANTS[action].onTable ? table : undefined);
  return new KustoError({
    code: err.code,
    message: `Access denied: this job needs ${NEEDS[action](database, table)}.${grant ? ` An admin can grant it with: ${grant}` : ''} The service said: ${err.message}`,
    httpStatus: 403,
    permanent: true,
    privilegeNeeded: err.privilegeNeeded,
    activityId: err.activityId,
    cause: err,
  });
}

/** Runs a management step and rewrites a 403 into the privilege it needs. */
export async function withPrivilegeContext<T>(action: IngestAction, database: string, table: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw explainPrivilegeError(err, action, database, table);
  }
}
