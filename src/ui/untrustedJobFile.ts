// A job file can overwrite a folder, write into a table and send secrets to a cluster: opened in a
// workspace the user has not trusted (Restricted Mode), it runs only after the user says so.
import * as vscode from 'vscode';
import type { JobSpec } from '../engine/jobSpec';

export const RUN_UNTRUSTED = 'Run Job';

/** True when the job may run: the workspace is trusted, or the user confirmed this job. */
export async function confirmJobFromUntrustedWorkspace(spec: JobSpec): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const source = spec.source.kind === 'kustoQuery' ? `a query on ${spec.source.connection.clusterUrl}` : `files at ${spec.source.location.kind === 'local' ? spec.source.location.path : spec.source.location.url.split('?')[0]}`;
  const destination = spec.destination.kind === 'kustoTable'
    ? `table ${spec.destination.table} on ${spec.destination.connection.clusterUrl}`
    : spec.destination.location.kind === 'local' ? spec.destination.location.path : spec.destination.location.url.split('?')[0];
  const choice = await vscode.window.showWarningMessage(
    `This workspace is not trusted. Run the copy job "${spec.name ?? spec.id}" from it?`,
    { modal: true, detail: `It reads ${source} and writes ${destination}. Run it only if you know where this job file comes from.` },
    RUN_UNTRUSTED,
  );
  return choice === RUN_UNTRUSTED;
}
