import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { sparkReadSnippets } from '../../../src/spark/snippets';
import { kustoStorageLiteral, parseBlobUrl, resolveBlobLocation } from '../../../src/storage/blobLocation';

describe('blob locations', () => {
  test('parses account, container and folder from service and emulator-style URLs', () => {
    assert.deepEqual(parseBlobUrl('https://acct.blob.core.windows.net/exports/a/b/'), { serviceUrl: 'https://acct.blob.core.windows.net', accountName: 'acct', container: 'exports', prefix: 'a/b', pathStyle: false });
    assert.deepEqual(parseBlobUrl('http://127.0.0.1:10000/devstoreaccount1/staging?sv=1&sig=x'), { serviceUrl: 'http://127.0.0.1:10000/devstoreaccount1', accountName: 'devstoreaccount1', container: 'staging', prefix: '', pathStyle: true });
    assert.equal(parseBlobUrl('https://acct.dfs.core.windows.net/fs/dir').serviceUrl, 'https://acct.blob.core.windows.net');
    assert.throws(() => parseBlobUrl('https://acct.blob.core.windows.net/'), /is not a blob container URL/);
  });

  test('builds the export storage literal with a SAS or an account key, from a resolved secret', async () => {
    const sas = await resolveBlobLocation({ kind: 'blob', url: 'https://acct.blob.core.windows.net/c/dir', secretRef: 'env:S' }, { resolve: async () => '?sv=2023&sig=abc%2B' });
    assert.equal(sas.authKind, 'sas');
    assert.equal(kustoStorageLiteral(sas), 'h@"https://acct.blob.core.windows.net/c/dir?sv=2023&sig=abc%2B"');
    const key = await resolveBlobLocation({ kind: 'blob', url: 'https://acct.blob.core.windows.net/c', secretRef: 'k' }, { resolve: async () => 'S2V5PQ==' });
    assert.equal(key.authKind, 'accountKey');
    assert.equal(kustoStorageLiteral(key), 'h@"https://acct.blob.core.windows.net/c;S2V5PQ=="');
    await assert.rejects(resolveBlobLocation({ kind: 'blob', url: 'https://acct.blob.core.windows.net/c', secretRef: 'missing' }, { resolve: async () => undefined }), /the secret "missing" for https:\/\/acct.blob.core.windows.net\/c could not be resolved/);
  });
});

describe('Spark read snippets', () => {
  const input = { accountName: 'acct', container: 'exports', path: 'Db/job-1', authKind: 'sas' as const, localFolder: '/data/out', clusterUrl: 'https://help.kusto.windows.net', database: 'Samples', query: 'StormEvents | where State == "TEXAS"' };

  test('PySpark reads the abfss folder with a SAS from a secret placeholder', () => {
    const s = sparkReadSnippets(input);
    assert.match(s.pyspark, /dbutils\.secrets\.get\(scope="kusto-data-mover", key="staging-secret"\)/);
    assert.match(s.pyspark, /os\.environ\["KDM_STAGING_SECRET"\]/);
    assert.match(s.pyspark, /spark\.conf\.set\("fs\.azure\.sas\.fixed\.token\.acct\.dfs\.core\.windows\.net", secret\.lstrip\("\?"\)\)/);
    assert.match(s.pyspark, /path = "abfss:\/\/exports@acct\.dfs\.core\.windows\.net\/Db\/job-1"/);
    assert.match(s.pyspark, /wasbs:\/\/exports@acct\.blob\.core\.windows\.net\/Db\/job-1/);
    assert.match(s.scala, /val path = "abfss:\/\/exports@acct\.dfs\.core\.windows\.net\/Db\/job-1"/);
    assert.match(s.scala, /sys\.env\("KDM_STAGING_SECRET"\)/);
    assert.equal(s.pysparkLocal, 'spark.conf.set("spark.sql.session.timeZone", "UTC")\ndf = spark.read.parquet("file:///data/out")\ndf.printSchema()');
  });

  test('account-key snippets set the account key from the placeholder; the connector snippet carries the query', () => {
    const s = sparkReadSnippets({ ...input, authKind: 'accountKey' });
    assert.match(s.pyspark, /spark\.conf\.set\("fs\.azure\.account\.key\.acct\.dfs\.core\.windows\.net", secret\)/);
    assert.match(s.kustoConnectorPyspark, /\.option\("kustoQuery", """StormEvents \| where State == "TEXAS\\""""\)/);
    assert.match(s.kustoConnectorScala, /\.option\("kustoQuery", "StormEvents \| where State == \\"TEXAS\\""\)/);
    assert.match(s.kustoConnectorPyspark, /\.option\("readMode", "ForceDistributedMode"\)/);
  });

  test('every Python snippet is valid Python (parsed by python3), for SAS and account key', () => {
    for (const authKind of ['sas', 'accountKey'] as const) {
      const s = sparkReadSnippets({ ...input, authKind, query: 'T | extend q = "a""b\\c" | where s == "x"' });
      for (const code of [s.pyspark, s.pysparkLocal ?? '', s.kustoConnectorPyspark]) {
        const out = execFileSync('python3', ['-c', 'import ast,sys; ast.parse(sys.stdin.read()); print("ok")'], { input: code }).toString().trim();
        assert.equal(out, 'ok');
      }
    }
  });
});
