import * as vscode from 'vscode';
import { EmptyTreeProvider } from './ui/emptyTree';
import { loadEngine } from './ui/engine';
import { registerJobCommands } from './ui/jobCommands';
import { JobRunner } from './ui/jobRunner';
import { jobsStatusBar } from './ui/jobsStatusBar';
import { offerToResumeInterrupted } from './ui/resumeOffer';
import { JobsTreeProvider } from './ui/jobsTree';
import { getLog } from './ui/log';
import { WizardPanel } from './ui/wizardPanel';

// Activation only registers commands and views; the engine bundle loads on the first job.
export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const runner = new JobRunner(context);
  const jobs = new JobsTreeProvider(context, runner);
  context.subscriptions.push(
    runner,
    jobs,
    vscode.window.registerTreeDataProvider('kustoDataMover.connections', new EmptyTreeProvider()),
    vscode.window.registerTreeDataProvider('kustoDataMover.jobs', jobs),
    vscode.commands.registerCommand('kustoDataMover.newCopyJob', () => WizardPanel.show(context, (spec) => runner.run(spec))),
    vscode.commands.registerCommand('kustoDataMover.showLog', () => getLog().show()),
    vscode.commands.registerCommand('kustoDataMover.runJobFile', (uri?: vscode.Uri) => runJobFile(context, runner, uri)),
    ...registerJobCommands(context, runner, jobs),
    jobsStatusBar(runner),
  );
  if (process.env.KDM_TEST_HOOKS === '1') {
    // Hidden command for the e2e suite: mocha cannot run inside code-server's extension host.
    context.subscriptions.push(
      vscode.commands.registerCommand('kustoDataMover.test.state', () => ({
        wizardReady: WizardPanel.isOpenAndReady(),
        jobs: jobs.shown().map((i) => ({ id: i.jobId, state: i.state, description: i.description, pid: i.entry?.record.pid })),
      })),
    );
  }
  void offerToResumeInterrupted(context, runner).catch((err: unknown) => getLog().warn(`could not look for interrupted jobs: ${(err as Error).message}`));
  getLog().info(`Activated in ${(performance.now() - started).toFixed(1)} ms.`);
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
  // Running jobs are job processes of their own: they go on after the window (src/jobHost).
}
