// Row counts for the Connections view: one `.show tables details` per database (the service
// answers it from extent metadata, so it is cheap), read beside the schema. A cluster that refuses
// it (an older engine, a table admin without database viewer) leaves the tree without counts.
import type { ClusterTarget } from '../kusto/clusterSchema';
import { executeManagementRecords } from '../kusto/managementClient';

/** Table name → total row count, as `.show tables details` reports it. */
export async function tableRowCounts(target: ClusterTarget, database: string): Promise<Map<string, number>> {
  const rows = await executeManagementRecords({ ...target, database, serverTimeoutMs: 60_000 }, '.show tables details | project TableName, TotalRowCount');
  const counts = new Map<string, number>();
  for (const r of rows) {
    const n = Number(r.TotalRowCount);
    if (typeof r.TableName === 'string' && Number.isFinite(n)) counts.set(r.TableName, n);
  }
  return counts;
}
