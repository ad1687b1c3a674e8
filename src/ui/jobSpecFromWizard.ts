// The wizard's form as a JobSpec, and a JobSpec back as a form (a job file opened, a job edited):
// the UI's job (the form is the webview's protocol), so the engine knows JobSpecs only.
import { basename } from 'node:path';
import { newJobId } from '../engine/jobFile';
import { type AuthRef, type FilesDestination, JOB_SPEC_VERSION, type JobSpec, type KustoQuerySource, type KustoTableDestination } from '../engine/jobSpec';
import { type WizardForm, type WizardOptions, type WizardPrefill, defaultWizardOptions, optionsOf } from '../webviewProtocol/wizardProtocol';

export { completeJobFile, newJobId } from '../engine/jobFile';

/**
 * Turns the wizard's form into a JobSpec; the form has been validated already. `auth` is the
 * sign-in of the saved connection to that cluster (none: the local emulator in open mode). Options
 * left at their defaults are left out, so the spec says only what the user chose.
 */
export function jobSpecFromWizardForm(form: WizardForm, now = new Date(), auth: AuthRef = { kind: 'none' }): JobSpec {
  const options = optionsOf(form);
  const connection = { clusterUrl: form.clusterUrl.trim(), database: form.database.trim(), auth };
  const id = newJobId(now);
  if (form.direction === 'kustoToFiles') {
    const outputPath = form.outputPath.trim();
    const firstLine = form.query.trim().split('\n')[0];
    const source: KustoQuerySource = { kind: 'kustoQuery', connection, query: form.query.trim(), readMode: options.readMode };
    if (options.stagingUrl.trim()) {
      source.staging = { kind: 'blob', url: options.stagingUrl.trim() };
      if (options.stagingSecretRef.trim()) {
        source.staging.secretRef = options.stagingSecretRef.trim();
        source.staging.authKind = 'sas';
      }
      if (options.keepExportedFiles) source.keepExportedFiles = true;
    }
    const destination: FilesDestination = { kind: 'files', location: { kind: 'local', path: outputPath }, format: form.format, layout: 'sparkFolder' };
    if (options.compression !== 'default') destination.compression = options.compression;
    if (options.partitionBy.length > 0) destination.partitionBy = [...options.partitionBy];
    if (options.maxRowsPerFile.trim()) destination.maxRowsPerFile = Number(options.maxRowsPerFile.trim());
    if (options.ifExists === 'replace') destination.ifExists = 'replace';
    return {
      version: JOB_SPEC_VERSION,
      id,
      name: `${firstLine.length > 40 ? `${firstLine.slice(0, 39)}…` : firstLine} → ${basename(outputPath)}`,
      createdAt: now.toISOString(),
      source,
      destination,
    };
  }
  const sourcePath = form.sourcePath.trim();
  const destination: KustoTableDestination = { kind: 'kustoTable', connection, table: form.table.trim(), mode: options.ingestMode, tableCreation: options.tableCreation };
  if (options.mappingReference.trim()) destination.mappingReference = options.mappingReference.trim();
  // A named mapping decides the columns; without one, the review's edits of a new table do.
  else if (form.tableColumns?.length) destination.columns = form.tableColumns.map((c) => ({ source: c.source, name: c.name.trim(), type: c.type }));
  if (options.continuous) destination.continuous = { pollIntervalMs: Number(options.pollIntervalSeconds.trim()) * 1000 };
  return {
    version: JOB_SPEC_VERSION,
    id,
    name: `${basename(sourcePath)} → ${form.table.trim()}`,
    createdAt: now.toISOString(),
    source: { kind: 'files', location: { kind: 'local', path: sourcePath }, format: options.sourceFormat, layout: 'auto' },
    destination,
  };
}

/** A job file: the spec without the fields a run fills in (id, createdAt), so it can run again and again. */
export function jobFileFromSpec(spec: JobSpec): Omit<JobSpec, 'id' | 'createdAt'> {
  const { id: _id, createdAt: _createdAt, ...file } = spec;
  return file;
}

/**
 * A JobSpec as the wizard's fields, to open a job file or edit a job. Only the local moves the
 * wizard builds come back whole; anything else throws with what the wizard cannot show.
 */
export function wizardPrefillFromSpec(spec: JobSpec): WizardPrefill {
  const options: Partial<WizardOptions> = {};
  if (spec.source.kind === 'kustoQuery' && spec.destination.kind === 'files') {
    const { source, destination } = spec;
    if (destination.location.kind !== 'local') throw new Error('the wizard writes to local folders; this job writes to blob storage');
    options.readMode = source.readMode ?? 'auto';
    options.stagingUrl = source.staging?.url ?? '';
    options.stagingSecretRef = source.staging?.secretRef ?? '';
    options.keepExportedFiles = source.keepExportedFiles ?? false;
    options.compression = destination.compression === 'zstd' ? defaultWizardOptions.compression : (destination.compression ?? 'default');
    options.partitionBy = [...(destination.partitionBy ?? [])];
    options.maxRowsPerFile = destination.maxRowsPerFile ? String(destination.maxRowsPerFile) : '';
    options.ifExists = destination.ifExists ?? 'fail';
    return {
      direction: 'kustoToFiles',
      clusterUrl: source.connection.clusterUrl,
      database: source.connection.database,
      query: source.query,
      outputPath: destination.location.path,
      format: destination.format,
      options,
    };
  }
  if (spec.source.kind === 'files' && spec.destination.kind === 'kustoTable') {
    const { source, destination } = spec;
    if (source.location.kind !== 'local') throw new Error('the wizard reads local files; this job reads blob storage');
    options.sourceFormat = source.format ?? 'auto';
    options.ingestMode = destination.mode ?? 'queued';
    options.tableCreation = destination.tableCreation ?? 'createIfNotExists';
    options.mappingReference = destination.mappingReference ?? '';
    options.continuous = destination.continuous !== undefined;
    options.pollIntervalSeconds = String(Math.max(1, Math.round((destination.continuous?.pollIntervalMs ?? 10_000) / 1000)));
    return {
      direction: 'filesToKusto',
      clusterUrl: destination.connection.clusterUrl,
      database: destination.connection.database,
      sourcePath: source.location.path,
      table: destination.table,
      options,
      ...(destination.columns ? { tableColumns: destination.columns.map((c) => ({ ...c })) } : {}),
    };
  }
  throw new Error(`the wizard has no form for moving ${spec.source.kind} to ${spec.destination.kind}`);
}
