// The wizard's window-level wiring: the panel comes back after a window reload (serializer), and
// "Edit in Wizard" opens a job from the Jobs view with its spec (read from its journal) prefilled.
import * as vscode from 'vscode';
import { JobsFolderReader } from '../jobHost/journalReader';
import { jobsDir } from './engine';
import { wizardPrefillFromSpec } from './jobSpecFromWizard';
import { getLog } from './log';
import { type RunJob, WizardPanel } from './wizardPanel';

export function registerWizardCommands(context: vscode.ExtensionContext, runJob: RunJob): vscode.Disposable[] {
  return [
    WizardPanel.registerSerializer(context, runJob),
    vscode.commands.registerCommand('kustoDataMover.editJobInWizard', async (item?: { jobId?: string }) => {
      if (!item?.jobId) return;
      const entry = await new JobsFolderReader(jobsDir(context)).read(item.jobId);
      if (!entry) {
        void vscode.window.showWarningMessage(`Kusto Data Mover: job ${item.jobId} has no journal to read its settings from.`);
        return;
      }
      try {
        WizardPanel.show(context, runJob, wizardPrefillFromSpec(entry.record.spec));
      } catch (err) {
        getLog().warn(`Edit in Wizard: ${(err as Error).message}`);
        void vscode.window.showWarningMessage(`Kusto Data Mover: job ${item.jobId} cannot be edited in the wizard: ${(err as Error).message}.`);
      }
    }),
  ];
}
