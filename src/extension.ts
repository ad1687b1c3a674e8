import * as vscode from 'vscode';
import { ConnectionStore } from './connections/connectionStore';
import type { AuthRef } from './engine/jobSpec';
import { registerConnectionCommands } from './ui/connectionCommands';
import { ConnectionsTreeProvider } from './ui/connectionsTree';
import { WindowProviders, windowCredentials } from './ui/credentials';
import { copyQueryResultsFromEditor, ingestIntoKusto } from './ui/editorCommands';
import { jobsDir, loadEngine } from './ui/engine';
import { JobRunner, revealOutput } from './ui/jobRunner';
import { type JobItem, JobsTreeProvider } from './ui/jobsTree';
import { getLog } from './ui/log';
import { WizardPanel } from './ui/wizardPanel';

// Activation only registers commands and views; the engine bundle loads on the first job.
export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const connections = new ConnectionStore(context.globalState, context.secrets);
  const providers = new WindowProviders(connections, () => loadEngine(context));
  const connectionsTree = new ConnectionsTreeProvider(connections, providers, () => loadEngine(context));
  registerConnectionCommands(context, connections, providers, connectionsTree, () => loadEngine(context));
  const credentials = windowCredentials(connections, providers);
  const runner = new JobRunner(context, credentials);
  WizardPanel.useConnections((url) => authForCluster(connections, url), credentials);
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
    vscode.commands.registerCommand('kustoDataMover.resumeJob', (item?: JobItem) => item && runner.resume(item.record.spec.id)),
    vscode.commands.registerCommand('kustoDataMover.openJobLog', async (item?: JobItem) => {
      if (!item) return;
      const log = vscode.Uri.joinPath(vscode.Uri.file(jobsDir(context)), item.record.spec.id, 'job.log');
      await vscode.window.showTextDocument(log, { preview: true });
    }),
    vscode.commands.registerCommand('kustoDataMover.revealJobOutput', (item?: JobItem) => item && revealOutput(item.record.result?.files[0])),
    vscode.commands.registerCommand('kustoDataMover.refreshJobs', () => jobs.refresh()),
    vscode.commands.registerCommand('kustoDataMover.copyQueryResults', () => copyQueryResultsFromEditor(context, (spec) => runner.run(spec))),
    vscode.commands.registerCommand('kustoDataMover.ingestIntoKusto', (uri?: vscode.Uri) => ingestIntoKusto(context, (spec) => runner.run(spec), uri)),
  );
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
    spec = engine.validateJobSpec(JSON.parse(text));
  } catch (err) {
    void vscode.window.showErrorMessage(`Kusto Data Mover: not a valid job spec: ${engine.redactSecrets((err as Error).message)}`);
    return;
  }
  await runner.run(spec);
}

export function deactivate(): void {
  // Running jobs stop with the extension host; their journals let them resume on the next run.
}
