// Generated Azure Data Explorer Spark connector code: per auth kind the connector's option keys and
// values, read and write moves, secrets only as secret-scope placeholders, and PySpark that parses.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import type { Connection } from '../../../src/connections/connection';
import type { JobSpec } from '../../../src/engine/jobSpec';
import { type ConnectorOption, generateSparkCode, type SparkConnectionInput } from '../../../src/spark/connectorCode';

const CLUSTER = 'https://mycluster.westeurope.kusto.windows.net';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP = '11111111-2222-3333-4444-555555555555';
const PLANTED = 'PLANTED-secret-value-9f3a';

const readSpec: JobSpec = {
  version: 1,
  id: 'read-1',
  createdAt: '2026-01-01T00:00:00Z',
  source: { kind: 'kustoQuery', connection: { clusterUrl: CLUSTER, database: 'Samples', auth: { kind: 'credential', id: 'c1' } }, query: 'StormEvents\n| where State == "TEXAS";', readMode: 'export' },
  destination: { kind: 'files', location: { kind: 'local', path: '/data/texas' }, format: 'parquet', layout: 'sparkFolder', partitionBy: ['State'], ifExists: 'replace' },
};

const writeSpec: JobSpec = {
  version: 1,
  id: 'write-1',
  createdAt: '2026-01-01T00:00:00Z',
  source: { kind: 'files', location: { kind: 'blob', url: 'https://acct.blob.core.windows.net/landing/events', secretRef: 'env:SRC', authKind: 'sas' }, format: 'parquet' },
  destination: { kind: 'kustoTable', connection: { clusterUrl: CLUSTER, database: 'Samples' }, table: 'Events', mode: 'transactional', tableCreation: 'createIfNotExists' },
};

function connection(auth: SparkConnectionInput['auth']): SparkConnectionInput {
  // Secret-looking values planted beside the fields: none may reach the code.
  return { clusterUrl: CLUSTER, auth: { ...auth, clientSecret: PLANTED, userToken: PLANTED, vaultAppKey: PLANTED } as SparkConnectionInput['auth'] };
}

/** Options as [key, literal value or "secret:<scope>/<key>"]. */
function flat(options: ConnectorOption[]): Array<[string, string]> {
  return options.map((o) => [o.key, 'literal' in o.value ? o.value.literal : `secret:${o.value.secret.scope}/${o.value.secret.key}`]);
}

/** Parses the Python text (syntax only; the connector is not installed here). */
function assertPythonParses(code: string): void {
  execFileSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: code });
}

const readBase: Array<[string, string]> = [
  ['kustoCluster', CLUSTER],
  ['kustoDatabase', 'Samples'],
  ['kustoQuery', 'StormEvents\n| where State == "TEXAS"'],
  ['readMode', 'ForceDistributedMode'],
];

describe('generateSparkCode: auth options per auth kind', () => {
  const cases: Array<[string, SparkConnectionInput['auth'], Array<[string, string]>]> = [
    ['appSecret', { kind: 'appSecret', tenantId: TENANT, clientId: APP }, [['kustoAadAppId', APP], ['kustoAadAppSecret', 'secret:kusto-data-mover/kusto-app-secret'], ['kustoAadAuthorityID', TENANT]]],
    ['appCertificate', { kind: 'appCertificate', tenantId: TENANT, clientId: APP }, [['kustoAadAppId', APP], ['kutoAadAppCertPath', '/dbfs/<path to the app certificate>.pfx'], ['kutoAadAppCertPassword', 'secret:kusto-data-mover/kusto-app-cert-password'], ['kustoAadAuthorityID', TENANT]]],
    ['userToken', { kind: 'userToken' }, [['accessToken', 'secret:kusto-data-mover/kusto-access-token']]],
    ['keyVault', { kind: 'keyVault', tenantId: TENANT, clientId: APP, vaultUrl: 'https://myvault.vault.azure.net' }, [['keyVaultUri', 'https://myvault.vault.azure.net'], ['keyVaultAppId', APP], ['keyVaultAppKey', 'secret:kusto-data-mover/keyvault-app-key'], ['kustoAadAuthorityID', TENANT]]],
    ['deviceCode', { kind: 'deviceCode', tenantId: TENANT }, []],
    ['azureCli', { kind: 'azureCli' }, [['accessToken', 'secret:kusto-data-mover/kusto-access-token']]],
    ['vscodeAccount', { kind: 'vscodeAccount' }, [['accessToken', 'secret:kusto-data-mover/kusto-access-token']]],
    ['none', { kind: 'none' }, []],
  ];
  for (const [name, auth, expected] of cases) {
    test(`${name}: the connector's option keys and values, no secret value, PySpark that parses`, () => {
      const code = generateSparkCode(readSpec, connection(auth));
      assert.equal(code.direction, 'read');
      assert.deepEqual(flat(code.options), [...readBase, ...expected]);
      for (const text of [code.pyspark, code.scala, JSON.stringify(code)]) assert.ok(!text.includes(PLANTED), `a secret reached the ${name} code`);
      for (const [key, value] of expected) {
        if (!value.startsWith('secret:')) continue;
        const secretKey = value.split('/')[1];
        assert.ok(code.pyspark.includes(`.option("${key}", dbutils.secrets.get(scope="kusto-data-mover", key="${secretKey}"))`), code.pyspark);
        assert.ok(code.scala.includes(`.option("${key}", dbutils.secrets.get(scope = "kusto-data-mover", key = "${secretKey}"))`), code.scala);
        assert.ok(code.secrets.some((s) => s.key === secretKey), `${secretKey} is listed among the secrets to set`);
      }
      assertPythonParses(code.pyspark);
    });
  }

  test('Key Vault: the notes name the secrets the connector reads from the vault', () => {
    const code = generateSparkCode(readSpec, connection({ kind: 'keyVault', tenantId: TENANT, clientId: APP, vaultUrl: 'https://myvault.vault.azure.net' }));
    assert.ok(code.notes.some((n) => n.includes('kustoAppId') && n.includes('kustoAppKey') && n.includes('kustoAppAuthority')), code.notes.join('\n'));
  });

  test('a saved connection record is accepted as it is (the wizard passes it unchanged)', () => {
    const saved: Connection = { id: 'c1', name: 'Prod', clusterUrl: CLUSTER, defaultDatabase: 'Samples', auth: { kind: 'appSecret', tenantId: TENANT, clientId: APP } };
    assert.deepEqual(flat(generateSparkCode(readSpec, saved).options).slice(4), [['kustoAadAppId', APP], ['kustoAadAppSecret', 'secret:kusto-data-mover/kusto-app-secret'], ['kustoAadAuthorityID', TENANT]]);
  });

  test('the secret scope is settable', () => {
    const code = generateSparkCode(readSpec, connection({ kind: 'userToken' }), { secretScope: 'team-scope' });
    assert.deepEqual(flat(code.options).at(-1), ['accessToken', 'secret:team-scope/kusto-access-token']);
    assert.ok(code.pyspark.includes('dbutils.secrets.get(scope="team-scope", key="kusto-access-token")'));
  });
});

describe('generateSparkCode: the move', () => {
  test('read: readMode per the job (auto leaves it to the connector), the write of the files with mode, partitions and path', () => {
    const auto = generateSparkCode({ ...readSpec, source: { ...readSpec.source, readMode: 'auto' } as JobSpec['source'] }, connection({ kind: 'none' }));
    assert.ok(!auto.options.some((o) => o.key === 'readMode'));
    const single = generateSparkCode({ ...readSpec, source: { ...readSpec.source, readMode: 'stream' } as JobSpec['source'] }, connection({ kind: 'none' }));
    assert.deepEqual(flat(single.options).find(([k]) => k === 'readMode'), ['readMode', 'ForceSingleMode']);
    const code = generateSparkCode(readSpec, connection({ kind: 'none' }));
    assert.ok(code.pyspark.includes('(df.write.mode("overwrite")\n    .partitionBy("State")\n    .format("parquet")\n    .save("file:///data/texas"))'), code.pyspark);
    assert.ok(code.scala.includes('df.write.mode("overwrite")\n  .partitionBy("State")\n  .format("parquet")\n  .save("file:///data/texas")'), code.scala);
    // No staging: no transientStorage, the connector uses the cluster's own export storage.
    assert.ok(!code.pyspark.includes('transientStorage'));
  });

  test('read with a staging location: transientStorage is built at run time from the scope, and the JSON it builds is what the connector parses', () => {
    const spec = { ...readSpec, source: { ...readSpec.source, staging: { kind: 'blob', url: 'https://stage.blob.core.windows.net/exports/tmp', secretRef: 'env:STAGING_SAS', authKind: 'sas' } } } as JobSpec;
    const code = generateSparkCode(spec, connection({ kind: 'appSecret', tenantId: TENANT, clientId: APP }));
    assert.deepEqual(flat(code.options).at(-1), ['transientStorage', 'secret:kusto-data-mover/staging-secret']);
    assert.ok(code.pyspark.includes('    .option("transientStorage", transient_storage)'));
    assert.ok(!code.pyspark.includes('STAGING_SAS'));
    // Run the lines that build the JSON with a stand-in dbutils that returns a known SAS.
    const lines = code.pyspark.split('\n').filter((l) => l.startsWith('import json') || l.startsWith('transient_storage ='));
    const program = ['class _S:', '    def get(self, scope, key):', '        assert (scope, key) == ("kusto-data-mover", "staging-secret"), (scope, key)', '        return "?sv=2024&sig=abc"', 'class dbutils:', '    secrets = _S()', ...lines, 'print(transient_storage)'].join('\n');
    const built = JSON.parse(execFileSync('python3', ['-c', program]).toString()) as unknown;
    assert.deepEqual(built, { storageCredentials: [{ storageAccountName: 'stage', blobContainer: 'exports', sasKey: '?sv=2024&sig=abc' }] });
    assert.ok(code.scala.includes('val stagingSecret = dbutils.secrets.get(scope = "kusto-data-mover", key = "staging-secret")'), code.scala);
    assertPythonParses(code.pyspark);
  });

  test('write: kustoTable, tableCreateOptions and writeMode Transactional or Queued; the blob source read with its SAS placeholder', () => {
    const code = generateSparkCode(writeSpec, connection({ kind: 'appSecret', tenantId: TENANT, clientId: APP }));
    assert.equal(code.direction, 'write');
    assert.deepEqual(flat(code.options), [
      ['kustoCluster', CLUSTER],
      ['kustoDatabase', 'Samples'],
      ['kustoTable', 'Events'],
      ['tableCreateOptions', 'CreateIfNotExist'],
      ['writeMode', 'Transactional'],
      ['kustoAadAppId', APP],
      ['kustoAadAppSecret', 'secret:kusto-data-mover/kusto-app-secret'],
      ['kustoAadAuthorityID', TENANT],
    ]);
    assert.ok(code.pyspark.includes('.load("abfss://landing@acct.dfs.core.windows.net/events"))'), code.pyspark);
    assert.ok(code.pyspark.includes('spark.conf.set("fs.azure.sas.fixed.token.acct.dfs.core.windows.net", dbutils.secrets.get(scope="kusto-data-mover", key="source-storage-secret").lstrip("?"))'), code.pyspark);
    assert.ok(code.pyspark.includes('    .mode("Append")\n    .save())'));
    assertPythonParses(code.pyspark);

    const queued = generateSparkCode({ ...writeSpec, destination: { ...writeSpec.destination, mode: 'queued', tableCreation: 'failIfNotExists' } } as JobSpec, connection({ kind: 'none' }));
    assert.deepEqual(flat(queued.options).slice(3, 5), [['tableCreateOptions', 'FailIfNotExist'], ['writeMode', 'Queued']]);
  });

  test('a move with no connector equivalent is refused with a message', () => {
    const filesToFiles = { ...readSpec, source: writeSpec.source } as JobSpec;
    assert.throws(() => generateSparkCode(filesToFiles, connection({ kind: 'none' })), /no Spark connector code for moving files to files/);
  });
});
