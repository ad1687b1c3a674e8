import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import { type Azurite, startAzurite } from '../helpers/azurite';

describe('Azurite harness', () => {
  let azurite: Azurite;
  before(async () => {
    azurite = await startAzurite();
  });
  after(async () => {
    await azurite?.stop();
  });

  test('a 5 MB blob uploads and downloads with the same SHA-256', async () => {
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const container = service.getContainerClient('harness');
    await container.create();
    const data = randomBytes(5 * 1024 * 1024);
    const blob = container.getBlockBlobClient('folder/data.bin');
    await blob.uploadData(data, { blockSize: 1024 * 1024 });
    const back = await blob.downloadToBuffer();
    assert.equal(back.length, 5 * 1024 * 1024);
    assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(data).digest('hex'));
  });

  test('queue and table endpoints answer', async () => {
    const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('harnessqueue');
    await queue.create();
    await queue.sendMessage('hello');
    const received = await queue.receiveMessages();
    assert.equal(received.receivedMessageItems[0]?.messageText, 'hello');

    const table = TableClient.fromConnectionString(azurite.connectionString, 'harnesstable', { allowInsecureConnection: true });
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', Status: 'Succeeded' });
    const entity = await table.getEntity<{ Status: string }>('p', 'r');
    assert.equal(entity.Status, 'Succeeded');
  });
});
