// The data-management resources of queued ingestion (`.get ingestion resources`): temp storage
// containers, ingestion queues and the status table, all as SAS URLs, plus the identity token
// (`.get kusto identity token`) each queue message carries. Fetched once per job.
import { executeManagementRecords, type ManagementOptions } from '../managementClient';

export interface IngestionResources {
  tempContainers: string[];
  queues: string[];
  statusTables: string[];
  authorizationContext: string;
}

export async function fetchIngestionResources(options: ManagementOptions): Promise<IngestionResources> {
  const rows = await executeManagementRecords(options, '.get ingestion resources');
  const of = (name: string): string[] => rows.filter((r) => r.ResourceTypeName === name).map((r) => String(r.StorageRoot));
  const resources = { tempContainers: of('TempStorage'), queues: of('SecuredReadyForAggregationQueue'), statusTables: of('IngestionsStatusTable') };
  if (resources.tempContainers.length === 0 || resources.queues.length === 0) throw new Error('the cluster returned no temp storage or ingestion queue in ".get ingestion resources"');
  const token = await executeManagementRecords(options, '.get kusto identity token');
  return { ...resources, authorizationContext: String(token[0]?.AuthorizationContext ?? '') };
}
