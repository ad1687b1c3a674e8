// A copy job is data: the wizard builds it, the CLI reads it, the journal stores it and the jobs
// view shows it. Version it so a journal written by an older release can still be read.

export const JOB_SPEC_VERSION = 1;

/** How the engine obtains a bearer token; the concrete credential is resolved outside the spec. */
export type AuthRef =
  | { kind: 'none' }
  /** A credential registered by the front end under this id (VS Code secrets, CLI env, tests). */
  | { kind: 'credential'; id: string };

export interface KustoConnectionRef {
  clusterUrl: string;
  database: string;
  auth?: AuthRef;
}

/** Blob or ADLS location: a container/folder URL plus how to authenticate to it. */
export interface BlobLocation {
  kind: 'blob';
  /** https://account.blob.core.windows.net/container/prefix (no SAS in it; see `sas`). */
  url: string;
  /**
   * Name of a secret holding a SAS token or an account key; never the secret itself. The front end
   * resolves it (the CLI reads `env:NAME` from the environment variable NAME).
   */
  secretRef?: string;
  authKind?: 'sas' | 'accountKey' | 'credential';
  /** authKind credential: the saved connection (an AuthRef id) whose sign-in opens the storage, with Azure Storage's scope. */
  credentialId?: string;
}

export interface LocalLocation {
  kind: 'local';
  path: string;
}

export type Location = LocalLocation | BlobLocation;

export type OutputFormat = 'parquet' | 'csv' | 'json';
export type InputFormat = 'auto' | 'parquet' | 'csv' | 'tsv' | 'json' | 'multijson';

export interface KustoQuerySource {
  kind: 'kustoQuery';
  connection: KustoConnectionRef;
  /** A KQL query or a bare table name; management commands are refused. */
  query: string;
  /** auto: estimate rows and choose; stream: query and stream; export: server-side .export. */
  readMode?: 'auto' | 'stream' | 'export';
  /**
   * Your own transient storage for the export path. Without it the export goes to the cluster's own
   * export containers (`.show export containers`), as the Spark connector does by default; bring
   * your own for network rules or retention you control.
   */
  staging?: BlobLocation;
  /** Keep the exported files in `staging` once the job succeeds (default false: they are deleted). */
  keepExportedFiles?: boolean;
  /** Row count above which auto mode exports (Parquet output only; default 1,000,000). */
  exportThresholdRows?: number;
  /** Stream with `set notruncation;` (default true: a copy wants the whole result). */
  noTruncation?: boolean;
}

export interface FilesSource {
  kind: 'files';
  location: Location;
  /** Glob relative to the location, e.g. "**\/*.parquet". */
  pattern?: string;
  format?: InputFormat;
  /** auto detects Spark output (part files, _SUCCESS, partitions, _spark_metadata). */
  layout?: 'auto' | 'plain' | 'spark' | 'sparkStreaming';
  /** CSV/TSV: whether the first row is a header (default: detected from the sample). */
  csvHeader?: boolean;
  /** Partition folder values: typed as Spark infers them (default), or kept as text ("string"). */
  partitionTypes?: 'infer' | 'string';
}

export interface FilesDestination {
  kind: 'files';
  location: Location;
  format: OutputFormat;
  compression?: 'none' | 'snappy' | 'gzip' | 'zstd';
  /** singleFile: one file at `location.path`; sparkFolder: part files + _SUCCESS in a folder. */
  layout?: 'singleFile' | 'sparkFolder';
  partitionBy?: string[];
  maxRowsPerFile?: number;
  /** fail: refuse to overwrite existing output; replace: swap it atomically at the end. */
  ifExists?: 'fail' | 'replace';
}

/** One column of a new table: which source column fills it, and its name and Kusto type there. */
export interface TableColumnEdit {
  source: string;
  name: string;
  /** A Kusto scalar type: bool, int, long, real, decimal, string, datetime, timespan, guid, dynamic. */
  type: string;
}

export interface KustoTableDestination {
  kind: 'kustoTable';
  connection: KustoConnectionRef;
  table: string;
  mode?: 'queued' | 'streaming' | 'transactional';
  tableCreation?: 'failIfNotExists' | 'createIfNotExists' | 'createMerge';
  mappingReference?: string;
  /**
   * The table's columns as the user edited them (the wizard's review): each source column (a
   * file's column or a partition column) that lands, under its name and Kusto type in the table.
   * A source column left out is not ingested (dropped). Used to create the table (and by
   * create-merge to add columns) and to map the files' columns onto the table's by these names.
   * Not with mappingReference (a named mapping decides the mapping).
   */
  columns?: TableColumnEdit[];
  /** Keep watching the source for newly committed files. */
  continuous?: { pollIntervalMs?: number };
  /**
   * CSV/JSON values that do not parse as their column's type land as null; they are counted and
   * warned about ("warn", the default), or, in transactional mode, "fail" the job before the
   * commit, so that nothing lands.
   */
  unparsedValues?: 'warn' | 'fail';
  statusPollIntervalMs?: number;
  statusTimeoutMs?: number;
}

/** Engine tuning; every field optional, defaults suit real clusters (tests use small delays). */
export interface JobOptions {
  retry?: {
    maxAttempts?: number;
    initialDelayMs?: number;
    maxDelayMs?: number;
  };
  /** Least time between two progress events (default 250 ms). */
  progressIntervalMs?: number;
  /** Limit of each estimate query in auto read mode (default 3,000 ms). */
  estimateTimeoutMs?: number;
  /** How long the export may run before the job gives up (default 2 days, as the Spark connector). */
  exportTimeoutMs?: number;
  /** Longest wait between two `.show operations` polls (default 30,000 ms). */
  exportPollMaxIntervalMs?: number;
  /** Exported files downloaded at once (default 8: DEFAULT_DOWNLOAD_CONCURRENCY). */
  downloadConcurrency?: number;
  /** Files → Kusto: local files uploaded to the cluster's ingestion storage at once (default 8: DEFAULT_UPLOAD_CONCURRENCY; text gzipped on the way counts twice). */
  uploadConcurrency?: number;
  /** Server-side timeout of the streamed query (default 1 hour). */
  queryTimeoutMs?: number;
  /**
   * Kusto → Parquet (no partitions, no rows-per-file limit): the response's rows are parsed from
   * their bytes straight into row groups, one per span of the response. parseWorkers: worker
   * threads that do so (at most one per core). Default 0: the job's own thread does, and one
   * worker compresses the pages.
   */
  parseWorkers?: number;
  /**
   * Files → Kusto: ingest every file even when its rows are already in the table (its ingest-by tag
   * is there, from this or another job). Off by default: a rerun skips what landed before.
   */
  reingest?: boolean;
  /** Allow plain http to a cluster or storage that is not on this machine (refused otherwise; a warning is logged). */
  allowInsecureHttp?: boolean;
  /** Bytes of response per span, i.e. per row group (default 16 MiB on the job's thread, 8 MiB with parseWorkers: about 200 k / 100 k rows of 8 columns). */
  spanBytes?: number;
}

export interface JobSpec {
  version: typeof JOB_SPEC_VERSION;
  id: string;
  name?: string;
  createdAt: string;
  source: KustoQuerySource | FilesSource;
  destination: FilesDestination | KustoTableDestination;
  options?: JobOptions;
}
