// The typed message channel between the wizard webview and the extension host. Both bundles
// import this file; the host validates every inbound message with `parseWizardMessage` because a
// webview is untrusted input.

export type CopyDirection = 'kustoToFiles' | 'filesToKusto';
export type FileFormat = 'parquet' | 'csv' | 'json';

/** What the first wizard page collects. The host turns it into a JobSpec. */
export interface WizardForm {
  direction: CopyDirection;
  clusterUrl: string;
  database: string;
  /** KQL query (kustoToFiles) or target table (filesToKusto). */
  queryOrTable: string;
  /** Local folder or file path. */
  localPath: string;
  format: FileFormat;
}

export interface WizardInitState {
  form: WizardForm;
  /** Shown in the header so users know which cluster a job will touch. */
  defaultClusterUrl: string;
}

export type HostToWizardMessage =
  | { type: 'init'; state: WizardInitState }
  | { type: 'validation'; errors: Partial<Record<keyof WizardForm, string>> }
  | { type: 'jobCreated'; jobId: string; summary: string }
  | { type: 'jobFinished'; jobId: string; state: 'succeeded' | 'failed' | 'canceled'; summary: string };

export type WizardToHostMessage =
  | { type: 'ready' }
  | { type: 'submit'; form: WizardForm }
  | { type: 'cancel' };

const directions: readonly CopyDirection[] = ['kustoToFiles', 'filesToKusto'];
const formats: readonly FileFormat[] = ['parquet', 'csv', 'json'];
const maxFieldLength = 100_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(obj: Record<string, unknown>, key: string): string {
  const value = obj[key];
  if (typeof value !== 'string') throw new Error(`field "${key}" must be a string`);
  if (value.length > maxFieldLength) throw new Error(`field "${key}" is too long`);
  return value;
}

function oneOf<T extends string>(obj: Record<string, unknown>, key: string, allowed: readonly T[]): T {
  const value = stringField(obj, key);
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`field "${key}" must be one of ${allowed.join(', ')}`);
  return value as T;
}

function parseForm(value: unknown): WizardForm {
  if (!isRecord(value)) throw new Error('form must be an object');
  return {
    direction: oneOf(value, 'direction', directions),
    clusterUrl: stringField(value, 'clusterUrl'),
    database: stringField(value, 'database'),
    queryOrTable: stringField(value, 'queryOrTable'),
    localPath: stringField(value, 'localPath'),
    format: oneOf(value, 'format', formats),
  };
}

/** Validates a message received from the webview; throws with a reason when it is malformed. */
export function parseWizardMessage(raw: unknown): WizardToHostMessage {
  if (!isRecord(raw)) throw new Error('message must be an object');
  switch (raw.type) {
    case 'ready':
      return { type: 'ready' };
    case 'cancel':
      return { type: 'cancel' };
    case 'submit':
      return { type: 'submit', form: parseForm(raw.form) };
    default:
      throw new Error(`unknown message type ${JSON.stringify(raw.type)}`);
  }
}

/** Field-level checks shared by the webview (as the user types) and the host (authoritative). */
export function validateWizardForm(form: WizardForm): Partial<Record<keyof WizardForm, string>> {
  const errors: Partial<Record<keyof WizardForm, string>> = {};
  try {
    const url = new URL(form.clusterUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') errors.clusterUrl = 'Use an https:// cluster URL (http:// only for a local emulator).';
  } catch {
    errors.clusterUrl = 'Enter a cluster URL such as https://mycluster.westeurope.kusto.windows.net.';
  }
  if (!form.database.trim()) errors.database = 'Enter the database name.';
  if (!form.queryOrTable.trim()) {
    errors.queryOrTable = form.direction === 'kustoToFiles' ? 'Enter a KQL query or a table name.' : 'Enter the target table name.';
  } else if (form.direction === 'kustoToFiles' && form.queryOrTable.trim().startsWith('.')) {
    errors.queryOrTable = 'Management commands (starting with ".") cannot be copied; enter a query.';
  }
  if (!form.localPath.trim()) errors.localPath = form.direction === 'kustoToFiles' ? 'Choose the output folder.' : 'Choose the file or folder to ingest.';
  return errors;
}
