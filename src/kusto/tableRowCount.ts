// How many rows a table holds, so a front end can ask before appending to a table that is not empty.
import { isTableMissing } from './ingest/tableSetup';
import { executeManagementRecords, kqlName, type ManagementOptions } from './managementClient';

/** The table's row count, or undefined when the table does not exist. */
export async function tableRowCount(options: ManagementOptions, table: string): Promise<number | undefined> {
  let rows: Array<Record<string, unknown>>;
  try {
    rows = await executeManagementRecords(options, `.show table ${kqlName(table)} details`);
  } catch (err) {
    if (isTableMissing(err)) return undefined;
    throw err;
  }
  const count = Number(rows[0]?.TotalRowCount);
  return Number.isFinite(count) ? count : undefined;
}
