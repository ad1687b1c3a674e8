// What the tree's context actions on a table or database hand to the New Copy Job wizard: the
// fields they know (cluster, database, a query on the table or the table itself). Kept free of
// the VS Code API so the mapping is unit-tested.
import type { Connection } from '../connections/connection';
import { quoteEntityName } from '../kusto/entityNames';
import type { WizardPrefill } from '../webviewProtocol/wizardProtocol';

export type TreeJobAction = 'exportTable' | 'queryToFiles' | 'ingestIntoTable' | 'ingestIntoDatabase';

export interface TreeJobTarget {
  connection: Connection;
  database: string;
  /** The table the action was chosen on (all but ingestIntoDatabase). */
  table?: string;
}

export function prefillFor(action: TreeJobAction, target: TreeJobTarget): WizardPrefill {
  const where = { clusterUrl: target.connection.clusterUrl, database: target.database };
  const table = (): string => {
    if (!target.table) throw new Error(`${action} needs a table`);
    return target.table;
  };
  switch (action) {
    case 'exportTable':
      return { direction: 'kustoToFiles', ...where, query: quoteEntityName(table(), 'table') };
    case 'queryToFiles':
      return { direction: 'kustoToFiles', ...where, query: `${quoteEntityName(table(), 'table')}\n| take 100` };
    case 'ingestIntoTable':
      return { direction: 'filesToKusto', ...where, table: table() };
    case 'ingestIntoDatabase':
      return { direction: 'filesToKusto', ...where };
  }
}
