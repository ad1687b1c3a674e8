import * as vscode from 'vscode';
import { ConnectionStore } from './connections/connectionStore';
import { completeJobFile } from './engine/jobFile';
import type { AuthRef } from './engine/jobSpec';
import { registerConnectionCommands, registerTreeJobActions } from './ui/connectionCommands';
import { ConnectionsTreeProvider } from './ui/connectionsTree';
import { WindowProviders, windowCredentials } from './ui/credentials';
import { copyQueryResultsFromEditor, ingestIntoKusto } from './ui/editorCommands';
import { loadEngine } from './ui/engine';
import { registerJobCommands } from './ui/jobCommands';
import { JobRunner } from './ui/jobRunner';
import { jobsStatusBar } from './ui/jobsStatusBar';
import { offerToResumeInterrupted } from './ui/resumeOffer';
import { JobsTreeProvider } from './ui/jobsTree';
import { getLog } from './ui/log';
import { WizardPanel } from './ui/wizardPanel';
import { registerWizardCommands } from './ui/wizardCommands';
import { confirmJobFromUntrustedWorkspace } from './ui/untrustedJobFile';

// Activation only registers commands and views; the engine bundle loads on the first job.
export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const connections = new ConnectionStore(context.globalState, context.secrets);
  const providers = new WindowProviders(connections, () => loadEngine(context));
  const connectionsTree = new ConnectionsTreeProvider(connections, providers, () => loadEngine(context));
  registerConnectionCommands(context, connections, providers, connectionsTree, () => loadEngine(context));
  const credentials = windowCredentials(connections, providers);
  const runner = new JobRunner(context, credentials);
  WizardPanel.useConnections((url) => authForCluster(connections, url), credentials, () => connections.list());
  const jobs = new JobsTreeProvider(context, runner);
  context.subscriptions.push(
    runner,
    jobs,
    providers,
    connectionsTree,
    vscode.window.registerTreeDataProvider('kustoDataMover.connections', connectionsTree),
    vscode.window.registerTreeDataProvider('kustoDataMover.jobs', jobs),
    vscode.commands.registerCommand('kustoDataMover.newCopyJob', () => WizardPanel.show(context, (spec) => runner.run(spec))),
    vscode.commands.registerCommand('kustoDataMover.showLog', () => getLog().show()),
    vscode.commands.registerCommand('kustoDataMover.runJobFile', (uri?: vscode.Uri) => runJobFile(context, runner, uri)),
    vscode.commands.registerCommand('kustoDataMover.copyQueryResults', () => copyQueryResultsFromEditor(context, (spec) => runner.run(spec))),
    vscode.commands.registerCommand('kustoDataMover.ingestIntoKusto', (uri?: vscode.Uri) => ingestIntoKusto(context, (spec) => runner.run(spec), uri)),
    ...registerJobCommands(context, runner, jobs),
    ...registerWizardCommands(context, (spec) => runner.run(spec)),
    ...registerTreeJobActions(context, (spec) => runner.run(spec)),
    jobsStatusBar(runner),
  );
  if (process.env.KDM_TEST_HOOKS === '1') {
    // Hidden command for the e2e suite (mocha cannot run inside code-server's extension host): it only reads the Jobs view's items.
    context.subscriptions.push(
      vscode.commands.registerCommand('kustoDataMover.test.state', () => ({
        jobs: jobs.shown().map((i) => ({ id: i.jobId, state: i.state, description: i.description, pid: i.entry?.record.pid })),
      })),
    );
  }
  void offerToResumeInterrupted(context, runner).catch((err: unknown) => getLog().warn(`could not look for interrupted jobs: ${(err as Error).message}`));
  getLog().info(`Activated in ${(performance.now() - started).toFixed(1)} ms.`);
}

/** A job to a cluster signs in as the saved connection to it; none (the emulator) when there is none. */
function authForCluster(connections: ConnectionStore, clusterUrl: string): AuthRef {
  const wanted = clusterUrl.trim().replace(/\/+$/, '').toLowerCase();
  const match = connections.list().find((c) => c.clusterUrl.toLowerCase() === wanted);
  return match && match.auth.kind !== 'none' ? { kind: 'credential', id: match.id } : { kind: 'none' };
}

/** Runs a JobSpec JSON file: the one given (explorer menu), the active editor's, or one picked. */
async function runJobFile(context: vscode.ExtensionContext, runner: JobRunner, uri: vscode.Uri | undefined): Promise<void> {
  let text: string;
  if (uri) text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  else if (vscode.window.activeTextEditor?.document.languageId === 'json') text = vscode.window.activeTextEditor.document.getText();
  else {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Job spec': ['json'] }, openLabel: 'Run Copy Job' });
    if (!picked?.[0]) return;
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(picked[0]));
  }
  const engine = loadEngine(context);
  let spec;
  try {
    spec = engine.validateJobSpec(completeJobFile(JSON.parse(text)));
  } catch (err) {
    void vscode.window.showErrorMessage(`Kusto Data Mover: not a valid job spec: ${engine.redactSecrets((err as Error).message)}`);
    return;
  }
  if (!(await confirmJobFromUntrustedWorkspace(spec))) return;
  await runner.run(spec);
}

export function deactivate(): void {
  // Running jobs are job processes of their own: they go on after the window (src/jobHost).
}
