// The wizard's form as a JobSpec: the UI's job (the form is the webview's protocol), so the engine
// knows JobSpecs only.
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { type AuthRef, JOB_SPEC_VERSION, type JobSpec } from '../engine/jobSpec';
import type { WizardForm } from '../webviewProtocol/wizardProtocol';

/**
 * Turns the wizard's first page into a JobSpec; the form has been validated already. `auth` is the
 * sign-in of the saved connection to that cluster (none: the local emulator in open mode).
 */
export function jobSpecFromWizardForm(form: WizardForm, now = new Date(), auth: AuthRef = { kind: 'none' }): JobSpec {
  const connection = { clusterUrl: form.clusterUrl.trim(), database: form.database.trim(), auth };
  const id = `job-${now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomUUID().slice(0, 8)}`;
  if (form.direction === 'kustoToFiles') {
    const outputPath = form.outputPath.trim();
    const firstLine = form.query.trim().split('\n')[0];
    return {
      version: JOB_SPEC_VERSION,
      id,
      name: `${firstLine.length > 40 ? `${firstLine.slice(0, 39)}…` : firstLine} → ${basename(outputPath)}`,
      createdAt: now.toISOString(),
      source: { kind: 'kustoQuery', connection, query: form.query.trim(), readMode: 'auto' },
      destination: { kind: 'files', location: { kind: 'local', path: outputPath }, format: form.format, layout: 'sparkFolder' },
    };
  }
  const sourcePath = form.sourcePath.trim();
  return {
    version: JOB_SPEC_VERSION,
    id,
    name: `${basename(sourcePath)} → ${form.table.trim()}`,
    createdAt: now.toISOString(),
    source: { kind: 'files', location: { kind: 'local', path: sourcePath }, format: 'auto', layout: 'auto' },
    destination: { kind: 'kustoTable', connection, table: form.table.trim(), mode: 'queued', tableCreation: 'createIfNotExists' },
  };
}
