// The wizard's Review, host side: the engine's buildJobReview of the spec the form makes, one at a
// time (a newer form aborts the older review), sent back with the form's sequence number; the
// engine environment comes from src/ui/wizardReview.ts.
import type * as vscode from 'vscode';
import type { JobSpec } from '../engine/jobSpec';
import type { CredentialResolver } from '../engine/jobContext';
import type { JobReview } from '../webviewProtocol/reviewProtocol';
import { plainError } from './wizardChecks';
import { reviewForWizard } from './wizardReview';

export class WizardReviewer {
  private current: AbortController | undefined;

  constructor(private readonly context: vscode.ExtensionContext) {}

  /** The review of `spec` (h21's reviewForWizard), or the reason there is none; undefined when a newer review replaced this one. */
  async review(spec: JobSpec, credentials: CredentialResolver | undefined): Promise<{ review?: JobReview; error?: string } | undefined> {
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    try {
      const review = await reviewForWizard(this.context, spec, credentials, controller.signal);
      return controller.signal.aborted ? undefined : { review };
    } catch (err) {
      return controller.signal.aborted ? undefined : { error: plainError(err) };
    }
  }

  dispose(): void {
    this.current?.abort();
  }
}
