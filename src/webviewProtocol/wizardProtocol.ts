// The typed message channel between the wizard webview and the extension host. Both bundles
// import this file; the host validates every inbound message with `parseWizardMessage` because a
// webview is untrusted input.

export type CopyDirection = 'kustoToFiles' | 'filesToKusto';
export type FileFormat = 'parquet' | 'csv' | 'json';

/**
 * What the first wizard page collects. The host turns it into a JobSpec. Each direction has fields
 * of its own, so a value typed for one (a query, an output folder) can never be read as the other's
 * (a target table, a source folder) when the direction changes.
 */
export interface WizardForm {
  direction: CopyDirection;
  clusterUrl: string;
  database: string;
  /** Kusto → files: a KQL query or a table name. */
  query: string;
  /** Kusto → files: the local output folder. */
  outputPath: string;
  /** Kusto → files: the output format. */
  format: FileFormat;
  /** Files → Kusto: the local file or folder to ingest. */
  sourcePath: string;
  /** Files → Kusto: the target table. */
  table: string;
}

export interface WizardInitState {
  form: WizardForm;
  /** Shown in the header so users know which cluster a job will touch. */
  defaultClusterUrl: string;
  /** Fields set by the command that opened the wizard (a query from an editor, a folder from the Explorer): applied over the draft. */
  prefill?: WizardPrefill;
}

/** Some fields of the form, set by a command ("Copy Query Results To…", "Ingest into Kusto…"). */
export type WizardPrefill = Partial<WizardForm>;

export type HostToWizardMessage =
  | { type: 'init'; state: WizardInitState }
  /** A command opened the wizard again while it was shown: these fields replace what the form holds. */
  | { type: 'prefill'; prefill: WizardPrefill }
  | { type: 'validation'; errors: Partial<Record<keyof WizardForm, string>> }
  | { type: 'jobCreated'; jobId: string; summary: string }
  | { type: 'jobFinished'; jobId: string; state: 'succeeded' | 'failed' | 'canceled'; summary: string }
  /** The host did not start a job for this submission (refused, or the user said no): the form is editable again. */
  | { type: 'submitDeclined'; summary: string };

export type WizardToHostMessage =
  | { type: 'ready' }
  | { type: 'submit'; form: WizardForm }
  /** The page applied the last prefill (and saved it in its draft): the host stops holding it. */
  | { type: 'prefillApplied' }
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
    query: stringField(value, 'query'),
    outputPath: stringField(value, 'outputPath'),
    format: oneOf(value, 'format', formats),
    sourcePath: stringField(value, 'sourcePath'),
    table: stringField(value, 'table'),
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
    case 'prefillApplied':
      return { type: 'prefillApplied' };
    case 'submit':
      return { type: 'submit', form: parseForm(raw.form) };
    default:
      throw new Error(`unknown message type ${JSON.stringify(raw.type)}`);
  }
}

/** The fields a direction reads; the others keep what the user typed but are not used. */
export const directionFields: Record<CopyDirection, ReadonlyArray<keyof WizardForm>> = {
  kustoToFiles: ['clusterUrl', 'database', 'query', 'outputPath', 'format'],
  filesToKusto: ['clusterUrl', 'database', 'sourcePath', 'table'],
};

// Kusto's entity names: letters, digits, underscore, space, dot and dash, at most 1,024 characters.
const entityName = /^[\p{L}\p{N}_ .-]{1,1024}$/u;

/** Field-level checks shared by the webview (on Run) and the host (authoritative). */
export function validateWizardForm(form: WizardForm): Partial<Record<keyof WizardForm, string>> {
  const errors: Partial<Record<keyof WizardForm, string>> = {};
  try {
    const url = new URL(form.clusterUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') errors.clusterUrl = 'Use an https:// cluster URL (http:// only for a local emulator).';
  } catch {
    errors.clusterUrl = 'Enter a cluster URL such as https://mycluster.westeurope.kusto.windows.net.';
  }
  if (!form.database.trim()) errors.database = 'Enter the database name.';
  if (form.direction === 'kustoToFiles') {
    const query = form.query.trim();
    if (!query) errors.query = 'Enter a KQL query or a table name.';
    else if (query.startsWith('.')) errors.query = 'Management commands (starting with ".") cannot be copied; enter a query.';
    if (!form.outputPath.trim()) errors.outputPath = 'Choose the output folder.';
  } else {
    const table = form.table.trim();
    if (!table) errors.table = 'Enter the target table name.';
    else if (!entityName.test(table)) errors.table = 'A table name has only letters, digits, spaces, "_", "." and "-" (at most 1,024 characters).';
    if (!form.sourcePath.trim()) errors.sourcePath = 'Choose the file or folder to ingest.';
  }
  return errors;
}
