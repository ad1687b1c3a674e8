// Where the export read mode has Kusto write its Parquet, and why: a blob destination is the export
// target itself; otherwise the user's staging location when the job names one; otherwise the
// cluster's own export containers (`.show export containers`), as the Spark connector does by
// default, so a large read needs no storage of the user's. Also decides whether an earlier run's
// export can be reused by a rerun of the same job.
import type { ManagementOptions } from '../kusto/managementClient';
import { executeManagementRecords } from '../kusto/managementClient';
import { parseBlobUrl, type ResolvedBlobLocation, stripSas } from '../storage/blobLocation';
import type { FilesDestination, JobSpec, KustoQuerySource } from './jobSpec';
import type { ExportStorageKind, JournalRecord } from './journal';

export type { ExportStorageKind };

export interface ExportStorageChoice {
  kind: ExportStorageKind;
  reason: string;
}

export function chooseExportStorage(source: KustoQuerySource, destination: FilesDestination): ExportStorageChoice {
  if (destination.location.kind === 'blob') return { kind: 'destination', reason: 'the destination is a blob folder, so Kusto exports into it directly' };
  if (source.staging) {
    return {
      kind: 'staging',
      reason: source.keepExportedFiles ? 'the job names a staging location (source.staging); its exported files are kept' : 'the job names a staging location (source.staging); its exported files are deleted when the job succeeds',
    };
  }
  return {
    kind: 'cluster',
    reason:
      "no staging location is set, so the cluster's own export storage is used (as the Spark connector does by default); set one to keep the files in storage you control (network rules, retention)",
  };
}

/** Folder under the cluster's container: a name of ours, so the job's files are easy to tell apart. */
export const CLUSTER_EXPORT_FOLDER = 'kusto-data-mover';

/**
 * One of the containers `.show export containers` hands out, with its SAS (or key): the one named
 * `preferredUrl` when it is still listed (a resume writes where the first run wrote), else one
 * picked at random, as the service spreads exports over its accounts.
 */
export async function clusterExportContainer(management: ManagementOptions, preferredUrl?: string): Promise<ResolvedBlobLocation | undefined> {
  const rows = await executeManagementRecords(management, '.show export containers');
  const roots = rows.map((r) => String(r.StorageRoot ?? '')).filter((root) => root !== '');
  if (roots.length === 0) throw new Error("the cluster lists no export containers (.show export containers): set a staging location (source.staging) for the export read mode");
  const resolved = roots.map(resolveStorageRoot);
  if (preferredUrl !== undefined) return resolved.find((r) => r.location.url === preferredUrl);
  return resolved[Math.floor(Math.random() * resolved.length)];
}

/** A StorageRoot is `https://account/container?sas` or `https://account/container;key`. */
function resolveStorageRoot(root: string): ResolvedBlobLocation {
  const q = root.indexOf('?');
  const semicolon = root.indexOf(';');
  if (q < 0 && semicolon > 0) {
    const url = root.slice(0, semicolon).replace(/\/+$/, '');
    return { location: { kind: 'blob', url, authKind: 'accountKey' }, parsed: parseBlobUrl(url), authKind: 'accountKey', secret: root.slice(semicolon + 1) };
  }
  if (q < 0) throw new Error(`the cluster's export container ${stripSas(root)} came without a SAS`);
  const url = stripSas(root).replace(/\/+$/, '');
  return { location: { kind: 'blob', url, authKind: 'sas' }, parsed: parseBlobUrl(url), authKind: 'sas', secret: root.slice(q + 1) };
}

/**
 * The export state of an earlier, finished run that a rerun of the same job may reuse: its export
 * completed and listed its files, they were not deleted, and the source is unchanged (same query,
 * cluster, database and staging). The files are checked for presence before use.
 */
export function reusableExport(earlier: JournalRecord, spec: JobSpec): JournalRecord['export'] | undefined {
  const state = earlier.export;
  if (earlier.readMode !== 'export' || !state?.files?.length || state.cleanedUp || !state.storage || state.storage.kind === 'destination') return undefined;
  if (spec.source.kind !== 'kustoQuery' || spec.destination.kind !== 'files' || spec.destination.location.kind !== 'local' || spec.destination.format !== 'parquet') return undefined;
  if (JSON.stringify(earlier.spec.source) !== JSON.stringify(spec.source)) return undefined;
  return { storage: state.storage, operationId: state.operationId, folderUrl: state.folderUrl, files: state.files, successMarker: state.successMarker, reused: true };
}
