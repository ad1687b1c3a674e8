// The same move as a job, written for the Azure Data Explorer Spark connector, for moves that
// outgrow one workstation: a read (Kusto → files) or a write (files → Kusto table), in PySpark and
// Scala, with the connector's auth options for the connection's auth kind. Secrets are never
// written: each is a `dbutils.secrets.get(scope, key)` placeholder naming where to keep it.
// Pure (no I/O); the wizard passes a JobSpec and its saved connection.
import type { BlobLocation, FilesDestination, FilesSource, JobSpec, KustoTableDestination, Location } from '../engine/jobSpec';

/** The auth kinds of a saved connection (src/connections/connection.ts), as this module needs them. */
export type SparkAuthKind = 'none' | 'appSecret' | 'appCertificate' | 'deviceCode' | 'userToken' | 'keyVault' | 'azureCli' | 'vscodeAccount';

/** What of a saved connection the code needs; a saved connection record fits it as it is. No secrets. */
export interface SparkConnectionInput {
  clusterUrl: string;
  auth: {
    kind: SparkAuthKind;
    tenantId?: string;
    clientId?: string;
    vaultUrl?: string;
  };
}

export interface SparkCodeOptions {
  /** Databricks secret scope the placeholders name (default "kusto-data-mover"). */
  secretScope?: string;
}

/** A connector option's value: a literal, or a secret read from the secret scope at run time. */
export type ConnectorOptionValue = { literal: string } | { secret: { scope: string; key: string } };

export interface ConnectorOption {
  key: string;
  value: ConnectorOptionValue;
}

export interface GeneratedSparkCode {
  direction: 'read' | 'write';
  /** The connector's options in the order written, for a UI to list or a test to check. */
  options: ConnectorOption[];
  /** The secrets to put in the scope before running: key and what it holds. */
  secrets: Array<{ scope: string; key: string; holds: string }>;
  pyspark: string;
  scala: string;
  /** What the code cannot say by itself (auth kinds without a Spark equivalent, options left out). */
  notes: string[];
}

export const CONNECTOR_FORMAT = 'com.microsoft.kusto.spark.datasource';
export const DEFAULT_SECRET_SCOPE = 'kusto-data-mover';

/** Secret names the connector reads from a Key Vault (keyVaultUri) for the Kusto app. */
export const KEY_VAULT_SECRET_NAMES = { appId: 'kustoAppId', appKey: 'kustoAppKey', authority: 'kustoAppAuthority' } as const;

/** The secret-scope keys this code reads. */
export const SECRET_KEYS = {
  appSecret: 'kusto-app-secret',
  certificatePassword: 'kusto-app-cert-password',
  accessToken: 'kusto-access-token',
  keyVaultAppKey: 'keyvault-app-key',
  staging: 'staging-secret',
  source: 'source-storage-secret',
  destination: 'destination-storage-secret',
} as const;

interface Builder {
  scope: string;
  options: ConnectorOption[];
  secrets: GeneratedSparkCode['secrets'];
  notes: string[];
}

function literal(b: Builder, key: string, value: string): void {
  b.options.push({ key, value: { literal: value } });
}

function secret(b: Builder, key: string, secretKey: string, holds: string): void {
  b.options.push({ key, value: { secret: { scope: b.scope, key: secretKey } } });
  if (!b.secrets.some((s) => s.key === secretKey)) b.secrets.push({ scope: b.scope, key: secretKey, holds });
}

/** The connector's auth options for the connection's auth kind. */
function authOptions(b: Builder, connection: SparkConnectionInput | undefined): void {
  const auth = connection?.auth ?? { kind: 'none' as const };
  const tenant = (): void => {
    if (auth.tenantId) literal(b, 'kustoAadAuthorityID', auth.tenantId);
  };
  switch (auth.kind) {
    case 'appSecret':
      literal(b, 'kustoAadAppId', auth.clientId ?? '<application id>');
      secret(b, 'kustoAadAppSecret', SECRET_KEYS.appSecret, "the Entra app's client secret");
      tenant();
      return;
    case 'appCertificate':
      literal(b, 'kustoAadAppId', auth.clientId ?? '<application id>');
      // The connector takes a PFX file (its option names are spelt "kuto..." in the connector).
      literal(b, 'kutoAadAppCertPath', '/dbfs/<path to the app certificate>.pfx');
      secret(b, 'kutoAadAppCertPassword', SECRET_KEYS.certificatePassword, "the PFX certificate's password");
      tenant();
      b.notes.push('The connector reads the app certificate as a PFX file: convert the PEM this connection uses (openssl pkcs12 -export) and upload it to the path given.');
      return;
    case 'userToken':
      secret(b, 'accessToken', SECRET_KEYS.accessToken, 'an access token for the cluster (it expires: refresh it before a long run)');
      return;
    case 'keyVault':
      literal(b, 'keyVaultUri', auth.vaultUrl ?? '<https://your-vault.vault.azure.net>');
      literal(b, 'keyVaultAppId', auth.clientId ?? '<application id that reads the vault>');
      secret(b, 'keyVaultAppKey', SECRET_KEYS.keyVaultAppKey, "the secret of the app that opens the Key Vault");
      tenant();
      b.notes.push(`The connector reads the Kusto app from the vault's secrets ${KEY_VAULT_SECRET_NAMES.appId}, ${KEY_VAULT_SECRET_NAMES.appKey} and ${KEY_VAULT_SECRET_NAMES.authority}.`);
      return;
    case 'deviceCode':
      b.notes.push('No auth options: the connector signs in with a device code shown on the driver console.');
      return;
    case 'azureCli':
    case 'vscodeAccount':
      // A workstation sign-in has no counterpart on a Spark cluster: a token (or the cluster's managed identity) stands in.
      secret(b, 'accessToken', SECRET_KEYS.accessToken, 'an access token for the cluster, e.g. from `az account get-access-token --resource <cluster URL>`');
      b.notes.push(`This connection signs in with ${auth.kind === 'azureCli' ? 'the Azure CLI' : "VS Code's Microsoft account"}, which a Spark cluster does not have: the code uses an access token from the secret scope; on Azure, managedIdentityAuth=true (with managedIdentityClientId) is the lasting choice.`);
      return;
    case 'none':
      b.notes.push('No auth options (a local emulator): without them the connector falls back to a device code sign-in.');
      return;
  }
}

/** The storage account, container and folder of a blob location URL (virtual-host or path style). */
function blobParts(location: BlobLocation): { account: string; container: string; path: string } {
  const url = new URL(location.url);
  const parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const pathStyle = url.hostname === 'localhost' || /^\d+\.\d+\.\d+\.\d+$/.test(url.hostname);
  const account = pathStyle ? (parts.shift() ?? '') : url.hostname.split('.')[0];
  const container = parts.shift() ?? '';
  return { account, container, path: parts.join('/') };
}

/** A Spark path for a location: abfss:// for blob storage (set up by `storageSetup`), file:// for a local path. */
function sparkPath(location: Location): string {
  if (location.kind === 'local') return location.path.startsWith('/') ? `file://${location.path}` : location.path;
  const { account, container, path } = blobParts(location);
  return `abfss://${container}@${account}.dfs.core.windows.net/${path}`;
}

/** Read and write options of the non-Kusto side of the move, with their storage secret when in blob storage. */
interface StorageAccess {
  account: string;
  authKind: 'sas' | 'accountKey';
  secretKey: string;
}

function storageAccess(b: Builder, location: Location, secretKey: string, role: string): StorageAccess | undefined {
  if (location.kind !== 'blob') return undefined;
  const authKind = location.authKind === 'accountKey' ? 'accountKey' : 'sas';
  if (location.authKind === 'credential') b.notes.push(`The ${role} is opened with a sign-in credential: give the Spark cluster access to it (e.g. its managed identity) instead of the SAS placeholder.`);
  if (!b.secrets.some((s) => s.key === secretKey)) b.secrets.push({ scope: b.scope, key: secretKey, holds: `the ${role}'s ${authKind === 'sas' ? 'SAS token' : 'account key'}` });
  return { account: blobParts(location).account, authKind, secretKey };
}

/** The connector's transientStorage JSON, built at run time so the secret comes from the scope. */
function transientStorage(b: Builder, staging: BlobLocation): { account: string; container: string; authKind: 'sas' | 'accountKey' } {
  const { account, container } = blobParts(staging);
  const authKind = staging.authKind === 'accountKey' ? 'accountKey' : 'sas';
  if (!b.secrets.some((s) => s.key === SECRET_KEYS.staging)) b.secrets.push({ scope: b.scope, key: SECRET_KEYS.staging, holds: `the staging location's ${authKind === 'sas' ? 'SAS token' : 'account key'}` });
  return { account, container, authKind };
}

const py = (text: string): string => JSON.stringify(text);
const scala = (text: string): string => JSON.stringify(text);

function pyValue(value: ConnectorOptionValue): string {
  return 'literal' in value ? py(value.literal) : `dbutils.secrets.get(scope=${py(value.secret.scope)}, key=${py(value.secret.key)})`;
}

function scalaValue(value: ConnectorOptionValue): string {
  return 'literal' in value ? scala(value.literal) : `dbutils.secrets.get(scope = ${scala(value.secret.scope)}, key = ${scala(value.secret.key)})`;
}

function pyStorageSetup(access: StorageAccess | undefined, scope: string): string[] {
  if (!access) return [];
  const host = `${access.account}.dfs.core.windows.net`;
  const get = `dbutils.secrets.get(scope=${py(scope)}, key=${py(access.secretKey)})`;
  return access.authKind === 'sas'
    ? [
        `spark.conf.set(${py(`fs.azure.account.auth.type.${host}`)}, "SAS")`,
        `spark.conf.set(${py(`fs.azure.sas.token.provider.type.${host}`)}, "org.apache.hadoop.fs.azurebfs.sas.FixedSASTokenProvider")`,
        `spark.conf.set(${py(`fs.azure.sas.fixed.token.${host}`)}, ${get}.lstrip("?"))`,
      ]
    : [`spark.conf.set(${py(`fs.azure.account.key.${host}`)}, ${get})`];
}

function scalaStorageSetup(access: StorageAccess | undefined, scope: string): string[] {
  if (!access) return [];
  const host = `${access.account}.dfs.core.windows.net`;
  const get = `dbutils.secrets.get(scope = ${scala(scope)}, key = ${scala(access.secretKey)})`;
  return access.authKind === 'sas'
    ? [
        `spark.conf.set(${scala(`fs.azure.account.auth.type.${host}`)}, "SAS")`,
        `spark.conf.set(${scala(`fs.azure.sas.token.provider.type.${host}`)}, "org.apache.hadoop.fs.azurebfs.sas.FixedSASTokenProvider")`,
        `spark.conf.set(${scala(`fs.azure.sas.fixed.token.${host}`)}, ${get}.stripPrefix("?"))`,
      ]
    : [`spark.conf.set(${scala(`fs.azure.account.key.${host}`)}, ${get})`];
}

const READ_MODES: Record<string, string | undefined> = { stream: 'ForceSingleMode', export: 'ForceDistributedMode', auto: undefined };
const TABLE_CREATION: Record<NonNullable<KustoTableDestination['tableCreation']>, string> = { failIfNotExists: 'FailIfNotExist', createIfNotExists: 'CreateIfNotExist', createMerge: 'CreateIfNotExist' };

/** Spark's reader format for a files source. */
function inputFormat(source: FilesSource): string {
  switch (source.format) {
    case 'csv':
    case 'tsv':
      return 'csv';
    case 'json':
    case 'multijson':
      return 'json';
    default:
      return 'parquet';
  }
}

export function generateSparkCode(spec: JobSpec, connection?: SparkConnectionInput, codeOptions: SparkCodeOptions = {}): GeneratedSparkCode {
  const b: Builder = { scope: codeOptions.secretScope ?? DEFAULT_SECRET_SCOPE, options: [], secrets: [], notes: [] };
  if (spec.source.kind === 'kustoQuery' && spec.destination.kind === 'files') return readCode(b, spec.source, spec.destination, connection);
  if (spec.source.kind === 'files' && spec.destination.kind === 'kustoTable') return writeCode(b, spec.source, spec.destination, connection);
  throw new Error(`there is no Spark connector code for moving ${spec.source.kind} to ${spec.destination.kind}`);
}

function readCode(b: Builder, source: Extract<JobSpec['source'], { kind: 'kustoQuery' }>, destination: FilesDestination, connection: SparkConnectionInput | undefined): GeneratedSparkCode {
  literal(b, 'kustoCluster', connection?.clusterUrl ?? source.connection.clusterUrl);
  literal(b, 'kustoDatabase', source.connection.database);
  literal(b, 'kustoQuery', source.query.trim().replace(/;\s*$/, ''));
  const readMode = READ_MODES[source.readMode ?? 'auto'];
  if (readMode) literal(b, 'readMode', readMode);
  authOptions(b, connection);
  // Without transientStorage the connector exports through the cluster's own storage, as the job does.
  const staging = source.staging ? transientStorage(b, source.staging) : undefined;
  const output = storageAccess(b, destination.location, SECRET_KEYS.destination, 'destination');
  const path = sparkPath(destination.location);
  const mode = destination.ifExists === 'replace' ? 'overwrite' : 'errorifexists';
  const partitionBy = destination.partitionBy?.length ? destination.partitionBy : undefined;
  const format = destination.format === 'json' ? 'json' : destination.format;
  const compression = destination.compression && destination.compression !== 'none' ? destination.compression : undefined;
  if (destination.layout === 'singleFile') b.notes.push('Spark writes a folder of part files; the job\'s single-file layout has no Spark equivalent (coalesce(1) gives one part file).');

  const pyStaging = staging
    ? [
        'import json',
        `transient_storage = json.dumps({"storageCredentials": [{"storageAccountName": ${py(staging.account)}, "blobContainer": ${py(staging.container)}, ${
          staging.authKind === 'sas'
            ? `"sasKey": "?" + dbutils.secrets.get(scope=${py(b.scope)}, key=${py(SECRET_KEYS.staging)}).lstrip("?")`
            : `"storageAccountKey": dbutils.secrets.get(scope=${py(b.scope)}, key=${py(SECRET_KEYS.staging)})`
        }}]})`,
      ]
    : [];
  const pyspark = [
    '# Azure Data Explorer Spark connector (Maven: com.microsoft.azure.kusto:kusto-spark_3.0_2.12) on the cluster.',
    ...pyStaging,
    ...pyStorageSetup(output, b.scope),
    'spark.conf.set("spark.sql.session.timeZone", "UTC")',
    `df = (spark.read.format(${py(CONNECTOR_FORMAT)})`,
    ...b.options.map((o) => `    .option(${py(o.key)}, ${pyValue(o.value)})`),
    ...(staging ? ['    .option("transientStorage", transient_storage)'] : []),
    '    .load())',
    `(df.write.mode(${py(mode)})`,
    ...(partitionBy ? [`    .partitionBy(${partitionBy.map(py).join(', ')})`] : []),
    ...(compression ? [`    .option("compression", ${py(compression)})`] : []),
    `    .format(${py(format)})`,
    `    .save(${py(path)}))`,
  ].join('\n');

  const scalaStaging = staging
    ? [
        `val stagingSecret = dbutils.secrets.get(scope = ${scala(b.scope)}, key = ${scala(SECRET_KEYS.staging)})`,
        // JSON built by concatenation: the secret joins it at run time, never in the code.
        `val transientStorage = ${scala(`{"storageCredentials": [{"storageAccountName": ${JSON.stringify(staging.account)}, "blobContainer": ${JSON.stringify(staging.container)}, ${staging.authKind === 'sas' ? '"sasKey": "?' : '"storageAccountKey": "'}`)} + ${
          staging.authKind === 'sas' ? 'stagingSecret.stripPrefix("?")' : 'stagingSecret'
        } + ${scala('"}]}')}`,
      ]
    : [];
  const scalaCode = [
    '// Azure Data Explorer Spark connector (Maven: com.microsoft.azure.kusto:kusto-spark_3.0_2.12) on the cluster.',
    ...scalaStaging,
    ...scalaStorageSetup(output, b.scope),
    'spark.conf.set("spark.sql.session.timeZone", "UTC")',
    `val df = spark.read.format(${scala(CONNECTOR_FORMAT)})`,
    ...b.options.map((o) => `  .option(${scala(o.key)}, ${scalaValue(o.value)})`),
    ...(staging ? ['  .option("transientStorage", transientStorage)'] : []),
    '  .load()',
    `df.write.mode(${scala(mode)})`,
    ...(partitionBy ? [`  .partitionBy(${partitionBy.map(scala).join(', ')})`] : []),
    ...(compression ? [`  .option("compression", ${scala(compression)})`] : []),
    `  .format(${scala(format)})`,
    `  .save(${scala(path)})`,
  ].join('\n');
  if (staging) b.options.push({ key: 'transientStorage', value: { secret: { scope: b.scope, key: SECRET_KEYS.staging } } });
  return { direction: 'read', options: b.options, secrets: b.secrets, pyspark, scala: scalaCode, notes: b.notes };
}

function writeCode(b: Builder, source: FilesSource, destination: KustoTableDestination, connection: SparkConnectionInput | undefined): GeneratedSparkCode {
  literal(b, 'kustoCluster', connection?.clusterUrl ?? destination.connection.clusterUrl);
  literal(b, 'kustoDatabase', destination.connection.database);
  literal(b, 'kustoTable', destination.table);
  literal(b, 'tableCreateOptions', TABLE_CREATION[destination.tableCreation ?? 'failIfNotExists']);
  // Transactional (temp table, then one move) or Queued; the connector has no plain streaming mode here.
  literal(b, 'writeMode', destination.mode === 'transactional' ? 'Transactional' : 'Queued');
  if (destination.mode === 'streaming') b.notes.push('The job uses streaming ingestion; the code writes with writeMode Queued.');
  if (destination.tableCreation === 'createMerge') b.notes.push('createMerge (add new columns to an existing table) has no connector option: CreateIfNotExist creates a missing table only.');
  if (destination.mappingReference) b.notes.push(`The ingestion mapping "${destination.mappingReference}" is not passed: the connector maps the DataFrame's columns by name.`);
  if (destination.continuous) b.notes.push('Continuous ingestion: use spark.readStream on the folder and writeStream with this format and options instead of a batch write.');
  authOptions(b, connection);
  const input = storageAccess(b, source.location, SECRET_KEYS.source, 'source');
  const path = sparkPath(source.location);
  const format = inputFormat(source);
  const readOptions: Array<[string, string]> = [];
  if (format === 'csv') readOptions.push(['header', source.csvHeader === false ? 'false' : 'true']);
  if (source.format === 'tsv') readOptions.push(['sep', '\t']);
  if (source.format === 'multijson') readOptions.push(['multiLine', 'true']);

  const pyspark = [
    '# Azure Data Explorer Spark connector (Maven: com.microsoft.azure.kusto:kusto-spark_3.0_2.12) on the cluster.',
    ...pyStorageSetup(input, b.scope),
    'spark.conf.set("spark.sql.session.timeZone", "UTC")',
    `df = (spark.read.format(${py(format)})`,
    ...readOptions.map(([k, v]) => `    .option(${py(k)}, ${py(v)})`),
    `    .load(${py(path)}))`,
    `(df.write.format(${py(CONNECTOR_FORMAT)})`,
    ...b.options.map((o) => `    .option(${py(o.key)}, ${pyValue(o.value)})`),
    '    .mode("Append")',
    '    .save())',
  ].join('\n');
  const scalaCode = [
    '// Azure Data Explorer Spark connector (Maven: com.microsoft.azure.kusto:kusto-spark_3.0_2.12) on the cluster.',
    ...scalaStorageSetup(input, b.scope),
    'spark.conf.set("spark.sql.session.timeZone", "UTC")',
    `val df = spark.read.format(${scala(format)})`,
    ...readOptions.map(([k, v]) => `  .option(${scala(k)}, ${scala(v)})`),
    `  .load(${scala(path)})`,
    `df.write.format(${scala(CONNECTOR_FORMAT)})`,
    ...b.options.map((o) => `  .option(${scala(o.key)}, ${scalaValue(o.value)})`),
    '  .mode("Append")',
    '  .save()',
  ].join('\n');
  return { direction: 'write', options: b.options, secrets: b.secrets, pyspark, scala: scalaCode, notes: b.notes };
}
