import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { jobsDir } from './engine';
import { getLog } from './log';
import { type JobRunner, revealOutput } from './jobRunner';
import { describeDiscard, discardJob } from '../jobHost/discardJob';
import { editableSpecCopy } from '../jobHost/editableSpec';
import { JOB_DETAILS_SCHEME, JobDetailsProvider, showJobDetails } from './jobsDetails';
import { type JobItem, type JobsTreeProvider } from './jobsTree';

const finished = new Set(['canceled', 'succeeded', 'succeededWithWarnings', 'failed']);

/** The Jobs view's actions (package.json menus show them by the item's contextValue). */
export function registerJobCommands(context: vscode.ExtensionContext, runner: JobRunner, jobs: JobsTreeProvider): vscode.Disposable[] {
  const logUri = (jobId: string): vscode.Uri => vscode.Uri.file(join(jobsDir(context), jobId, 'job.log'));
  const snippet = async (item: JobItem): Promise<string | undefined> => {
    const snippets = item.entry?.result?.snippets;
    if (!snippets) return undefined;
    const choices = [
      ...(snippets.pyspark ? [{ label: 'PySpark', text: snippets.pyspark, language: 'python' }] : []),
      ...(snippets.scala ? [{ label: 'Scala', text: snippets.scala, language: 'scala' }] : []),
      ...(snippets.pysparkLocal ? [{ label: 'PySpark (local copy)', text: snippets.pysparkLocal, language: 'python' }] : []),
      { label: 'Kusto Spark connector (PySpark)', text: snippets.kustoConnectorPyspark, language: 'python' },
      { label: 'Kusto Spark connector (Scala)', text: snippets.kustoConnectorScala, language: 'scala' },
    ];
    const picked = await vscode.window.showQuickPick(choices, { placeHolder: 'Spark read snippet' });
    return picked && JSON.stringify({ text: picked.text, language: picked.language });
  };
  const details = new JobDetailsProvider(runner);
  return [
    details,
    vscode.workspace.registerTextDocumentContentProvider(JOB_DETAILS_SCHEME, details),
    vscode.commands.registerCommand('kustoDataMover.showJobDetails', (item?: JobItem | string) => {
      const jobId = typeof item === 'string' ? item : item?.jobId;
      return jobId && showJobDetails(jobId);
    }),
    vscode.commands.registerCommand('kustoDataMover.editJobAsJson', async (item?: JobItem) => {
      if (!item?.record) return;
      // A copy in this workspace's storage (else the global one), never the journal itself.
      const folder = vscode.Uri.joinPath(context.storageUri ?? context.globalStorageUri, 'job-specs');
      const { fileName, text } = editableSpecCopy(item.record.spec);
      await fs.mkdir(folder.fsPath, { recursive: true });
      const file = vscode.Uri.joinPath(folder, fileName);
      await fs.writeFile(file.fsPath, text);
      await vscode.window.showTextDocument(file);
      void vscode.window.showInformationMessage('Kusto Data Mover: this is a copy of the job\'s spec with a new id. Edit it, then run it with Run Copy Job from JSON File.', 'Run Copy Job from JSON File').then((choice) => {
        if (choice) void vscode.commands.executeCommand('kustoDataMover.runJobFile', file);
      });
    }),
    vscode.commands.registerCommand('kustoDataMover.discardJob', async (item?: JobItem) => {
      if (!item?.record || (item.state !== 'interrupted' && item.state !== 'failed' && item.state !== 'canceled')) return;
      const choice = await vscode.window.showWarningMessage(`Discard job "${item.jobId}"? Its hidden temporary output, journal and log are removed; the output itself is never touched.`, { modal: true }, 'Discard');
      if (choice !== 'Discard') return;
      try {
        const text = describeDiscard(item.jobId, await discardJob(jobsDir(context), item.record));
        getLog().info(text);
        void vscode.window.showInformationMessage(`Kusto Data Mover: ${text}`);
      } catch (err) {
        void vscode.window.showErrorMessage(`Kusto Data Mover: could not discard job ${item.jobId}: ${(err as Error).message}`);
      }
      jobs.refresh();
    }),
    vscode.commands.registerCommand('kustoDataMover.cancelJob', (item?: JobItem) => item && runner.cancel(item.jobId)),
    vscode.commands.registerCommand('kustoDataMover.resumeJob', (item?: JobItem) => item && runner.resume(item.jobId)),
    vscode.commands.registerCommand('kustoDataMover.rerunJob', (item?: JobItem) => item?.record && runner.run(item.record.spec)),
    vscode.commands.registerCommand('kustoDataMover.openJobLog', async (item?: JobItem) => {
      // A text document of a file on disk follows it as the job appends to it.
      if (item) await vscode.window.showTextDocument(logUri(item.jobId), { preview: true });
    }),
    vscode.commands.registerCommand('kustoDataMover.revealJobOutput', (item?: JobItem) => {
      const destination = item?.record?.spec.destination;
      const first = item?.entry?.result?.files[0];
      return revealOutput(destination?.kind === 'files' && destination.location.kind === 'local' ? destination.location.path : first);
    }),
    vscode.commands.registerCommand('kustoDataMover.openSparkSnippet', async (item?: JobItem) => {
      const picked = item && (await snippet(item));
      if (!picked) return;
      const { text, language } = JSON.parse(picked) as { text: string; language: string };
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: text, language }));
    }),
    vscode.commands.registerCommand('kustoDataMover.copySparkSnippet', async (item?: JobItem) => {
      const picked = item && (await snippet(item));
      if (!picked) return;
      await vscode.env.clipboard.writeText((JSON.parse(picked) as { text: string }).text);
      void vscode.window.showInformationMessage('Kusto Data Mover: the Spark read snippet is on the clipboard.');
    }),
    vscode.commands.registerCommand('kustoDataMover.deleteJob', async (item?: JobItem) => {
      if (!item || !finished.has(item.state) && item.state !== 'interrupted') return;
      const choice = await vscode.window.showWarningMessage(`Delete job "${item.jobId}"? Its journal and log are removed; its output is kept.`, { modal: true }, 'Delete');
      if (choice !== 'Delete') return;
      await fs.rm(join(jobsDir(context), item.jobId), { recursive: true, force: true });
      jobs.refresh();
    }),
    vscode.commands.registerCommand('kustoDataMover.clearFinishedJobs', async () => {
      const done = jobs.shown().filter((i) => finished.has(i.state));
      if (done.length === 0) return;
      // Journals and logs only: outputs stay where they are.
      await Promise.all(done.map((i) => fs.rm(join(jobsDir(context), i.jobId), { recursive: true, force: true })));
      jobs.refresh();
    }),
    vscode.commands.registerCommand('kustoDataMover.refreshJobs', () => jobs.refresh()),
  ];
}
