// Rows a job's files put into a table as the service counts them: the RowCount of the extents that
// carry those files' ingest-by tags. Text formats record no row count of their own (Parquet footers
// do), so this is how a CSV or gzip-CSV ingest reports its rows. The tags name the table and each
// file (not the job), so the files are what is looked for.
import { executeManagementRecords, kqlName, kqlString, type ManagementOptions } from '../../kusto/managementClient';

export async function reportedRowsOfFiles(mgmt: ManagementOptions, table: string, fileTags: readonly string[]): Promise<number> {
  if (fileTags.length === 0) return 0;
  const wanted = new Set(fileTags);
  const extents = await executeManagementRecords(mgmt, `.show table ${kqlName(table)} extents where tags contains ${kqlString('ingest-by:')}`);
  return extents
    .filter((e) => String(e.Tags ?? '').split(/\r?\n/).some((tag) => wanted.has(tag.trim())))
    .reduce((sum, e) => sum + Number(e.RowCount ?? 0), 0);
}
