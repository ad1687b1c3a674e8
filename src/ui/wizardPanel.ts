import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { Connection } from '../connections/connection';
import { AUTH_KIND_LABELS } from '../connections/connection';
import type { CredentialResolver } from '../engine/jobContext';
import type { AuthRef } from '../engine/jobSpec';
import type { JobSpec } from '../engine/jobSpec';
import type { JobResult } from '../engine/runner';
import {
  type BrowseField,
  type ConnectionChoice,
  type HostToWizardMessage,
  type LookupKind,
  type SparkLanguage,
  type WizardForm,
  type WizardPrefill,
  parseWizardMessage,
  validateWizardForm,
} from '../webviewProtocol/wizardProtocol';
import { loadEngine } from './engine';
import { files } from './jobRunner';
import { completeJobFile, jobFileFromSpec, jobSpecFromWizardForm, wizardPrefillFromSpec } from './jobSpecFromWizard';
import { getLog } from './log';
import { createNonce } from './nonce';
import { type CheckContext, checkWizardForm, databasesOf, plainError, tablesOf } from './wizardChecks';
import { WizardReviewer } from './wizardReviewHost';

/** Runs a job the wizard built; resolves with its result (undefined when it could not start). */
export type RunJob = (spec: JobSpec) => Promise<JobResult | undefined>;

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
  /** The check of the form as last typed; a newer one aborts it. */
  private checking: AbortController | undefined;
  /** A cluster's databases and a database's tables, asked once per panel. */
  private readonly lookups = new Map<string, Promise<string[]>>();
  private readonly reviewer: WizardReviewer;

  /** The sign-in for a cluster URL: the saved connection to it, or none (the emulator). */
  private static authFor: (clusterUrl: string) => AuthRef = () => ({ kind: 'none' });
  /** The window's tokens, for what the form asks the cluster itself (lists, checks, the target table's row count). */
  private static credentials: CredentialResolver | undefined;
  /** The saved connections, for the Connection list. */
  private static listConnections: () => Connection[] = () => [];

  static savedConnections(): Connection[] {
    return WizardPanel.listConnections();
  }

  /** Set once at activation: how a form's cluster finds its connection's sign-in. */
  static useConnections(authFor: (clusterUrl: string) => AuthRef, credentials: CredentialResolver, listConnections?: () => Connection[]): void {
    WizardPanel.authFor = authFor;
    WizardPanel.credentials = credentials;
    if (listConnections) WizardPanel.listConnections = listConnections;
  }

  /** Opens the wizard, or reveals the open one; `prefill` sets some of its fields (over any draft). */
  static show(context: vscode.ExtensionContext, runJob: RunJob, prefill?: WizardPrefill): WizardPanel {
    if (WizardPanel.current) {
      WizardPanel.current.panel.reveal();
      if (prefill) WizardPanel.current.prefill(prefill);
      return WizardPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(WizardPanel.viewType, 'New Copy Job', vscode.ViewColumn.Active, WizardPanel.webviewOptions(context));
    WizardPanel.current = new WizardPanel(panel, context, runJob);
    WizardPanel.current.pendingPrefill = prefill;
    return WizardPanel.current;
  }

  /**
   * After a window reload VS Code hands back the panel it had; the page restores its own draft
   * (vscode state), so the host only serves it again.
   */
  static registerSerializer(context: vscode.ExtensionContext, runJob: RunJob): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(WizardPanel.viewType, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        panel.webview.options = WizardPanel.webviewOptions(context);
        WizardPanel.current?.panel.dispose();
        WizardPanel.current = new WizardPanel(panel, context, runJob);
      },
    });
  }

  private static webviewOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    };
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
    this.reviewer = new WizardReviewer(context);
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
    const failed = (what: string) => (err: unknown) => {
      const text = plainError(err);
      getLog().error(`The wizard could not ${what}: ${text}`);
      this.post({ type: 'notice', state: 'failed', summary: `Could not ${what}: ${text}` });
    };
    switch (message.type) {
      case 'ready': {
        // The webview asks for its state only once its script runs, so nothing is posted into the void.
        this.pageReady = true;
        const form = defaultForm();
        this.post({ type: 'init', state: { form, defaultClusterUrl: form.clusterUrl, prefill: this.pendingPrefill, connections: connectionChoices() } });
        return;
      }
      case 'prefillApplied':
        this.pendingPrefill = undefined;
        return;
      case 'cancel':
        this.panel.dispose();
        return;
      case 'validate':
        void this.validate(message.form, message.seq, message.resolveHost);
        return;
      case 'lookup':
        void this.lookup(message.what, message.clusterUrl, message.database, message.connectionId);
        return;
      case 'review':
        void this.review(message.form, message.seq);
        return;
      case 'browse':
        this.browse(message.field).catch(failed('open the dialog'));
        return;
      case 'saveJobFile':
        this.saveJobFile(message.form).catch(failed('save the job file'));
        return;
      case 'openJobFile':
        this.openJobFile().catch(failed('open the job file'));
        return;
      case 'generateSparkCode':
        this.generateSparkCode(message.form, message.language).catch(failed('write the Spark code'));
        return;
      case 'submit':
        this.onSubmit(message.form).catch((err: unknown) => {
          const text = plainError(err);
          getLog().error(`The wizard could not start the job: ${text}`);
          // Shown inline only: the wizard does not stack notifications over itself.
          this.post({ type: 'submitDeclined', summary: `The job could not start: ${text}` });
        });
        return;
    }
  }

  private checkContext(form: Pick<WizardForm, 'clusterUrl'>, resolveHost: boolean, signal?: AbortSignal): CheckContext {
    const auth = WizardPanel.authFor(form.clusterUrl);
    const tokenProvider = auth.kind === 'credential' ? WizardPanel.credentials?.resolve(auth.id) : undefined;
    return { engine: loadEngine(this.context), tokenProvider, signal, resolveHost, cache: this.lookups };
  }

  private async validate(form: WizardForm, seq: number, resolveHost: boolean): Promise<boolean> {
    this.checking?.abort();
    const controller = new AbortController();
    this.checking = controller;
    try {
      const validation = await checkWizardForm(form, seq, this.checkContext(form, resolveHost, controller.signal));
      if (controller.signal.aborted) return false;
      if (this.runningJobId) validation.canRun = false;
      this.post({ type: 'validation', errors: validation.errors, validation });
      return validation.canRun;
    } catch (err) {
      getLog().warn(`The wizard's check of the form failed: ${plainError(err)}`);
      return false;
    }
  }

  private async review(form: WizardForm, seq: number): Promise<void> {
    if (Object.keys(validateWizardForm(form)).length > 0) {
      this.post({ type: 'review', seq, error: 'Complete the fields marked above to see the review.' });
      return;
    }
    const outcome = await this.reviewer.review(this.specOf(form), WizardPanel.credentials);
    if (outcome) this.post({ type: 'review', seq, ...outcome });
  }

  private async lookup(what: LookupKind, clusterUrl: string, database: string, connectionId: string): Promise<void> {
    const url = clusterUrl.trim() || WizardPanel.listConnections().find((c) => c.id === connectionId)?.clusterUrl || '';
    try {
      const ctx = this.checkContext({ clusterUrl: url }, false);
      const items = what === 'databases' ? await databasesOf(ctx, url) : await tablesOf(ctx, url, database.trim());
      this.post({ type: 'lookupResult', what, clusterUrl, database, items });
    } catch (err) {
      this.post({ type: 'lookupResult', what, clusterUrl, database, items: [], error: plainError(err) });
    }
  }

  /** VS Code's own dialogs: a folder to write (a new name is fine), a file or folder to read. */
  private async browse(field: BrowseField): Promise<void> {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri;
    let picked: vscode.Uri | undefined;
    if (field === 'outputPath') {
      picked = await vscode.window.showSaveDialog({ defaultUri: workspace ? vscode.Uri.joinPath(workspace, 'kusto-export') : undefined, saveLabel: 'Write Here', title: 'Output folder of the copy job' });
    } else {
      const folder = field === 'sourcePath';
      const uris = await vscode.window.showOpenDialog({ canSelectFolders: folder, canSelectFiles: !folder, canSelectMany: false, defaultUri: workspace, openLabel: 'Ingest This', title: folder ? 'Folder to ingest (Spark output or plain files)' : 'File to ingest' });
      picked = uris?.[0];
    }
    if (picked) this.post({ type: 'browsed', field, path: picked.fsPath });
  }

  private specOf(form: WizardForm): JobSpec {
    return jobSpecFromWizardForm(form, new Date(), this.authOf(form));
  }

  /** The picked connection signs in; without one, the saved connection to the URL typed. */
  private authOf(form: WizardForm): AuthRef {
    const picked = form.connectionId ? WizardPanel.listConnections().find((c) => c.id === form.connectionId) : undefined;
    if (picked && picked.auth.kind !== 'none') return { kind: 'credential', id: picked.id };
    return WizardPanel.authFor(form.clusterUrl);
  }

  private fieldErrors(form: WizardForm): boolean {
    const errors = validateWizardForm(form);
    if (Object.keys(errors).length === 0) return false;
    this.post({ type: 'validation', errors });
    this.post({ type: 'notice', state: 'failed', summary: 'Fix the fields marked above first.' });
    return true;
  }

  private async saveJobFile(form: WizardForm): Promise<void> {
    if (this.fieldErrors(form)) return;
    const spec = this.specOf(form);
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = (spec.destination.kind === 'kustoTable' ? spec.destination.table : 'copy-job').replace(/[^\w.-]+/g, '-');
    const uri = await vscode.window.showSaveDialog({
      defaultUri: workspace ? vscode.Uri.joinPath(workspace, `${name}.kdm.json`) : undefined,
      filters: { 'Kusto Data Mover job': ['kdm.json'] },
      saveLabel: 'Save Job File',
      title: 'Save the copy job as a file',
    });
    if (!uri) return;
    // One ".kdm.json", however the dialog treated the double extension (the browser's simple dialog appends it again).
    const path = `${uri.fsPath.replace(/(\.kdm\.json)+$/, '').replace(/\.json$/, '')}.kdm.json`;
    await fs.writeFile(path, `${JSON.stringify(jobFileFromSpec(spec), null, 2)}\n`);
    getLog().info(`Wizard saved a job file: ${path}`);
    this.post({ type: 'notice', state: 'saved', summary: `Saved the job file ${path}. Run it with "Run Copy Job from JSON File" or open it here again.` });
  }

  private async openJobFile(): Promise<void> {
    const uris = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Kusto Data Mover job': ['json'] }, openLabel: 'Open in Wizard', title: 'Open a job file' });
    const uri = uris?.[0];
    if (!uri) return;
    const engine = loadEngine(this.context);
    let spec: JobSpec;
    try {
      spec = engine.validateJobSpec(completeJobFile(JSON.parse(await fs.readFile(uri.fsPath, 'utf8'))));
    } catch (err) {
      this.post({ type: 'notice', state: 'failed', summary: `${uri.fsPath} is not a job file the wizard can open: ${engine.redactSecrets(plainError(err))}` });
      return;
    }
    this.pendingPrefill = wizardPrefillFromSpec(spec);
    this.post({ type: 'prefill', prefill: this.pendingPrefill });
    this.post({ type: 'notice', state: 'opened', summary: `Opened ${uri.fsPath}.` });
  }

  private async generateSparkCode(form: WizardForm, language: SparkLanguage): Promise<void> {
    if (this.fieldErrors(form)) return;
    const spec = this.specOf(form);
    const connection = WizardPanel.listConnections().find((c) => c.id === form.connectionId || c.clusterUrl.toLowerCase() === form.clusterUrl.trim().replace(/\/+$/, '').toLowerCase());
    const code = loadEngine(this.context).generateSparkCode(spec, connection ? { clusterUrl: connection.clusterUrl, auth: connection.auth } : undefined);
    const notes = [...code.secrets.map((s) => `Put ${s.holds} in secret scope "${s.scope}" under key "${s.key}".`), ...code.notes];
    const comment = language === 'pyspark' ? '#' : '//';
    const header = notes.map((n) => `${comment} ${n}`).join('\n');
    const content = `${header ? `${header}\n\n` : ''}${language === 'pyspark' ? code.pyspark : code.scala}`;
    const document = await vscode.workspace.openTextDocument({ language: language === 'pyspark' ? 'python' : 'scala', content });
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: false });
    this.post({ type: 'notice', state: 'generated', summary: `The ${language === 'pyspark' ? 'PySpark' : 'Scala'} code for the Spark connector is open beside the wizard.` });
  }

  private async onSubmit(form: WizardForm): Promise<void> {
    if (this.runningJobId) {
      this.post({ type: 'submitDeclined', summary: `Job ${this.runningJobId} from this form is still running: wait for it to end.` });
      return;
    }
    // The host's check is the one that counts: the page's last verdict may be older than the form.
    if (!(await this.validate(form, -1, true))) {
      this.post({ type: 'submitDeclined', summary: 'Fix the fields marked above, then run the job.' });
      return;
    }
    const spec = this.specOf(form);
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
    const auth = this.authOf(form);
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
    this.checking?.abort();
    this.reviewer.dispose();
    if (WizardPanel.current === this) WizardPanel.current = undefined;
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}

function connectionChoices(): ConnectionChoice[] {
  return WizardPanel.savedConnections().map((c) => ({ id: c.id, name: c.name, clusterUrl: c.clusterUrl, defaultDatabase: c.defaultDatabase, authLabel: AUTH_KIND_LABELS[c.auth.kind] }));
}

function defaultForm(): WizardForm {
  const config = vscode.workspace.getConfiguration('kustoDataMover');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
  return {
    direction: 'kustoToFiles',
    connectionId: '',
    clusterUrl: config.get<string>('defaultClusterUrl', 'http://127.0.0.1:8082'),
    database: config.get<string>('defaultDatabase', 'Samples'),
    query: '',
    outputPath: folder ? `${folder}/kusto-export` : '',
    format: 'parquet',
    sourcePath: '',
    table: '',
  };
}
