import * as vscode from 'vscode';
import { EmptyTreeProvider } from './ui/emptyTree';
import { getLog } from './ui/log';
import { WizardPanel } from './ui/wizardPanel';

// Activation only registers commands and views; the SDKs and the engine load on first use.
export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  context.subscriptions.push(
    vscode.window.registerTreeDataProvider('kustoDataMover.connections', new EmptyTreeProvider()),
    vscode.window.registerTreeDataProvider('kustoDataMover.jobs', new EmptyTreeProvider()),
    vscode.commands.registerCommand('kustoDataMover.newCopyJob', () => WizardPanel.show(context.extensionUri)),
    vscode.commands.registerCommand('kustoDataMover.showLog', () => getLog().show()),
  );
  if (process.env.KDM_TEST_HOOKS === '1') {
    // Hidden command for the e2e suite: mocha cannot run inside code-server's extension host.
    context.subscriptions.push(
      vscode.commands.registerCommand('kustoDataMover.test.state', () => ({ wizardReady: WizardPanel.isOpenAndReady() })),
    );
  }
  getLog().info(`Activated in ${(performance.now() - started).toFixed(1)} ms.`);
}

export function deactivate(): void {
  // Nothing to release: every disposable is owned by the extension context.
}
