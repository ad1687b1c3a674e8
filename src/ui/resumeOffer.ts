import * as vscode from 'vscode';
import { viewState } from '../jobHost/jobStatusText';
import { noteInterruptedOnce } from './jobLogNote';
import type { JobRunner } from './jobRunner';

const OFFERED_KEY = 'kustoDataMover.resumeOffered';

/**
 * After a reload or restart: jobs whose process died are named once (a notification with Resume
 * All / Show Jobs), and each such job's log says it was interrupted. Offered once per job.
 */
export async function offerToResumeInterrupted(context: vscode.ExtensionContext, runner: JobRunner): Promise<void> {
  const entries = await runner.reader.list();
  const offered = new Set(context.globalState.get<string[]>(OFFERED_KEY, []));
  const interrupted = entries.filter((e) => viewState(e, runner.liveJob(e.record.spec.id)?.state) === 'interrupted' && !offered.has(`${e.record.spec.id}@${e.record.runs}`));
  if (interrupted.length === 0) return;
  for (const e of interrupted) {
    offered.add(`${e.record.spec.id}@${e.record.runs}`);
    await noteInterruptedOnce(runner.jobFolder(e.record.spec.id), `its process ${e.record.pid ?? '?'} ended during ${e.record.phase} without finishing; resume the job to finish it (its hidden temporary output is removed then), or discard it`);
  }
  await context.globalState.update(OFFERED_KEY, [...offered].slice(-500));
  const names = interrupted.map((e) => e.record.spec.name ?? e.record.spec.id);
  const text = interrupted.length === 1 ? `Kusto Data Mover: the job "${names[0]}" was interrupted.` : `Kusto Data Mover: ${interrupted.length} jobs were interrupted.`;
  const choice = await vscode.window.showWarningMessage(text, interrupted.length === 1 ? 'Resume' : 'Resume All', 'Show Jobs');
  if (choice === 'Show Jobs') await vscode.commands.executeCommand('kustoDataMover.jobs.focus');
  if (choice === 'Resume' || choice === 'Resume All') for (const e of interrupted) void runner.resume(e.record.spec.id);
}
