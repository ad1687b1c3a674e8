import * as vscode from 'vscode';
import { percentDone } from '../jobHost/jobStatusText';
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
    const percents = running.map((j) => percentDone(j.progress, undefined)).filter((p): p is number => p !== undefined);
    const overall = percents.length === running.length && percents.length > 0 ? ` ${Math.floor(percents.reduce((a, b) => a + b, 0) / percents.length)}%` : '';
    const queued = jobs.length - running.length;
    item.text = `$(sync~spin) ${running.length} job${running.length === 1 ? '' : 's'}${overall}${queued ? ` (+${queued} queued)` : ''}`;
    item.tooltip = jobs.map((j) => `${j.title}: ${j.state}`).join('\n');
    item.show();
  };
  const subscription = runner.onDidChangeJobs(update);
  return { dispose: () => (subscription.dispose(), item.dispose()) };
}
