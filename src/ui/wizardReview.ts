// Host glue of the wizard's Review step: builds the engine environment from the job's connection
// (its credential, as the wizard's row-count question and src/ui/jobRunner.ts get theirs) and the
// window's SecretStorage, and asks the engine for the review. Also applies the schema edits the
// webview sends back (checked first) to the spec the wizard will run.
import type * as vscode from 'vscode';
import type { CredentialResolver } from '../engine/jobContext';
import type { JobSpec } from '../engine/jobSpec';
import type { JobReview } from '../engine/review/reviewTypes';
import { parseSchemaEdits } from '../webviewProtocol/reviewProtocol';
import { windowSecrets } from './credentials';
import { loadEngine } from './engine';

/** The connection whose credential the job uses (the source's for a query, else the destination's). */
function authIdOf(spec: JobSpec): string | undefined {
  const connection = spec.source.kind === 'kustoQuery' ? spec.source.connection : spec.destination.kind === 'kustoTable' ? spec.destination.connection : undefined;
  return connection?.auth?.kind === 'credential' ? connection.auth.id : undefined;
}

/**
 * The review of `spec`. The user asked for it, so a sign-in may prompt (unlike a background job).
 * Reads are small (a take 10, footers, a sample per file), so it runs on the extension host.
 */
export async function reviewForWizard(context: vscode.ExtensionContext, spec: JobSpec, credentials: CredentialResolver | undefined, signal?: AbortSignal): Promise<JobReview> {
  const id = authIdOf(spec);
  const tokenProvider = id === undefined ? undefined : credentials?.resolve(id);
  return loadEngine(context).buildJobReview(spec, { tokenProvider, secrets: windowSecrets(context.secrets), credentials, signal });
}

/** The spec with a new table's columns as edited in the review; an edit message that does not check out is refused with why. */
export function withSchemaEdits(spec: JobSpec, message: unknown): { spec: JobSpec } | { error: string } {
  if (spec.destination.kind !== 'kustoTable') return { error: 'only a Kusto table destination has columns to edit' };
  const parsed = parseSchemaEdits(message);
  if ('error' in parsed) return parsed;
  return { spec: { ...spec, destination: { ...spec.destination, columns: parsed.columns } } };
}
