// The engine as the extension loads it: a separate bundle (dist/engineHost.js) required on the
// first job, so activation never pays for the Kusto and storage code.
export { JobAlreadyRunningError, resumeJob, runJob, type JobResult, type RunJobOptions } from './engine/runner';
export { Journal, type JournalRecord, type JobState } from './engine/journal';
export { validateJobSpec, JobSpecError } from './engine/validateJobSpec';
export { planFilesToKusto, type FilesToKustoPlan } from './engine/sink/planFilesToKusto';
export { redactSecrets } from './engine/redact';
// The file writers, for tools that measure against the engine with the same writers (benchmarks).
export { openFileOutput } from './spark/sparkFolderWriter';
export { tableRowCount } from './kusto/tableRowCount';
// Connections: sign-in, browsing and privileges, loaded with the engine (not at activation).
export { createTokenProvider, type ConnectionTokenProvider } from './auth/credentialFactory';
export { listDatabases, databaseTables, type TableSchema } from './kusto/clusterSchema';
export { readClusterAccess, accessIn, describeAllowed, type ClusterAccess } from './kusto/privileges';
// The wizard's checks as the user types (query columns, the source as found on disk) and its Spark code.
export { executeManagement } from './kusto/managementClient';
export { listSourceFiles } from './spark/sparkFolderReader';
export { generateSparkCode } from './spark/connectorCode';
export { buildJobReview, type JobReview, type ReviewEnvironment } from './engine/review/jobReview';
