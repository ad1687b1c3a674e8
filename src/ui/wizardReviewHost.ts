// The wizard's Review, host side: the engine's buildJobReview of the spec the form makes, one at a
// time (a newer form aborts the older review), sent back with the form's sequence number.
import type * as vscode from 'vscode';
import type { JobSpec } from '../engine/jobSpec';
import type { JobReview } from '../webviewProtocol/reviewProtocol';
import { windowSecrets } from './credentials';
import type { Engine } from './engine';
import type { TokenProvider } from '../engine/jobContext';
import { plainError } from './wizardChecks';

export class WizardReviewer {
  private current: AbortController | undefined;

  constructor(private readonly secrets: vscode.SecretStorage) {}

  /** The review of `spec`, or the reason there is none; undefined when a newer review replaced this one. */
  async review(engine: Pick<Engine, 'buildJobReview'>, spec: JobSpec, tokenProvider: TokenProvider | undefined): Promise<{ review?: JobReview; error?: string } | undefined> {
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    try {
      const review = await engine.buildJobReview(spec, { tokenProvider, secrets: windowSecrets(this.secrets), signal: controller.signal });
      return controller.signal.aborted ? undefined : { review };
    } catch (err) {
      return controller.signal.aborted ? undefined : { error: plainError(err) };
    }
  }

  dispose(): void {
    this.current?.abort();
  }
}
