import * as vscode from 'vscode';

/** A tree with no items yet, so that VS Code shows the view's welcome content (Connections, until connections land). */
export class EmptyTreeProvider implements vscode.TreeDataProvider<never> {
  getTreeItem(element: never): vscode.TreeItem {
    return element;
  }

  getChildren(): never[] {
    return [];
  }
}
