import * as vscode from 'vscode';

/**
 * A tree with no items yet, so that VS Code shows the view's welcome content. The Connections and
 * Jobs trees replace it once connections and the background jobs service exist.
 */
export class EmptyTreeProvider implements vscode.TreeDataProvider<never> {
  getTreeItem(element: never): vscode.TreeItem {
    return element;
  }

  getChildren(): never[] {
    return [];
  }
}
