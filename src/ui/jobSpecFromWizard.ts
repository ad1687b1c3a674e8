// The wizard's form as a JobSpec: the UI's job (the form is the webview's protocol), so the engine
// knows JobSpecs only.
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { JOB_SPEC_VERSION, type JobSpec } from '../engine/jobSpec';
import type { WizardForm } from '../webviewProtocol/wizardProtocol';

/** Turns the wizard's first page into a JobSpec; the form has been validated already. */
export function jobSpecFromWizardForm(form: WizardForm, now = new Date()): JobSpec {
  const connection = { clusterUrl: form.clusterUrl.trim(), database: form.database.trim() };
  const id = `job-${now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomUUID().slice(0, 8)}`;
  const localPath = form.localPath.trim();
  if (form.direction === 'kustoToFiles') {
    const query = form.queryOrTable.trim().split('\n')[0];
    return {
      version: JOB_SPEC_VERSION,
      id,
      name: `${query.length > 40 ? `${query.slice(0, 39)}…` : query} → ${basename(localPath)}`,
      createdAt: now.toISOString(),
      source: { kind: 'kustoQuery', connection, query: form.queryOrTable.trim(), readMode: 'auto' },
      destination: { kind: 'files', location: { kind: 'local', path: localPath }, format: form.format, layout: 'sparkFolder' },
    };
  }
  return {
    version: JOB_SPEC_VERSION,
    id,
    name: `${basename(localPath)} → ${form.queryOrTable.trim()}`,
    createdAt: now.toISOString(),
    source: { kind: 'files', location: { kind: 'local', path: localPath }, format: 'auto', layout: 'auto' },
    destination: { kind: 'kustoTable', connection, table: form.queryOrTable.trim(), mode: 'queued', tableCreation: 'createIfNotExists' },
  };
}
