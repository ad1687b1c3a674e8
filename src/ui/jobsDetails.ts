// "Show Details" of a job (also on selecting it in the Jobs view): a read-only virtual document,
// rendered from the journal reader's entry by src/jobHost/jobDetails.ts. It follows the job while
// it is open: the runner's change events (at most about once a second) redraw it.
import * as vscode from 'vscode';
import { jobDetailsText } from '../jobHost/jobDetails';
import { viewState } from '../jobHost/jobStatusText';
import type { JobRunner } from './jobRunner';

export const JOB_DETAILS_SCHEME = 'kusto-data-mover-job';

export function jobDetailsUri(jobId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: JOB_DETAILS_SCHEME, path: `/${jobId}.md` });
}

export class JobDetailsProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly runner: JobRunner) {
    // Only documents that are open are redrawn; a closed one costs nothing.
    this.subscription = runner.onDidChangeJobs(() => {
      for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === JOB_DETAILS_SCHEME) this.changed.fire(doc.uri);
    });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const jobId = uri.path.replace(/^\//, '').replace(/\.md$/, '');
    const live = this.runner.liveJob(jobId);
    const entry = await this.runner.reader.read(jobId);
    if (!entry && !live) return `# ${jobId}\n\nThis job is no longer in the jobs folder (deleted or cleared).\n`;
    return jobDetailsText(jobId, entry, viewState(entry, live?.state), live?.progress);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

export async function showJobDetails(jobId: string): Promise<void> {
  // The .md path makes it a Markdown document (Open Preview works on it).
  const doc = await vscode.workspace.openTextDocument(jobDetailsUri(jobId));
  // Keep the focus in the Jobs view: selecting job after job with the keyboard shows each.
  await vscode.window.showTextDocument(doc, { preview: true, preserveFocus: true });
}
