import * as vscode from 'vscode';
import { overallPercent } from '../jobHost/jobStatusText';
import type { JobRunner } from './jobRunner';

/** Running and queued jobs of this window at a glance; click → the Jobs view. */
export function jobsStatusBar(runner: JobRunner): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('kustoDataMover.jobs', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Kusto Data Mover Jobs';
  item.command = 'kustoDataMover.jobs.focus';
  const update = (): void => {
    const jobs = runner.liveJobs();
    const running = jobs.filter((j) => j.state !== 'queued');
    if (jobs.length === 0) {
      item.hide();
      return;
    }
    // A streamed copy's total is its row estimate, from the journal the view last read (no disk read here).
    const percent = overallPercent(running, (id) => runner.reader.cachedRecord(id)?.estimatedRows);
    const overall = percent !== undefined ? ` ${percent}%` : '';
    const queued = jobs.length - running.length;
    item.text = `$(sync~spin) ${running.length} job${running.length === 1 ? '' : 's'}${overall}${queued ? ` (+${queued} queued)` : ''}`;
    item.tooltip = jobs.map((j) => `${j.title}: ${j.state}`).join('\n');
    item.show();
  };
  const subscription = runner.onDidChangeJobs(update);
  return { dispose: () => (subscription.dispose(), item.dispose()) };
}
