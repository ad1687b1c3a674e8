// Rows a job put into a table as the service counts them: the RowCount of the extents that carry
// the job's ingest-by tags. Text formats record no row count of their own (Parquet footers do),
// so this is how a CSV or gzip-CSV ingest reports its rows.
import { executeManagementRecords, kqlName, kqlString, type ManagementOptions } from '../../kusto/managementClient';

export async function reportedRowsOfJob(mgmt: ManagementOptions, table: string, jobId: string): Promise<number> {
  const prefix = `ingest-by:${jobId}:`;
  const extents = await executeManagementRecords(mgmt, `.show table ${kqlName(table)} extents where tags contains ${kqlString(prefix)}`);
  // "contains" also matches another job whose id ends with this one's: keep extents with a tag that starts with the prefix.
  return extents
    .filter((e) => String(e.Tags ?? '').split(/\r?\n/).some((tag) => tag.startsWith(prefix)))
    .reduce((sum, e) => sum + Number(e.RowCount ?? 0), 0);
}
