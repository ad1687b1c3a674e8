// The export read mode: Kusto writes Parquet into blob storage itself (`.export async`), we wait for
// it, mark the folder with `_SUCCESS`, optionally download the files into a local Spark folder,
// and hand out Spark read snippets. The storage is the blob destination, the user's staging, or the
// cluster's own export containers when neither is given (src/engine/exportStorage.ts). Each stage
// is journalled, so a resumed job polls the same operation and downloads only the files it does
// not have yet, and a rerun of the same job reuses a finished export whose files are still there.
import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, resolve } from 'node:path';
import { hiddenSiblingPath, OutputExistsError, pathExists } from '../formats/fileOutput';
import { type ExportedFile, exportCommand, exportedFiles, findExportOperation, startExport, waitForOperation } from '../kusto/exportToStorage';
import type { ManagementOptions } from '../kusto/managementClient';
import { DEFAULT_DOWNLOAD_CONCURRENCY, downloadBlobs } from '../storage/blobDownload';
import { containerClient, folderUrl, joinBlobPath, kustoStorageLiteral, parseBlobUrl, type ResolvedBlobLocation, resolveBlobLocation, stripSas } from '../storage/blobLocation';
import { type FolderEntry, OutputNotReplaceableError, checkReplaceable, finishPublishing, publishFolder, replaceRefusal, writeOutputMarker } from '../spark/outputFolder';
import { sparkReadSnippets, type SparkSnippets } from '../spark/snippets';
import { chooseExportStorage, clusterExportContainer, CLUSTER_EXPORT_FOLDER, type ExportStorageChoice } from './exportStorage';
import type { BlobLocation, FilesDestination, KustoQuerySource } from './jobSpec';
import type { ExportedFileRecord } from './journal';
import { isTransientError, withRetries } from './retry';
import type { StepEnvironment } from './stepEnvironment';

export interface ExportOutcome {
  rows: number;
  bytes: number;
  /** Local files when downloaded, else blob URLs (no SAS). */
  files: string[];
  snippets: ExportSnippets;
  exportStorage: ExportStorageReport;
}

/** The blob-folder snippets are absent when that folder does not stay (cluster storage, staging cleaned up). */
export type ExportSnippets = Omit<SparkSnippets, 'pyspark' | 'scala'> & Partial<Pick<SparkSnippets, 'pyspark' | 'scala'>>;

/** Which storage the export went through, and why (plan, log and result say the same). */
export interface ExportStorageReport extends ExportStorageChoice {
  /** The export folder (no SAS). */
  url: string;
  /** Staging only: the exported blobs were deleted once the job succeeded. */
  cleanedUp?: boolean;
}

const TWO_DAYS_MS = 2 * 24 * 3600 * 1000;

export async function exportToFiles(env: StepEnvironment, source: KustoQuerySource, destination: FilesDestination): Promise<ExportOutcome> {
  const { spec, journal, tracker, log, signal } = env;
  if (destination.format !== 'parquet') throw new Error('the export read mode writes Parquet only: choose format "parquet" or read mode "stream"');
  const management: ManagementOptions = { clusterUrl: source.connection.clusterUrl, database: source.connection.database, tokenProvider: env.tokenProvider, signal };
  const retry = { policy: env.retryPolicy, signal, onRetry: ({ error, delayMs }: { error: unknown; delayMs: number }) => log.warn(`${(error as Error).message}; retrying in ${delayMs} ms`) };
  const choice = chooseExportStorage(source, destination);
  const toBlob = choice.kind === 'destination';
  const inCluster = choice.kind === 'cluster';
  let state = journal.record.export ?? {};
  let resolved: ResolvedBlobLocation;
  if (inCluster) {
    // A resume writes (and reads) where the first run did; the SAS is fetched afresh, never journalled.
    const preferred = state.storage?.kind === 'cluster' ? state.storage.containerUrl : undefined;
    let found = await withRetries(() => clusterExportContainer(management, preferred), retry);
    if (!found) {
      log.warn(`export: the cluster no longer lists the export container ${preferred ?? ''} of the earlier run; exporting again`);
      state = {};
      found = await withRetries(() => clusterExportContainer(management), retry);
    }
    resolved = found as ResolvedBlobLocation;
    env.redactor.addSecret(resolved.secret);
  } else resolved = await resolveBlobLocation(toBlob ? (destination.location as BlobLocation) : (source.staging as BlobLocation), env.secrets, env.credentials);
  const location = resolved.location;
  // Staging folders are per job, so what is in them is ours; a blob destination is the folder itself.
  const subPath = toBlob ? '' : inCluster ? joinBlobPath(CLUSTER_EXPORT_FOLDER, source.connection.database, spec.id) : joinBlobPath(source.connection.database, spec.id);
  const exportFolderUrl = folderUrl(resolved, subPath);
  const container = containerClient(resolved);
  const folderPrefix = joinBlobPath(resolved.parsed.prefix, subPath);
  if (!state.storage) {
    state = { ...state, storage: { kind: choice.kind, reason: choice.reason, containerUrl: inCluster ? location.url : undefined } };
    await journal.update({ export: state });
  }
  log.info(`export storage: ${describeStorage(choice.kind)} ${exportFolderUrl} (${choice.reason})`);

  if (state.reused && state.files) {
    // An earlier run's export, offered to this rerun: use it only if every file is still there.
    const missing = await firstMissingFile(container, state.files);
    if (missing) {
      log.info(`export: the earlier run's export is gone (${missing} is missing); exporting again`);
      state = { storage: state.storage };
    } else log.info(`export: reusing the export of the earlier run (operation ${state.operationId ?? 'unknown'}, ${state.files.length} files)`);
    state = { ...state, reused: undefined };
    await journal.update({ export: state });
  }
  let files: ExportedFileRecord[] | undefined = state.files;
  if (!files) {
    let operationId = state.operationId;
    if (!operationId) {
      tracker.setPhase('exporting', 'starting the export');
      const poll = { signal, timeoutMs: spec.options?.exportTimeoutMs ?? TWO_DAYS_MS, maxIntervalMs: spec.options?.exportPollMaxIntervalMs ?? 30_000 };
      // An earlier run died between starting an export and journalling its id: that export is ours.
      if (state.pendingPrefix && state.pendingSince) {
        operationId = await withRetries(() => findExportOperation(management, state.pendingPrefix as string, new Date(state.pendingSince as string), poll), retry);
        if (operationId) log.info(`export: operation ${operationId} was started by the earlier run`);
      }
      if (!operationId) {
        // Files of an export that is not ours (or never finished) must not mix with ours.
        // In the cluster's storage (the service's) nothing is cleared: each attempt's name prefix is
        // unique and only the files its operation lists are read.
        if (toBlob && !state.folderUrl) {
          if ((await countBlobsUnder(container, folderPrefix)) > 0) {
            if ((destination.ifExists ?? 'fail') === 'fail') throw new OutputExistsError(stripSas(location.url));
            // "replace" deletes only an earlier output (ours or Spark's), never someone's other blobs.
            const refusal = replaceRefusal(await blobEntriesUnder(container, folderPrefix));
            if (refusal) throw new OutputNotReplaceableError(stripSas(location.url), refusal);
            await deleteBlobsUnder(container, folderPrefix);
          }
        } else if (!inCluster) await deleteBlobsUnder(container, folderPrefix);
        state = { ...state, folderUrl: exportFolderUrl };
        await journal.update({ export: state, phase: 'exporting' });
        operationId = await withRetries(async () => {
          // A name prefix unique to this attempt tells its export apart from any other.
          const namePrefix = joinBlobPath(subPath, `part-${randomBytes(4).toString('hex')}`);
          const since = new Date();
          state = { ...state, pendingPrefix: namePrefix, pendingSince: since.toISOString() };
          await journal.update({ export: state });
          // An export has no result-size limit, so the query goes as written (no `set notruncation;`).
          const command = exportCommand(source.query.trim().replace(/;\s*$/, ''), kustoStorageLiteral(resolved), { namePrefix });
          log.info(`export: ${env.redactor.redact(command)}`);
          try {
            return await startExport(management, command);
          } catch (err) {
            if (!isTransientError(err)) throw err;
            // The reply may be lost after the service started the export: never start a second one blind.
            const found = await findExportOperation(management, namePrefix, since, poll);
            if (found) {
              log.warn(`export: the reply to .export was lost (${(err as Error).message}); found its operation ${found}`);
              return found;
            }
            throw err;
          }
        }, retry);
      }
      state = { ...state, operationId };
      await journal.update({ export: state });
    } else log.info(`export: waiting for operation ${operationId} started by the earlier run`);
    tracker.setPhase('exporting', `operation ${operationId}`);
    await waitForOperation(management, operationId, {
      signal,
      timeoutMs: spec.options?.exportTimeoutMs ?? TWO_DAYS_MS,
      maxIntervalMs: spec.options?.exportPollMaxIntervalMs ?? 30_000,
      onState: (s, polls) => log.debug(`export ${operationId}: ${s} (poll ${polls})`),
    });
    const listed: ExportedFile[] = await withRetries(() => exportedFiles(management, operationId as string), retry);
    files = listed.map((f) => ({ url: stripSas(f.path), rows: f.rows, bytes: f.bytes }));
    state = { ...state, files };
    await journal.update({ export: state });
  }
  const rows = files.reduce((sum, f) => sum + f.rows, 0);
  const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
  tracker.rows = rows;
  tracker.filesTotal = files.length;
  log.info(`export: ${files.length} files, ${rows} rows in ${exportFolderUrl}`);

  if (!state.successMarker && !inCluster) {
    // _SUCCESS stands over this one export's files only: anything else under the folder goes first.
    const ours = new Set(files.map((f) => parseBlobUrl(f.url).prefix));
    for await (const blob of container.listBlobsFlat({ prefix: folderPrefix ? `${folderPrefix}/` : undefined })) {
      if (!ours.has(blob.name)) await container.deleteBlob(blob.name);
    }
    await withRetries(() => container.getBlockBlobClient(joinBlobPath(folderPrefix, '_SUCCESS')).upload('', 0, { abortSignal: signal }), retry);
    state = { ...state, successMarker: true };
    await journal.update({ export: state });
  }

  let outputFiles = files.map((f) => f.url);
  let localFolder: string | undefined;
  if (!toBlob && destination.location.kind === 'local') {
    localFolder = resolve(destination.location.path);
    outputFiles = await downloadInto(env, localFolder, files, container, destination);
  }
  // The user's staging is transient: once the rows are in place its blobs go, unless the job keeps them.
  let cleanedUp: boolean | undefined;
  if (choice.kind === 'staging') {
    cleanedUp = false;
    if (!source.keepExportedFiles) {
      try {
        await withRetries(() => deleteBlobsUnder(container, folderPrefix), retry);
        cleanedUp = true;
        log.info(`export: deleted the exported files in ${exportFolderUrl}`);
      } catch (err) {
        signal.throwIfAborted();
        // The rows landed; files left behind are said, not a reason to fail the job.
        log.warn(`export: the exported files in ${exportFolderUrl} could not be deleted (${(err as Error).message}); delete them yourself`);
      }
      await journal.update({ export: { ...journal.record.export, cleanedUp } });
    } else log.info(`export: the exported files are kept in ${exportFolderUrl} (keepExportedFiles)`);
  } else if (inCluster) log.info("export: the files in the cluster's export storage are left to the service's retention");
  const snippets: ExportSnippets = sparkReadSnippets({
    accountName: resolved.parsed.accountName,
    container: resolved.parsed.container,
    path: folderPrefix,
    // A sign-in credential has no secret to put in a snippet: it reads like a SAS placeholder (the user grants access).
    authKind: resolved.authKind === 'credential' ? 'sas' : resolved.authKind,
    localFolder,
    clusterUrl: source.connection.clusterUrl,
    database: source.connection.database,
    query: source.query,
  });
  // Snippets that read the blob folder only where it stays, in storage of the user's.
  const folderStays = toBlob || (choice.kind === 'staging' && !cleanedUp);
  if (!folderStays) {
    delete snippets.pyspark;
    delete snippets.scala;
  }
  return { rows, bytes, files: outputFiles, snippets, exportStorage: { ...choice, url: exportFolderUrl, cleanedUp } };
}

function describeStorage(kind: ExportStorageChoice['kind']): string {
  return kind === 'cluster' ? "the cluster's export container" : kind === 'staging' ? 'the staging location' : 'the destination folder';
}

async function firstMissingFile(container: ReturnType<typeof containerClient>, files: ExportedFileRecord[]): Promise<string | undefined> {
  for (const file of files) {
    const name = parseBlobUrl(file.url).prefix;
    if (!(await container.getBlobClient(name).exists())) return name;
  }
  return undefined;
}

async function downloadInto(env: StepEnvironment, finalFolder: string, files: ExportedFileRecord[], container: ReturnType<typeof containerClient>, destination: FilesDestination): Promise<string[]> {
  const { spec, journal, tracker, signal } = env;
  const ifExists = destination.ifExists ?? 'fail';
  const tempFolder = hiddenSiblingPath(finalFolder, 'tmp', spec.id);
  const items = files.map((f, i) => ({ blobName: parseBlobUrl(f.url).prefix, fileName: `part-${String(i).padStart(5, '0')}-${spec.id}-c000.snappy.parquet` }));
  const finalFiles = items.map((item) => resolve(finalFolder, basename(item.fileName)));
  // One id per download into this folder, in the folder's marker: a resume knows its own output.
  let outputId = journal.record.export?.outputId;
  if (!outputId) {
    outputId = randomUUID();
    await journal.update({ export: { ...journal.record.export, outputId } });
  }
  // Killed while committing: the folder is in place (our marker), or the swap is finished now.
  if (journal.record.phase === 'committing' && (await finishPublishing(finalFolder, spec.id, outputId, ifExists))) return finalFiles;
  if (ifExists === 'fail' && (await pathExists(finalFolder))) throw new OutputExistsError(finalFolder);
  if (ifExists === 'replace') await checkReplaceable(finalFolder);
  const done = new Set(journal.record.export?.downloaded ?? []);
  // Only files the journal lists as renamed into place are kept from an earlier run.
  if (await pathExists(tempFolder)) {
    for (const name of await fs.readdir(tempFolder)) if (!done.has(name)) await fs.rm(resolve(tempFolder, name), { recursive: true, force: true });
  } else done.clear();
  tracker.setPhase('downloading');
  tracker.files = done.size;
  await downloadBlobs(
    container,
    items.filter((item) => !done.has(item.fileName)),
    tempFolder,
    {
      concurrency: spec.options?.downloadConcurrency ?? DEFAULT_DOWNLOAD_CONCURRENCY,
      signal,
      onFile: async (item, size) => {
        done.add(item.fileName);
        tracker.files = done.size;
        tracker.addRows(0, size);
        await journal.update({ export: { ...journal.record.export, downloaded: [...done] } });
      },
    },
  ).catch(async (err: unknown) => {
    // A cancel leaves nothing visible; the temp folder is hidden and removed. So does a full or
    // read-only disk: the parts kept for a resume would only hold the space the user must free.
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (signal.aborted || code === 'ENOSPC' || code === 'EDQUOT' || code === 'EROFS') await fs.rm(tempFolder, { recursive: true, force: true });
    throw err;
  });
  await writeOutputMarker(tempFolder, { jobId: spec.id, outputId, rows: files.reduce((sum, f) => sum + f.rows, 0), bytes: files.reduce((sum, f) => sum + f.bytes, 0), files: items.map((item) => item.fileName) });
  await fs.writeFile(resolve(tempFolder, '_SUCCESS'), '');
  signal.throwIfAborted();
  tracker.setPhase('committing');
  await journal.update({ phase: 'committing' });
  await publishFolder(tempFolder, finalFolder, spec.id, ifExists);
  return finalFiles;
}

async function countBlobsUnder(container: ReturnType<typeof containerClient>, prefix: string): Promise<number> {
  let count = 0;
  for await (const _blob of container.listBlobsFlat({ prefix: prefix ? `${prefix}/` : undefined })) {
    count++;
    if (count > 0) break;
  }
  return count;
}

async function blobEntriesUnder(container: ReturnType<typeof containerClient>, prefix: string): Promise<FolderEntry[]> {
  const entries: FolderEntry[] = [];
  const start = prefix ? `${prefix}/` : '';
  for await (const blob of container.listBlobsFlat({ prefix: start || undefined })) entries.push({ path: blob.name.slice(start.length), directory: false });
  return entries;
}

async function deleteBlobsUnder(container: ReturnType<typeof containerClient>, prefix: string): Promise<void> {
  if (!prefix) return;
  for await (const blob of container.listBlobsFlat({ prefix: `${prefix}/` })) await container.deleteBlob(blob.name);
}
