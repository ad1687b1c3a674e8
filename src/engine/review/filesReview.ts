// Review of a files → Kusto job: the source's columns as the sink infers them (the engine's schema
// readers, partition columns included), the review's edits applied, against the existing table's
// schema (`.show table T schema as json`) — each conversion, a column that will not land, a column
// create-merge adds — plus the first rows, the size, and the commands the sink sends.
import type { FilesSource, JobSpec, KustoTableDestination } from '../jobSpec';
import type { ColumnSchema } from '../rows';
import { applyColumnEdits, type EditedColumns } from '../sink/columnEdits';
import { inferSourceSchema, type SourceSchema } from '../sink/sourceSchema';
import { tempTableName } from '../sink/runFilesToKusto';
import { streamingMappingCommand } from '../sink/streamingSender';
import { cslSchema, showTableColumns } from '../../kusto/ingest/tableSetup';
import { buildFileMapping } from '../../kusto/ingest/ingestionMapping';
import { withPrivilegeContext } from '../../kusto/ingest/privilegeErrors';
import { kqlName, kqlString } from '../../kusto/managementClient';
import { listSourceFiles, type SourceListing } from '../../spark/sparkFolderReader';
import { listBlobSourceFiles, openBlobSource } from '../../spark/sparkFolderReaderBlob';
import type { JobReview, ReviewColumn, ReviewEnvironment } from './reviewTypes';
import { previewFiles, textFileRows } from './filePreview';
import { reviewPreflight } from './reviewShared';

/** What a column is in the files: the Parquet type, or the text it is typed from. */
function sourceTypeOf(column: ColumnSchema, schema: SourceSchema, listing: SourceListing): { sourceType: string; risk?: string } {
  if (schema.partitionColumns.some((p) => p.name === column.name)) {
    const risk = schema.conversions.find((c) => c.column === column.name)?.risk;
    return { sourceType: 'partition folder name', risk };
  }
  for (const file of listing.files) {
    const fileSchema = schema.perFile.get(file.relativePath);
    const conversion = fileSchema?.conversions?.find((c) => c.column.toLowerCase() === column.name.toLowerCase());
    if (conversion) return { sourceType: `Parquet ${conversion.from}`, risk: schema.conversions.find((c) => c.column === conversion.column && c.risk)?.risk };
    if (fileSchema?.columns.some((c) => c.name.toLowerCase() === column.name.toLowerCase())) {
      return { sourceType: fileSchema.format === 'json' || fileSchema.format === 'multijson' ? 'JSON value' : `${fileSchema.format.toUpperCase()} text` };
    }
  }
  return { sourceType: 'unknown' };
}

const lower = (name: string): string => name.toLowerCase();

function reviewColumns(schema: SourceSchema, listing: SourceListing, edited: EditedColumns, existing: ColumnSchema[] | undefined, destination: KustoTableDestination): ReviewColumn[] {
  const creation = destination.tableCreation ?? 'createIfNotExists';
  return schema.columns.map((column) => {
    const { sourceType, risk } = sourceTypeOf(column, schema, listing);
    const target = edited.targetOf(column.name);
    const base = { source: column.name, sourceType };
    if (target === undefined) return { ...base, target: '', targetType: '', conversion: 'left out', risk: 'info', note: 'dropped in the review (destination.columns): not ingested' };
    const wantedType = edited.columns.find((c) => c.name === target)?.type ?? column.type;
    const conversionRisk = risk ? { risk: 'warn' as const, note: risk } : {};
    const retyped = wantedType !== column.type ? { risk: 'warn' as const, note: `retyped from ${column.type} in the review: Kusto converts each value as it ingests; a value that does not convert becomes null` } : {};
    if (!existing) return { ...base, target, targetType: wantedType, conversion: `${sourceType} → ${wantedType}`, ...conversionRisk, ...retyped };
    const match = existing.find((c) => c.name === target) ?? existing.find((c) => lower(c.name) === lower(target));
    if (!match) {
      if (creation === 'createMerge') return { ...base, target, targetType: wantedType, conversion: `${sourceType} → ${wantedType} (new column)`, risk: 'info', note: `a new column: create-merge adds it to table ${destination.table}` };
      return { ...base, target: '', targetType: '', conversion: 'will not land', risk: 'error', note: `table ${destination.table} has no column ${JSON.stringify(target)}: its values are not ingested (choose "create-merge" to add the column)` };
    }
    if (match.type !== column.type && match.type !== wantedType) {
      return { ...base, target: match.name, targetType: match.type, conversion: `${sourceType} → ${match.type}`, risk: 'warn', note: `the table's column is ${match.type} (the files give ${column.type}): Kusto converts each value; a value that does not convert becomes null` };
    }
    return { ...base, target: match.name, targetType: match.type, conversion: `${sourceType} → ${match.type}`, ...conversionRisk };
  });
}

/** The commands the sink sends, in its order (src/engine/sink/runFilesToKusto.ts, tableSetup.ts). */
function commandsFor(spec: JobSpec, listing: SourceListing, schema: SourceSchema, edited: EditedColumns, existing: ColumnSchema[] | undefined): string[] {
  const destination = spec.destination as KustoTableDestination;
  const { table } = destination;
  const mode = destination.mode ?? 'queued';
  const creation = destination.tableCreation ?? 'createIfNotExists';
  const commands: string[] = [];
  if (mode !== 'streaming') commands.push('.get ingestion resources', '.get kusto identity token');
  commands.push(`.show table ${kqlName(table)} schema as json`);
  let columns = existing ?? edited.columns;
  if (!existing && creation !== 'failIfNotExists') commands.push(`.create table ${kqlName(table)} (${cslSchema(edited.columns)})`);
  if (existing && creation === 'createMerge') {
    const missing = edited.columns.filter((w) => !existing.some((e) => lower(e.name) === lower(w.name)));
    if (missing.length > 0) commands.push(`.create-merge table ${kqlName(table)} (${cslSchema(missing)})`);
    columns = [...existing, ...missing];
  }
  let into = table;
  if (mode === 'transactional') {
    // The temp table's last part is a nonce of the run, chosen when the job starts.
    const temp = kqlName(tempTableName(table, spec.id, 'NONCE')).replace(/_NONCE'\]$/, "_<nonce>']");
    into = temp;
    commands.push(
      `.create-merge table ${temp} (${cslSchema(columns)}) with (folder = "KustoDataMover", docstring = ${kqlString(`temp table of job ${spec.id}; safe to drop`)})`,
      `.alter-merge table ${temp} policy retention softdelete = 1d recoverability = disabled`,
      `.alter table ${temp} policy auto_delete @'{"ExpiryDate":"<a day after the start>","DeleteIfNotEmpty":true}'`,
      `.move extents all from table ${temp} to table ${kqlName(table)}`,
    );
    // Each file's ingest-by tags are looked for on the target first (a rerun skips what landed).
    for (const file of listing.files) {
      for (const tag of [`kdm:${table}:<identity of ${file.relativePath}>`, `${spec.id}:<identity of ${file.relativePath}>`]) commands.push(`.show table ${kqlName(table)} extents where tags has ${kqlString(`ingest-by:${tag}`)}`);
    }
  }
  const streamingMappings = new Set<string>();
  for (const file of listing.files) {
    const fileSchema = schema.perFile.get(file.relativePath);
    const format = fileSchema?.format ?? file.format;
    const fileMapping = destination.mappingReference ? undefined : buildFileMapping(format, (fileSchema?.columns ?? []).map((c) => c.name), file.partitionValues, columns, edited.targetOf);
    const header = fileSchema?.hasHeader ? ', ignoreFirstRecord=true' : '';
    if (mode === 'streaming') {
      // Streaming takes a mapping by name only: one is created per distinct mapping, named by its content.
      let mappingName = destination.mappingReference;
      if (fileMapping) {
        const { name, command } = streamingMappingCommand(table, fileMapping.kind, fileMapping);
        if (!streamingMappings.has(name)) commands.push(command);
        streamingMappings.add(name);
        mappingName = name;
      }
      commands.push(`// streaming ingestion (POST /v1/rest/ingest; queued if the table's policy or the file's size refuses it): ${file.relativePath} into ${into}, format=${format}${header}${mappingName ? `, mappingName=${mappingName}` : ''}`);
      continue;
    }
    const mapping = fileMapping ? `ingestionMapping=${JSON.stringify(fileMapping.entries)}` : `ingestionMappingReference=${kqlString(destination.mappingReference ?? '')}`;
    commands.push(`// queued ingestion (a message on the ingestion queue, not a command): ${file.relativePath} into ${into}, format=${format}${header}, ${mapping}, tags=["ingest-by:kdm:${table}:<identity of the file>"], ingestIfNotExists`);
  }
  if (mode === 'transactional') commands.push(`.move extents all from table ${into} to table ${kqlName(table)}`, `.drop table ${into} ifexists`);
  // Text formats record no row count: the job reads the service's (Parquet footers count theirs).
  if (listing.files.some((f) => schema.perFile.get(f.relativePath)?.rows === undefined)) {
    commands.push(`.show table ${kqlName(table)} extents where tags contains "ingest-by:"`);
  }
  return commands;
}

async function estimateOf(listing: SourceListing, schema: SourceSchema): Promise<JobReview['estimate']> {
  const bytes = listing.files.reduce((sum, f) => sum + f.size, 0);
  let rows = 0;
  let exact = true;
  let unknown = false;
  for (const file of listing.files) {
    const fileSchema = schema.perFile.get(file.relativePath);
    if (fileSchema?.rows !== undefined) rows += fileSchema.rows;
    else if (fileSchema) {
      const counted = await textFileRows(listing, file, fileSchema);
      if (counted.rows === undefined) unknown = true;
      else rows += counted.rows;
      exact &&= counted.exact;
    }
  }
  const files = `${listing.files.length} file(s), ${bytes.toLocaleString('en-US')} bytes`;
  if (unknown) return { bytes, why: `${files}; the rows of gzip text files are not known before they are read` };
  return { rows, bytes, why: `${files}; rows ${exact ? 'from the Parquet footers and the files\' lines' : 'estimated from a sample of each text file (rows per byte)'}` };
}

export async function reviewFilesToKusto(spec: JobSpec, env: ReviewEnvironment): Promise<JobReview> {
  const source = spec.source as FilesSource;
  const destination = spec.destination as KustoTableDestination;
  const signal = env.signal;
  const preflight = reviewPreflight(spec, env);
  const warnings: string[] = [];
  const failed = async (message: string): Promise<JobReview> => ({ columns: [], preview: { error: message }, estimate: { why: message }, commands: [], preflight: await preflight, warnings: [message] });
  let listing: SourceListing;
  let schema: SourceSchema;
  let edited: EditedColumns;
  try {
    listing = source.location.kind === 'blob' ? await listBlobSourceFiles(source, await openBlobSource(source, env.secrets, env.credentials), { signal }) : await listSourceFiles(source, { signal });
    if (listing.files.length === 0) return await failed(`no files to ingest in ${listing.root}`);
    schema = await inferSourceSchema(listing, { csvHeader: source.csvHeader, checkNames: !destination.mappingReference, partitionTypes: source.partitionTypes });
    edited = applyColumnEdits(schema.columns, destination.columns);
  } catch (err) {
    signal?.throwIfAborted();
    return failed((err as Error).message);
  }
  warnings.push(...listing.warnings, ...schema.warnings);
  const mgmt = { clusterUrl: destination.connection.clusterUrl, database: destination.connection.database, tokenProvider: env.tokenProvider, signal };
  let existing: ColumnSchema[] | undefined;
  try {
    existing = await withPrivilegeContext('readSchema', mgmt.database, destination.table, () => showTableColumns(mgmt, destination.table));
  } catch (err) {
    signal?.throwIfAborted();
    warnings.push(`the schema of table ${destination.table} could not be read (${(err as Error).message}); the columns are shown as for a new table`);
  }
  const creation = destination.tableCreation ?? 'createIfNotExists';
  if (!existing && creation === 'failIfNotExists') warnings.push(`table "${destination.table}" does not exist and the job is set to fail in that case`);
  if (existing) {
    const filled = new Set(schema.columns.map((c) => edited.targetOf(c.name)).filter((t): t is string => t !== undefined).map(lower));
    for (const column of existing) if (!filled.has(lower(column.name))) warnings.push(`column ${JSON.stringify(column.name)} of table ${destination.table} gets no value from the files (empty)`);
  }
  const columnNames = schema.columns.map((c) => c.name);
  const preview = await previewFiles(listing, schema.perFile, columnNames).then(
    (rows): JobReview['preview'] => ({ columns: columnNames, rows, from: 'files' }),
    (err: unknown): JobReview['preview'] => ({ error: `the first rows could not be read: ${(err as Error).message}` }),
  );
  const columns = reviewColumns(schema, listing, edited, existing, destination);
  const decimals = columns.filter((c) => /^Parquet .*DECIMAL/.test(c.sourceType)).map((c) => c.source);
  if (decimals.length > 0 && !('error' in preview)) warnings.push(`the preview shows the Parquet decimal column(s) ${decimals.join(', ')} as doubles; the table gets their exact value (up to Kusto decimal's digits)`);
  return {
    columns,
    preview,
    estimate: await estimateOf(listing, schema),
    commands: commandsFor(spec, listing, schema, edited, existing),
    preflight: await preflight,
    newTable: existing ? undefined : { name: destination.table, columns: edited.columns.map((c) => ({ ...c, source: schema.columns.find((s) => edited.targetOf(s.name) === c.name)?.name })) },
    warnings,
  };
}
