// The dry run of a files → Kusto job: what would be ingested and how, before anything moves —
// the files found (and skipped, with why), the schema inferred, the table's fate (created, columns
// added, or used as it is), each conversion that can change a value, and columns that would not
// land. Front ends show it for confirmation; the CLI prints it for `--plan`.
import type { JobContext, TokenProvider } from '../jobContext';
import type { FilesSource, JobSpec, KustoTableDestination } from '../jobSpec';
import type { ColumnSchema } from '../rows';
import type { TypeConversion } from '../../formats/parquetSchemaReader';
import { showTableColumns } from '../../kusto/ingest/tableSetup';
import { withPrivilegeContext } from '../../kusto/ingest/privilegeErrors';
import { listSourceFiles, type SourceListing } from '../../spark/sparkFolderReader';
import { listBlobSourceFiles, openBlobSource } from '../../spark/sparkFolderReaderBlob';
import { inferSourceSchema } from './sourceSchema';
import { applyColumnEdits } from './columnEdits';

export interface FilesToKustoPlan {
  layout: SourceListing['layout'];
  files: Array<{ relativePath: string; size: number; format: string; compression: string; partitionValues: Record<string, string | null>; batchId?: number }>;
  bytes: number;
  sourceColumns: ColumnSchema[];
  table: { name: string; exists: boolean; action: 'create' | 'createMerge' | 'use' | 'fail'; columnsToAdd: ColumnSchema[]; columns?: ColumnSchema[] };
  /** Source columns with no column of that name in an existing table that will not get them. */
  columnsNotIngested: string[];
  /** Existing columns whose type differs from the source's (values are converted by Kusto, or become null). */
  typeMismatches: Array<{ column: string; source: string; table: string }>;
  conversions: TypeConversion[];
  warnings: string[];
}

export async function planFilesToKusto(spec: JobSpec, ctx: Pick<JobContext, 'signal' | 'secrets'> & { credentials?: JobContext['credentials'] }, deps: { tokenProvider?: TokenProvider } = {}): Promise<FilesToKustoPlan> {
  const source = spec.source as FilesSource;
  const destination = spec.destination as KustoTableDestination;
  const listing = source.location.kind === 'blob' ? await listBlobSourceFiles(source, await openBlobSource(source, ctx.secrets, ctx.credentials), { signal: ctx.signal }) : await listSourceFiles(source, { signal: ctx.signal });
  const schema = await inferSourceSchema(listing, { csvHeader: source.csvHeader, checkNames: !destination.mappingReference, partitionTypes: source.partitionTypes });
  const mgmt = { clusterUrl: destination.connection.clusterUrl, database: destination.connection.database, tokenProvider: deps.tokenProvider, signal: ctx.signal };
  const existing = await withPrivilegeContext('readSchema', mgmt.database, destination.table, () => showTableColumns(mgmt, destination.table));
  const creation = destination.tableCreation ?? 'createIfNotExists';
  const lower = (name: string): string => name.toLowerCase();
  // The table's columns as the job would have them: the review's edits (rename, retype, drop) applied.
  const wanted = applyColumnEdits(schema.columns, destination.columns).columns;
  const missing = existing ? wanted.filter((c) => !existing.some((e) => lower(e.name) === lower(c.name))) : [];
  const action = !existing ? (creation === 'failIfNotExists' ? 'fail' : 'create') : creation === 'createMerge' && missing.length > 0 ? 'createMerge' : 'use';
  const warnings = [...listing.warnings, ...schema.warnings];
  if (action === 'fail') warnings.push(`table "${destination.table}" does not exist and the job is set to fail in that case`);
  return {
    layout: listing.layout,
    files: listing.files.map((f) => ({ relativePath: f.relativePath, size: f.size, format: schema.perFile.get(f.relativePath)?.format ?? f.format, compression: f.compression, partitionValues: f.partitionValues, batchId: f.batchId })),
    bytes: listing.files.reduce((sum, f) => sum + f.size, 0),
    sourceColumns: schema.columns,
    table: { name: destination.table, exists: existing !== undefined, action, columnsToAdd: action === 'createMerge' ? missing : [], columns: existing },
    columnsNotIngested: existing && action === 'use' ? missing.map((c) => c.name) : [],
    typeMismatches: existing
      ? wanted.flatMap((c) => {
          const e = existing.find((x) => lower(x.name) === lower(c.name));
          return e && e.type !== c.type ? [{ column: e.name, source: c.type, table: e.type }] : [];
        })
      : [],
    conversions: schema.conversions,
    warnings,
  };
}
