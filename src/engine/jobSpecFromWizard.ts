import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import type { WizardForm } from '../webviewProtocol/wizardProtocol';
import { type AuthRef, JOB_SPEC_VERSION, type JobSpec } from './jobSpec';

/**
 * Turns the wizard's first page into a JobSpec; the form has been validated already. `auth` is the
 * sign-in of the saved connection to that cluster (none: the local emulator in open mode).
 */
export function jobSpecFromWizardForm(form: WizardForm, now = new Date(), auth: AuthRef = { kind: 'none' }): JobSpec {
  const connection = { clusterUrl: form.clusterUrl.trim(), database: form.database.trim(), auth };
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
