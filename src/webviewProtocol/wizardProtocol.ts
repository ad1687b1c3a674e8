// The typed message channel between the wizard webview and the extension host. Both bundles
// import this file; the host validates every inbound message with `parseWizardMessage` because a
// webview is untrusted input.
import { type JobReview, parseSchemaEdits } from './reviewProtocol';

export type CopyDirection = 'kustoToFiles' | 'filesToKusto';
export type FileFormat = 'parquet' | 'csv' | 'json';
export type SourceFormat = 'auto' | 'parquet' | 'csv' | 'tsv' | 'json' | 'multijson';
export type CompressionChoice = 'default' | 'none' | 'snappy' | 'gzip';
export type ReadModeChoice = 'auto' | 'stream' | 'export';
export type IngestModeChoice = 'queued' | 'streaming' | 'transactional';
export type TableCreationChoice = 'createIfNotExists' | 'createMerge' | 'failIfNotExists';
export type IfExistsChoice = 'fail' | 'replace';

/**
 * The Options section: every JobSpec option that fits a direction. Text fields stay text (what the
 * user typed) until the host turns them into a JobSpec, so a half-typed number is never lost.
 */
export interface WizardOptions {
  /** Kusto → files. */
  compression: CompressionChoice;
  partitionBy: string[];
  /** Blank: no limit. */
  maxRowsPerFile: string;
  ifExists: IfExistsChoice;
  readMode: ReadModeChoice;
  /** Blank: the cluster's own export containers. */
  stagingUrl: string;
  /** Name of the secret (SAS or account key) for the staging container; never the secret itself. */
  stagingSecretRef: string;
  keepExportedFiles: boolean;
  /** Files → Kusto. */
  sourceFormat: SourceFormat;
  ingestMode: IngestModeChoice;
  tableCreation: TableCreationChoice;
  mappingReference: string;
  continuous: boolean;
  /** Seconds between two looks for new committed files (continuous). */
  pollIntervalSeconds: string;
}

export const defaultWizardOptions: WizardOptions = {
  compression: 'default',
  partitionBy: [],
  maxRowsPerFile: '',
  ifExists: 'fail',
  readMode: 'auto',
  stagingUrl: '',
  stagingSecretRef: '',
  keepExportedFiles: false,
  sourceFormat: 'auto',
  ingestMode: 'queued',
  tableCreation: 'createIfNotExists',
  mappingReference: '',
  continuous: false,
  pollIntervalSeconds: '10',
};

/**
 * What the wizard collects. The host turns it into a JobSpec. Each direction has fields of its
 * own, so a value typed for one (a query, an output folder) can never be read as the other's (a
 * target table, a source folder) when the direction changes.
 */
export interface WizardForm {
  direction: CopyDirection;
  /** The saved connection picked ('' or absent: the cluster URL as typed). */
  connectionId?: string;
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
  /** Left out: the engine's defaults (`defaultWizardOptions`). */
  options?: Partial<WizardOptions>;
  /**
   * Files → Kusto into a new table: its columns as edited in the review (renamed, retyped; a source
   * column left out is dropped). Becomes the spec's `destination.columns`.
   */
  tableColumns?: TableColumnChoice[];
}

/** A new table's column as the review edited it: the source column, its name and Kusto type in the table. */
export interface TableColumnChoice {
  source: string;
  name: string;
  type: string;
}

/** A saved connection as the page lists it: no secrets, nothing of its auth but the label. */
export interface ConnectionChoice {
  id: string;
  name: string;
  clusterUrl: string;
  defaultDatabase?: string;
  authLabel: string;
}

export interface WizardInitState {
  form: WizardForm;
  /** Shown in the header so users know which cluster a job will touch. */
  defaultClusterUrl: string;
  /** Fields set by the command that opened the wizard (a query from an editor, a folder from the Explorer): applied over the draft. */
  prefill?: WizardPrefill;
  connections: ConnectionChoice[];
}

/** Some fields of the form, set by a command ("Copy Query Results To…", "Ingest into Kusto…", "Edit in Wizard"). */
export type WizardPrefill = Partial<WizardForm>;

/** What the host found of a local source: a Spark folder is recognised and described. */
export interface SourceSummary {
  layout: 'single' | 'plain' | 'spark' | 'sparkStreaming';
  files: number;
  bytes: number;
  formats: string[];
  partitions: Array<{ column: string; values: string[] }>;
  /** Spark batch output: whether `_SUCCESS` is there (a job that did not finish leaves none). */
  successMarker: boolean;
  /** Structured Streaming: committed batches and the latest one. */
  batches?: number;
  latestBatchId?: number;
  warnings: string[];
}

/** The host's verdict on a form: field errors, what it found, and whether Run can start. */
export interface WizardValidation {
  seq: number;
  errors: Partial<Record<WizardField, string>>;
  canRun: boolean;
  /** Kusto → files: the query's columns (from `<query> | take 0`), for partition columns. */
  columns?: string[];
  /** Files → Kusto: the source as found on disk. */
  source?: SourceSummary;
  /** Kusto → files: the output exists (Run needs "replace" to write over it). */
  outputExists?: boolean;
  /** Files → Kusto: the target table exists. */
  tableExists?: boolean;
}

/** Fields that carry an inline message. */
export type WizardField = 'clusterUrl' | 'database' | 'query' | 'outputPath' | 'format' | 'sourcePath' | 'table' | 'maxRowsPerFile' | 'stagingUrl' | 'pollIntervalSeconds' | 'mappingReference' | 'partitionBy';

export type LookupKind = 'databases' | 'tables';
export type BrowseField = 'outputPath' | 'sourcePath' | 'sourceFile';
export type SparkLanguage = 'pyspark' | 'scala';

export type HostToWizardMessage =
  | { type: 'init'; state: WizardInitState }
  /** A command opened the wizard again while it was shown: these fields replace what the form holds. */
  | { type: 'prefill'; prefill: WizardPrefill }
  | { type: 'validation'; errors: Partial<Record<WizardField, string>>; validation?: WizardValidation }
  | { type: 'lookupResult'; what: LookupKind; clusterUrl: string; database: string; items: string[]; error?: string }
  | { type: 'browsed'; field: BrowseField; path: string }
  /** The Review of the form as it was at `seq`: the engine's account of what Run will do. */
  | { type: 'review'; seq: number; review?: JobReview; error?: string }
  | { type: 'notice'; summary: string; state: 'saved' | 'opened' | 'generated' | 'failed' }
  | { type: 'jobCreated'; jobId: string; summary: string }
  | { type: 'jobFinished'; jobId: string; state: 'succeeded' | 'failed' | 'canceled'; summary: string }
  /** The host did not start a job for this submission (refused, or the user said no): the form is editable again. */
  | { type: 'submitDeclined'; summary: string };

export type WizardToHostMessage =
  | { type: 'ready' }
  | { type: 'submit'; form: WizardForm }
  /** The page applied the last prefill (and saved it in its draft): the host stops holding it. */
  | { type: 'prefillApplied' }
  /** Debounced as the user types; `resolveHost`: the user left the cluster field, so its host name is looked up. */
  | { type: 'validate'; seq: number; form: WizardForm; resolveHost: boolean }
  | { type: 'lookup'; what: LookupKind; clusterUrl: string; database: string; connectionId: string }
  | { type: 'browse'; field: BrowseField }
  /** Debounced as the form changes (and checks out): build the Review of this form. */
  | { type: 'review'; seq: number; form: WizardForm }
  | { type: 'saveJobFile'; form: WizardForm }
  | { type: 'openJobFile' }
  | { type: 'generateSparkCode'; form: WizardForm; language: SparkLanguage }
  | { type: 'cancel' };

const directions: readonly CopyDirection[] = ['kustoToFiles', 'filesToKusto'];
const formats: readonly FileFormat[] = ['parquet', 'csv', 'json'];
const sourceFormats: readonly SourceFormat[] = ['auto', 'parquet', 'csv', 'tsv', 'json', 'multijson'];
const compressions: readonly CompressionChoice[] = ['default', 'none', 'snappy', 'gzip'];
const readModes: readonly ReadModeChoice[] = ['auto', 'stream', 'export'];
const ingestModes: readonly IngestModeChoice[] = ['queued', 'streaming', 'transactional'];
const tableCreations: readonly TableCreationChoice[] = ['createIfNotExists', 'createMerge', 'failIfNotExists'];
const ifExistsChoices: readonly IfExistsChoice[] = ['fail', 'replace'];
const lookupKinds: readonly LookupKind[] = ['databases', 'tables'];
const browseFields: readonly BrowseField[] = ['outputPath', 'sourcePath', 'sourceFile'];
const sparkLanguages: readonly SparkLanguage[] = ['pyspark', 'scala'];
const maxFieldLength = 100_000;
const maxListLength = 1_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(obj: Record<string, unknown>, key: string): string {
  const value = obj[key];
  if (typeof value !== 'string') throw new Error(`field "${key}" must be a string`);
  if (value.length > maxFieldLength) throw new Error(`field "${key}" is too long`);
  return value;
}

function optionalString(obj: Record<string, unknown>, key: string): string | undefined {
  return obj[key] === undefined ? undefined : stringField(obj, key);
}

function oneOf<T extends string>(obj: Record<string, unknown>, key: string, allowed: readonly T[]): T {
  const value = stringField(obj, key);
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`field "${key}" must be one of ${allowed.join(', ')}`);
  return value as T;
}

function booleanField(obj: Record<string, unknown>, key: string): boolean {
  const value = obj[key];
  if (typeof value !== 'boolean') throw new Error(`field "${key}" must be true or false`);
  return value;
}

function stringList(obj: Record<string, unknown>, key: string): string[] {
  const value = obj[key];
  if (!Array.isArray(value) || value.length > maxListLength) throw new Error(`field "${key}" must be a list of at most ${maxListLength} strings`);
  return value.map((item, i) => stringField({ [`${key}[${i}]`]: item }, `${key}[${i}]`));
}

/** Each option the page sent, checked; options it left out are left out (the defaults apply). */
function parseOptions(value: unknown): Partial<WizardOptions> {
  if (!isRecord(value)) throw new Error('options must be an object');
  const out: Partial<WizardOptions> = {};
  const has = (key: keyof WizardOptions) => value[key] !== undefined;
  if (has('compression')) out.compression = oneOf(value, 'compression', compressions);
  if (has('partitionBy')) out.partitionBy = stringList(value, 'partitionBy');
  if (has('maxRowsPerFile')) out.maxRowsPerFile = stringField(value, 'maxRowsPerFile');
  if (has('ifExists')) out.ifExists = oneOf(value, 'ifExists', ifExistsChoices);
  if (has('readMode')) out.readMode = oneOf(value, 'readMode', readModes);
  if (has('stagingUrl')) out.stagingUrl = stringField(value, 'stagingUrl');
  if (has('stagingSecretRef')) out.stagingSecretRef = stringField(value, 'stagingSecretRef');
  if (has('keepExportedFiles')) out.keepExportedFiles = booleanField(value, 'keepExportedFiles');
  if (has('sourceFormat')) out.sourceFormat = oneOf(value, 'sourceFormat', sourceFormats);
  if (has('ingestMode')) out.ingestMode = oneOf(value, 'ingestMode', ingestModes);
  if (has('tableCreation')) out.tableCreation = oneOf(value, 'tableCreation', tableCreations);
  if (has('mappingReference')) out.mappingReference = stringField(value, 'mappingReference');
  if (has('continuous')) out.continuous = booleanField(value, 'continuous');
  if (has('pollIntervalSeconds')) out.pollIntervalSeconds = stringField(value, 'pollIntervalSeconds');
  return out;
}

function parseTableColumns(value: unknown): TableColumnChoice[] {
  // The review's own rules (non-empty names, known Kusto types), shared with its host glue.
  const parsed = parseSchemaEdits(value);
  if ('error' in parsed) throw new Error(`tableColumns: ${parsed.error}`);
  return parsed.columns;
}

function parseForm(value: unknown): WizardForm {
  if (!isRecord(value)) throw new Error('form must be an object');
  const form: WizardForm = {
    direction: oneOf(value, 'direction', directions),
    clusterUrl: stringField(value, 'clusterUrl'),
    database: stringField(value, 'database'),
    query: stringField(value, 'query'),
    outputPath: stringField(value, 'outputPath'),
    format: oneOf(value, 'format', formats),
    sourcePath: stringField(value, 'sourcePath'),
    table: stringField(value, 'table'),
  };
  const connectionId = optionalString(value, 'connectionId');
  if (connectionId !== undefined) form.connectionId = connectionId;
  if (value.options !== undefined) form.options = parseOptions(value.options);
  if (value.tableColumns !== undefined) form.tableColumns = parseTableColumns(value.tableColumns);
  return form;
}

function seqField(obj: Record<string, unknown>): number {
  const value = obj.seq;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new Error('field "seq" must be a non-negative integer');
  return value;
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
    case 'openJobFile':
      return { type: 'openJobFile' };
    case 'submit':
      return { type: 'submit', form: parseForm(raw.form) };
    case 'saveJobFile':
      return { type: 'saveJobFile', form: parseForm(raw.form) };
    case 'validate':
      return { type: 'validate', seq: seqField(raw), form: parseForm(raw.form), resolveHost: booleanField(raw, 'resolveHost') };
    case 'lookup':
      return {
        type: 'lookup',
        what: oneOf(raw, 'what', lookupKinds),
        clusterUrl: stringField(raw, 'clusterUrl'),
        database: stringField(raw, 'database'),
        connectionId: stringField(raw, 'connectionId'),
      };
    case 'review':
      return { type: 'review', seq: seqField(raw), form: parseForm(raw.form) };
    case 'browse':
      return { type: 'browse', field: oneOf(raw, 'field', browseFields) };
    case 'generateSparkCode':
      return { type: 'generateSparkCode', form: parseForm(raw.form), language: oneOf(raw, 'language', sparkLanguages) };
    default:
      // Echo a hostile message's type bounded and whatever it holds (a BigInt cannot be stringified).
      throw new Error(`unknown message type ${typeof raw.type === 'string' ? JSON.stringify(raw.type.length > 60 ? `${raw.type.slice(0, 60)}…` : raw.type) : `(a ${typeof raw.type})`}`);
  }
}

/** The form's options with the defaults filled in. */
export function optionsOf(form: WizardForm): WizardOptions {
  return { ...defaultWizardOptions, ...form.options };
}

/** The fields a direction reads; the others keep what the user typed but are not used. */
export const directionFields: Record<CopyDirection, ReadonlyArray<keyof WizardForm>> = {
  kustoToFiles: ['clusterUrl', 'database', 'query', 'outputPath', 'format'],
  filesToKusto: ['clusterUrl', 'database', 'sourcePath', 'table'],
};

// Kusto's entity names: letters, digits, underscore, space, dot and dash, at most 1,024 characters.
const entityName = /^[\p{L}\p{N}_ .-]{1,1024}$/u;

function positiveInteger(text: string): boolean {
  return /^\d+$/.test(text.trim()) && Number(text.trim()) > 0 && Number.isSafeInteger(Number(text.trim()));
}

/** Field-level checks shared by the webview (as the user types) and the host (authoritative). */
export function validateWizardForm(form: WizardForm): Partial<Record<WizardField, string>> {
  const errors: Partial<Record<WizardField, string>> = {};
  const options = optionsOf(form);
  try {
    const url = new URL(form.clusterUrl.trim());
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
    if (options.maxRowsPerFile.trim() && !positiveInteger(options.maxRowsPerFile)) errors.maxRowsPerFile = 'Enter a whole number of rows above 0, or leave it blank for no limit.';
    if (options.stagingUrl.trim()) {
      try {
        const url = new URL(options.stagingUrl.trim());
        if (url.protocol !== 'https:' && url.protocol !== 'http:') errors.stagingUrl = 'Enter the container URL, such as https://account.blob.core.windows.net/container.';
        else if (url.search) errors.stagingUrl = 'Leave the SAS out of the URL: name the secret that holds it below.';
      } catch {
        errors.stagingUrl = 'Enter the container URL, such as https://account.blob.core.windows.net/container.';
      }
    }
    if (options.compression === 'snappy' && form.format !== 'parquet') errors.format = 'Snappy compression is for Parquet: choose gzip or none for CSV and JSON.';
  } else {
    const table = form.table.trim();
    if (!table) errors.table = 'Enter the target table name.';
    else if (!entityName.test(table)) errors.table = 'A table name has only letters, digits, spaces, "_", "." and "-" (at most 1,024 characters).';
    if (!form.sourcePath.trim()) errors.sourcePath = 'Choose the file or folder to ingest.';
    if (options.continuous && !positiveInteger(options.pollIntervalSeconds)) errors.pollIntervalSeconds = 'Enter the seconds between two looks for new files (a whole number above 0).';
    if (options.mappingReference.trim() && !entityName.test(options.mappingReference.trim())) errors.mappingReference = 'A mapping name has only letters, digits, spaces, "_", "." and "-".';
  }
  return errors;
}
