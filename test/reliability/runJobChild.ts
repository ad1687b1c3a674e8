// Child process for the reliability runs: runs one JobSpec through the runner, as the CLI or the
// job host would, and prints {result} or {refused} as JSON. The parent starts two at once (the
// same spec twice) or kills it with SIGKILL at a random time and then resumes the job.
import { readFileSync } from 'node:fs';
import { JobAlreadyRunningError, runJob } from '../../src/engine/runner';

const [specFile, jobsDir] = process.argv.slice(2);
const spec: unknown = JSON.parse(readFileSync(specFile as string, 'utf8'));
runJob(spec, {
  jobsDir: jobsDir as string,
  secrets: { resolve: async (ref) => (ref === 'env:KDM_TEST_STAGING_SAS' ? process.env.KDM_TEST_STAGING_SAS : undefined) },
}).then(
  (result) => process.stdout.write(JSON.stringify({ result })),
  (err: unknown) => {
    if (err instanceof JobAlreadyRunningError) {
      process.stdout.write(JSON.stringify({ refused: err.message }));
      return;
    }
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  },
);
