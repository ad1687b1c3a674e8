// Creates the queues, container and status table of the data-management side in Azurite, and the
// SAS URLs `.get ingestion resources` hands out (valid for days: the SDK caches them for an hour).
import { randomBytes } from 'node:crypto';
import { BlobServiceClient, ContainerSASPermissions, generateBlobSASQueryParameters, SASProtocol, StorageSharedKeyCredential } from '@azure/storage-blob';
import { generateQueueSASQueryParameters, QueueSASPermissions, QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { AzureNamedKeyCredential, generateTableSas, TableClient } from '@azure/data-tables';
import { AZURITE_ACCOUNT, AZURITE_KEY, type Azurite } from '../../helpers/azurite';
import type { IngestionResources } from '../server/context';

// The queues are the instance's own (a random suffix): emulators sharing one Azurite would otherwise
// take each other's ingestion messages, and one that lacks the message's database fails it.
const READY_QUEUE = 'readyforaggregation';
const FAILED_QUEUE = 'failedingestions';
const SUCCESS_QUEUE = 'successfulingestions';
export const TEMP_CONTAINER = 'tempstorage';
export const STATUS_TABLE = 'ingestionsstatus';
export const EXPORT_CONTAINER = 'exportstorage';

export interface ProvisionedStorage {
  urls: IngestionResources;
  readyQueue: QueueClient;
  failedQueue: QueueClient;
  successQueue: QueueClient;
  statusTable: TableClient;
  blobService: BlobServiceClient;
}

export async function provisionIngestionStorage(azurite: Pick<Azurite, 'blobUrl' | 'queueUrl' | 'tableUrl'>, statusProxyUrl: string): Promise<ProvisionedStorage> {
  const key = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  const expiresOn = new Date(Date.now() + 7 * 86_400_000);
  const queues = new QueueServiceClient(azurite.queueUrl, key);
  const queueUrl = async (name: string) => {
    const client = queues.getQueueClient(name);
    await client.createIfNotExists();
    const sas = generateQueueSASQueryParameters({ queueName: name, permissions: QueueSASPermissions.parse('raup'), expiresOn, protocol: SASProtocol.HttpsAndHttp }, key);
    return { client, url: `${client.url}?${sas.toString()}` };
  };
  const instance = randomBytes(4).toString('hex');
  const ready = await queueUrl(`${READY_QUEUE}-${instance}`);
  const failed = await queueUrl(`${FAILED_QUEUE}-${instance}`);
  const success = await queueUrl(`${SUCCESS_QUEUE}-${instance}`);

  const blobService = new BlobServiceClient(azurite.blobUrl, key);
  const container = blobService.getContainerClient(TEMP_CONTAINER);
  await container.createIfNotExists();
  const containerSas = generateBlobSASQueryParameters({ containerName: TEMP_CONTAINER, permissions: ContainerSASPermissions.parse('racwdl'), expiresOn, protocol: SASProtocol.HttpsAndHttp }, key);
  const exportContainer = blobService.getContainerClient(EXPORT_CONTAINER);
  await exportContainer.createIfNotExists();
  const exportSas = generateBlobSASQueryParameters({ containerName: EXPORT_CONTAINER, permissions: ContainerSASPermissions.parse('racwdl'), expiresOn, protocol: SASProtocol.HttpsAndHttp }, key);

  const tableCredential = new AzureNamedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  const statusTable = new TableClient(azurite.tableUrl, STATUS_TABLE, tableCredential, { allowInsecureConnection: true });
  await statusTable.createTable();
  const tableSas = generateTableSas(STATUS_TABLE, tableCredential, { permissions: { add: true, query: true, update: true, delete: true }, expiresOn });

  return {
    urls: {
      readyQueue: ready.url,
      failedQueue: failed.url,
      successQueue: success.url,
      tempContainer: `${container.url}?${containerSas.toString()}`,
      statusTable: `${statusProxyUrl}/${STATUS_TABLE}?${tableSas}`,
      exportContainer: `${exportContainer.url}?${exportSas.toString()}`,
    },
    readyQueue: ready.client,
    failedQueue: failed.client,
    successQueue: success.client,
    statusTable,
    blobService,
  };
}
