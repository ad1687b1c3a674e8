import * as vscode from 'vscode';
import type { CredentialResolver } from '../engine/jobContext';
import type { AuthRef } from '../engine/jobSpec';
import {
  type HostToWizardMessage,
  type WizardForm,
  type WizardPrefill,
  parseWizardMessage,
  validateWizardForm,
} from '../webviewProtocol/wizardProtocol';
import type { JobSpec } from '../engine/jobSpec';
import type { JobResult } from '../engine/runner';
import { loadEngine } from './engine';
import { files } from './jobRunner';
import { jobSpecFromWizardForm } from './jobSpecFromWizard';
import { getLog } from './log';

/** Runs a job the wizard built; resolves with its result (undefined when it could not start). */
export type RunJob = (spec: JobSpec) => Promise<JobResult | undefined>;
import { createNonce } from './nonce';

/** The "New Copy Job" wizard: one panel at a time, revealed again if already open. */
export class WizardPanel {
  static readonly viewType = 'kustoDataMover.wizard';
  private static current: WizardPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  /** The job this form started and that has not ended: one at a time, so a second Run cannot start a duplicate. */
  private runningJobId: string | undefined;
  /**
   * Fields a command asked for that the page has not confirmed yet. A hidden panel's page is gone
   * (no retainContextWhenHidden) and a message to it can be lost, so they are held until the page
   * says "prefillApplied", and ride on the "init" of its next "ready".
   */
  private pendingPrefill: WizardPrefill | undefined;
  /** The page's script runs and can take a message: set by "ready", cleared when the panel hides. */
  private pageReady = false;

  /** The sign-in for a cluster URL: the saved connection to it, or none (the emulator). */
  private static authFor: (clusterUrl: string) => AuthRef = () => ({ kind: 'none' });
  /** The window's tokens, for what the form asks the cluster itself (the target table's row count). */
  private static credentials: CredentialResolver | undefined;

  /** Set once at activation: how a form's cluster finds its connection's sign-in. */
  static useConnections(authFor: (clusterUrl: string) => AuthRef, credentials: CredentialResolver): void {
    WizardPanel.authFor = authFor;
    WizardPanel.credentials = credentials;
  }

  /** Opens the wizard, or reveals the open one; `prefill` sets some of its fields (over any draft). */
  static show(context: vscode.ExtensionContext, runJob: RunJob, prefill?: WizardPrefill): WizardPanel {
    const extensionUri = context.extensionUri;
    if (WizardPanel.current) {
      WizardPanel.current.panel.reveal();
      if (prefill) WizardPanel.current.prefill(prefill);
      return WizardPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(WizardPanel.viewType, 'New Copy Job', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    });
    WizardPanel.current = new WizardPanel(panel, context, runJob);
    WizardPanel.current.pendingPrefill = prefill;
    return WizardPanel.current;
  }

  private prefill(prefill: WizardPrefill): void {
    this.pendingPrefill = prefill;
    if (this.pageReady && this.panel.visible) this.post({ type: 'prefill', prefill });
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly runJob: RunJob,
  ) {
    const extensionUri = context.extensionUri;
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'activity-bar.svg');
    panel.webview.html = this.renderHtml();
    panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
    panel.webview.onDidReceiveMessage((raw: unknown) => this.onMessage(raw), undefined, this.disposables);
    panel.onDidChangeViewState(() => {
      if (!panel.visible) this.pageReady = false;
    }, undefined, this.disposables);
  }

  private post(message: HostToWizardMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private onMessage(raw: unknown): void {
    let message;
    try {
      message = parseWizardMessage(raw);
    } catch (err) {
      getLog().warn(`Ignored a malformed message from the wizard: ${(err as Error).message}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        // The webview asks for its state only once its script runs, so nothing is posted into the void.
        this.pageReady = true;
        this.post({ type: 'init', state: { form: defaultForm(), defaultClusterUrl: defaultForm().clusterUrl, prefill: this.pendingPrefill } });
        return;
      case 'prefillApplied':
        this.pendingPrefill = undefined;
        return;
      case 'cancel':
        this.panel.dispose();
        return;
      case 'submit':
        this.onSubmit(message.form).catch((err: unknown) => {
          const text = (err as Error)?.message ?? String(err);
          getLog().error(`The wizard could not start the job: ${text}`);
          void vscode.window.showErrorMessage(`Kusto Data Mover: the job could not start: ${text}`);
          this.post({ type: 'submitDeclined', summary: `The job could not start: ${text}` });
        });
        return;
    }
  }

  private async onSubmit(form: WizardForm): Promise<void> {
    if (this.runningJobId) {
      this.post({ type: 'submitDeclined', summary: `Job ${this.runningJobId} from this form is still running: wait for it to end.` });
      return;
    }
    const errors = validateWizardForm(form);
    this.post({ type: 'validation', errors });
    if (Object.keys(errors).length > 0) {
      this.post({ type: 'submitDeclined', summary: 'Fix the fields marked above, then run the job.' });
      return;
    }
    const spec = jobSpecFromWizardForm(form, new Date(), WizardPanel.authFor(form.clusterUrl));
    this.runningJobId = spec.id;
    try {
      if (form.direction === 'filesToKusto' && !(await this.confirmAppend(form))) {
        this.post({ type: 'submitDeclined', summary: `Nothing was ingested: table ${form.table.trim()} was left as it is.` });
        return;
      }
      await this.runSpec(spec, form);
    } finally {
      this.runningJobId = undefined;
    }
  }

  /** Writing into a table that already holds rows is asked first; a new or empty table is not. */
  private async confirmAppend(form: WizardForm): Promise<boolean> {
    const table = form.table.trim();
    const database = form.database.trim();
    const auth = WizardPanel.authFor(form.clusterUrl);
    const tokenProvider = auth.kind === 'credential' ? WizardPanel.credentials?.resolve(auth.id) : undefined;
    const rows = await loadEngine(this.context).tableRowCount({ clusterUrl: form.clusterUrl.trim(), database, tokenProvider }, table);
    if (!rows) return true;
    const append = 'Append';
    const answer = await vscode.window.showWarningMessage(
      `Table "${table}" in database "${database}" already holds ${rows.toLocaleString('en-US')} rows. Append the files to it?`,
      { modal: true, detail: 'The files\' rows are added to the rows already there; nothing is replaced.' },
      append,
    );
    return answer === append;
  }

  private async runSpec(spec: JobSpec, form: WizardForm): Promise<void> {
    getLog().info(`Wizard created job ${spec.id} (${form.direction}).`);
    this.post({ type: 'jobCreated', jobId: spec.id, summary: `Job ${spec.id} is running: progress in the notification and the Jobs view.` });
    const result = await this.runJob(spec);
    if (!result) {
      this.post({ type: 'jobFinished', jobId: spec.id, state: 'failed', summary: `Job ${spec.id} did not start: see the notification.` });
      return;
    }
    const summary =
      result.state === 'succeeded'
        ? result.direction === 'kustoToFiles'
          ? `Job ${spec.id} succeeded: ${result.rows.toLocaleString('en-US')} rows in ${files(result.files.length)}.`
          : `Job ${spec.id} succeeded: ${files(result.files.length)} ingested into ${form.table.trim()}.`
        : result.state === 'canceled'
          ? `Job ${spec.id} was cancelled; resume it from the Jobs view.`
          : `Job ${spec.id} failed: ${result.error ?? 'see the log'}`;
    this.post({ type: 'jobFinished', jobId: spec.id, state: result.state, summary });
  }

  private renderHtml(): string {
    const webview = this.panel.webview;
    const nonce = createNonce();
    const asset = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview', ...path));
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
      `style-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${asset('codicon.css')}" id="vscode-codicon-stylesheet">
  <link rel="stylesheet" href="${asset('wizard.css')}">
  <title>New Copy Job</title>
</head>
<body>
  <main id="app" aria-busy="true"></main>
  <script type="module" nonce="${nonce}" src="${asset('wizard.js')}"></script>
</body>
</html>`;
  }

  private dispose(): void {
    WizardPanel.current = undefined;
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}

function defaultForm(): WizardForm {
  const config = vscode.workspace.getConfiguration('kustoDataMover');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
  return {
    direction: 'kustoToFiles',
    clusterUrl: config.get<string>('defaultClusterUrl', 'http://127.0.0.1:8082'),
    database: config.get<string>('defaultDatabase', 'Samples'),
    query: '',
    outputPath: folder ? `${folder}/kusto-export` : '',
    format: 'parquet',
    sourcePath: '',
    table: '',
  };
}
