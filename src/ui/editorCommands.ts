// "Copy Query Results To…" in a .kql / .csl editor and "Ingest into Kusto…" in the Explorer: both
// open the New Copy Job wizard with the fields they know already filled in.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { queryToCopy, suggestedTableName } from './queryBlock';
import { type RunJob, WizardPanel } from './wizardPanel';

/** The selection, or the blank-line-separated query block under the cursor, into the wizard (Kusto → files). */
export function copyQueryResultsFromEditor(context: vscode.ExtensionContext, runJob: RunJob): void {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('Kusto Data Mover: open a .kql or .csl file and place the cursor in a query first.');
    return;
  }
  const { document, selection } = editor;
  const query = queryToCopy(document.getText(), selection.active.line, document.getText(selection));
  if (!query) {
    void vscode.window.showInformationMessage('Kusto Data Mover: the cursor is not in a query. Place it in a block of query lines (blocks are separated by blank lines), or select the query.');
    return;
  }
  WizardPanel.show(context, runJob, { direction: 'kustoToFiles', query });
}

/** A file or folder from the Explorer into the wizard (Files → Kusto), with a table name from its name. */
export function ingestIntoKusto(context: vscode.ExtensionContext, runJob: RunJob, uri: vscode.Uri | undefined): void {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (!target || target.scheme !== 'file') {
    void vscode.window.showInformationMessage('Kusto Data Mover: choose "Ingest into Kusto…" on a local file or folder in the Explorer.');
    return;
  }
  WizardPanel.show(context, runJob, { direction: 'filesToKusto', sourcePath: target.fsPath, table: suggestedTableName(path.basename(target.fsPath)) });
}
