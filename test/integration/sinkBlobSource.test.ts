// Listing Spark output in blob storage (Azurite): the same rules as on disk — ignored names,
// partitions, _SUCCESS, the streaming commit log — with ranged reads for sniffing and footers,
// identities from Content-MD5, and read URLs Kusto can ingest from without our process moving bytes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BlobServiceClient } from '@azure/storage-blob';
import { AZURITE_KEY, type Azurite, startAzurite } from '../helpers/azurite';
import { listBlobSourceFiles, openBlobSource } from '../../src/spark/sparkFolderReaderBlob';
import type { FilesSource } from '../../src/engine/jobSpec';
import { readTextSample } from '../../src/formats/formatSniffReader';

let azurite: Azurite;
const secrets = { resolve: async (ref: string) => (ref === 'key' ? AZURITE_KEY : undefined) };

async function put(name: string, content: string): Promise<void> {
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('lake');
  await container.getBlockBlobClient(name).upload(content, Buffer.byteLength(content));
}

function source(path: string, extra: Partial<FilesSource> = {}): FilesSource {
  return { kind: 'files', location: { kind: 'blob', url: `${azurite.blobUrl}/lake/${path}`, secretRef: 'key', authKind: 'accountKey' }, ...extra };
}

before(async () => {
  azurite = await startAzurite();
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('lake').create();
  await put('out/_SUCCESS', '');
  await put('out/day=2024-01-31/part-00000-a.c000.csv', 'id,v\n1,x\n');
  await put('out/day=2024-01-31/.part-00000-a.c000.csv.crc', 'crc');
  await put('out/day=__HIVE_DEFAULT_PARTITION__/part-00001-b.c000.csv', 'id,v\n2,y\n');
  await put('out/_temporary/0/part-9.csv', 'id,v\n9,z\n');
  await put('stream/part-0.json', '{"n":1}\n');
  await put('stream/part-1-stray.json', '{"n":2}\n');
  await put('stream/_spark_metadata/0', `v1\n${JSON.stringify({ path: 'abfss://lake@acct.dfs.core.windows.net/stream/part-0.json', size: 8, isDir: false, modificationTime: 1, blockReplication: 1, blockSize: 1, action: 'add' })}\n`);
});

after(async () => {
  await azurite?.stop();
});

describe('blob sources', () => {
  test('a Spark folder in a container: ignored names skipped, partitions read, identities from Content-MD5', async () => {
    const access = await openBlobSource(source('out'), secrets, undefined);
    const listing = await listBlobSourceFiles(source('out'), access);
    assert.equal(listing.layout, 'spark');
    assert.deepEqual(listing.warnings, []);
    assert.deepEqual(listing.files.map((f) => [f.relativePath, f.format, f.size, f.partitionValues]), [
      ['day=2024-01-31/part-00000-a.c000.csv', 'csv', 9, { day: '2024-01-31' }],
      ['day=__HIVE_DEFAULT_PARTITION__/part-00001-b.c000.csv', 'csv', 9, { day: null }],
    ]);
    // base64 MD5 of "id,v\n1,x\n" (python3 -c "import hashlib,base64;print(base64.b64encode(hashlib.md5(b'id,v\\n1,x\\n').digest()))")
    assert.equal(listing.files[0].contentHash, 'md5:egm8s16AK/V1NxcN5XmzMw==');
    assert.equal(listing.files[0].url, `${azurite.blobUrl}/lake/out/day%3D2024-01-31/part-00000-a.c000.csv`);
    const sample = await readTextSample(listing.open(listing.files[1]));
    assert.equal(sample.text.toString('utf8'), 'id,v\n2,y\n');
    const readable = await access.readUrl(listing.files[0].url as string);
    assert.match(readable, /\?.*sig=/);
    const fetched = await fetch(readable);
    assert.equal(await fetched.text(), 'id,v\n1,x\n');
  });

  test('a streaming output in a container: only files of the commit log, matched by path below the prefix', async () => {
    const access = await openBlobSource(source('stream'), secrets, undefined);
    const listing = await listBlobSourceFiles(source('stream'), access);
    assert.equal(listing.layout, 'sparkStreaming');
    assert.deepEqual(listing.files.map((f) => [f.relativePath, f.batchId, f.format]), [['part-0.json', 0, 'json']]);
    assert.match(listing.warnings.join('\n'), /1 file\(s\) not committed/);
  });

  test('a glob below a prefix and a single blob', async () => {
    const access = await openBlobSource(source('out/*/part-00000-*.csv'), secrets, undefined);
    const listing = await listBlobSourceFiles(source('out/*/part-00000-*.csv'), access);
    assert.deepEqual(listing.files.map((f) => f.relativePath), ['day=2024-01-31/part-00000-a.c000.csv']);
    const one = source('stream/part-0.json');
    const single = await listBlobSourceFiles(one, await openBlobSource(one, secrets, undefined));
    assert.equal(single.layout, 'single');
    assert.deepEqual(single.files.map((f) => [f.relativePath, f.format, f.contentHash?.startsWith('md5:')]), [['part-0.json', 'json', true]]);
  });
});
