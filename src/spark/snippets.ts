// Ready-to-run Spark code for reading what an export left in blob storage (PySpark and Scala, for
// abfss and wasbs), for reading a downloaded local folder, and the equivalent read through the
// Azure Data Explorer Spark connector for moves that outgrow one workstation. The secret is always
// a placeholder (Databricks secret scope or an environment variable), never its value.

export interface SnippetInput {
  accountName: string;
  container: string;
  /** Folder inside the container holding the Parquet files. */
  path: string;
  authKind: 'sas' | 'accountKey';
  /** Local folder with the downloaded files, when there is one. */
  localFolder?: string;
  clusterUrl: string;
  database: string;
  query: string;
}

export interface SparkSnippets {
  pyspark: string;
  scala: string;
  /** Reads the downloaded local copy (no credentials). */
  pysparkLocal?: string;
  kustoConnectorPyspark: string;
  kustoConnectorScala: string;
}

export const SECRET_SCOPE = 'kusto-data-mover';
export const SECRET_KEY = 'staging-secret';
export const SECRET_ENV = 'KDM_STAGING_SECRET';

function pythonString(text: string): string {
  return JSON.stringify(text);
}

function pythonBlock(text: string): string {
  // A quote right before the closing """ would end the string early: escape it.
  return `"""${text.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"').replace(/"$/, '\\"')}"""`;
}

function scalaString(text: string): string {
  return JSON.stringify(text).replace(/\$/g, '$$');
}

export function sparkReadSnippets(input: SnippetInput): SparkSnippets {
  const dfsHost = `${input.accountName}.dfs.core.windows.net`;
  const blobHost = `${input.accountName}.blob.core.windows.net`;
  const path = input.path.replace(/^\/+|\/+$/g, '');
  const abfss = `abfss://${input.container}@${dfsHost}/${path}`;
  const wasbs = `wasbs://${input.container}@${blobHost}/${path}`;
  const sas = input.authKind === 'sas';

  const pyConf = sas
    ? [
        `spark.conf.set("fs.azure.account.auth.type.${dfsHost}", "SAS")`,
        `spark.conf.set("fs.azure.sas.token.provider.type.${dfsHost}", "org.apache.hadoop.fs.azurebfs.sas.FixedSASTokenProvider")`,
        `spark.conf.set("fs.azure.sas.fixed.token.${dfsHost}", secret.lstrip("?"))`,
        `# wasbs instead: spark.conf.set("fs.azure.sas.${input.container}.${blobHost}", secret.lstrip("?")); path = ${pythonString(wasbs)}`,
      ]
    : [`spark.conf.set("fs.azure.account.key.${dfsHost}", secret)`, `# wasbs instead: spark.conf.set("fs.azure.account.key.${blobHost}", secret); path = ${pythonString(wasbs)}`];
  const pyspark = [
    'import os',
    '',
    'def staging_secret():',
    `    """The staging ${sas ? 'SAS token' : 'account key'}: from a Databricks secret scope, else from the environment."""`,
    '    try:',
    `        return dbutils.secrets.get(scope=${pythonString(SECRET_SCOPE)}, key=${pythonString(SECRET_KEY)})  # noqa: F821`,
    '    except NameError:',
    `        return os.environ[${pythonString(SECRET_ENV)}]`,
    '',
    'secret = staging_secret()',
    ...pyConf,
    `path = ${pythonString(abfss)}`,
    '# Kusto datetimes were exported as UTC timestamps with microseconds.',
    'spark.conf.set("spark.sql.session.timeZone", "UTC")',
    'df = spark.read.parquet(path)',
    'df.printSchema()',
  ].join('\n');

  const scalaConf = sas
    ? [
        `spark.conf.set("fs.azure.account.auth.type.${dfsHost}", "SAS")`,
        `spark.conf.set("fs.azure.sas.token.provider.type.${dfsHost}", "org.apache.hadoop.fs.azurebfs.sas.FixedSASTokenProvider")`,
        `spark.conf.set("fs.azure.sas.fixed.token.${dfsHost}", secret.stripPrefix("?"))`,
        `// wasbs instead: spark.conf.set("fs.azure.sas.${input.container}.${blobHost}", secret.stripPrefix("?")); val path = ${scalaString(wasbs)}`,
      ]
    : [`spark.conf.set("fs.azure.account.key.${dfsHost}", secret)`, `// wasbs instead: spark.conf.set("fs.azure.account.key.${blobHost}", secret); val path = ${scalaString(wasbs)}`];
  const scala = [
    `// The staging ${sas ? 'SAS token' : 'account key'}: from a Databricks secret scope, else from the environment.`,
    `val secret = scala.util.Try(dbutils.secrets.get(scope = ${scalaString(SECRET_SCOPE)}, key = ${scalaString(SECRET_KEY)})).getOrElse(sys.env(${scalaString(SECRET_ENV)}))`,
    ...scalaConf,
    `val path = ${scalaString(abfss)}`,
    'spark.conf.set("spark.sql.session.timeZone", "UTC")',
    'val df = spark.read.parquet(path)',
    'df.printSchema()',
  ].join('\n');

  const pysparkLocal = input.localFolder
    ? [
        'spark.conf.set("spark.sql.session.timeZone", "UTC")',
        `df = spark.read.parquet(${pythonString(`file://${input.localFolder}`)})`,
        'df.printSchema()',
      ].join('\n')
    : undefined;

  const kustoConnectorPyspark = [
    'import os',
    '',
    '# The Azure Data Explorer Spark connector (com.microsoft.azure.kusto:kusto-spark_3.0_2.12) on the cluster.',
    'df = (spark.read.format("com.microsoft.kusto.spark.datasource")',
    `    .option("kustoCluster", ${pythonString(input.clusterUrl)})`,
    `    .option("kustoDatabase", ${pythonString(input.database)})`,
    `    .option("kustoQuery", ${pythonBlock(input.query)})`,
    '    .option("accessToken", os.environ["KUSTO_ACCESS_TOKEN"])  # or kustoAadAppId / kustoAadAppSecret / kustoAadAuthorityID',
    '    .option("readMode", "ForceDistributedMode")',
    '    .load())',
  ].join('\n');

  const kustoConnectorScala = [
    '// The Azure Data Explorer Spark connector (com.microsoft.azure.kusto:kusto-spark_3.0_2.12) on the cluster.',
    'val df = spark.read.format("com.microsoft.kusto.spark.datasource")',
    `  .option("kustoCluster", ${scalaString(input.clusterUrl)})`,
    `  .option("kustoDatabase", ${scalaString(input.database)})`,
    `  .option("kustoQuery", ${scalaString(input.query)})`,
    '  .option("accessToken", sys.env("KUSTO_ACCESS_TOKEN")) // or kustoAadAppId / kustoAadAppSecret / kustoAadAuthorityID',
    '  .option("readMode", "ForceDistributedMode")',
    '  .load()',
  ].join('\n');

  return { pyspark, scala, pysparkLocal, kustoConnectorPyspark, kustoConnectorScala };
}
