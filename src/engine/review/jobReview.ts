// The wizard's Review, before Run: what a job will do, computed by the engine's own parts without
// moving any data — each column source → target with its conversion and risk, a preview of the
// first rows, the estimated size and read mode, the export storage, the commands the job sends, and
// the privilege pre-flight the runner would run. Pure Node (the CLI or the extension host calls it).
import type { JobReview, ReviewEnvironment } from './reviewTypes';
import { validateJobSpec } from '../validateJobSpec';
import { redactSecrets } from '../redact';
import { reviewQueryToFiles } from './queryReview';
import { reviewFilesToKusto } from './filesReview';

export type { JobReview, ReviewColumn, ReviewEnvironment, ReviewPreflight, ReviewPreview } from './reviewTypes';

/**
 * The review of a job spec (validated first: an invalid spec is an error, as it would be for Run).
 * Pass the spec with the id it will run under: the export folder and the transactional temp
 * table's name derive from it (a spec without one is reviewed as job "review").
 */
export async function buildJobReview(specValue: unknown, env: ReviewEnvironment = {}): Promise<JobReview> {
  // The wizard's spec may not have an id or creation time yet (they are filled in when it runs).
  const value = specValue !== null && typeof specValue === 'object' && !Array.isArray(specValue) ? { id: 'review', createdAt: new Date(0).toISOString(), ...(specValue as object) } : specValue;
  const spec = validateJobSpec(value);
  const review =
    spec.source.kind === 'kustoQuery' && spec.destination.kind === 'files'
      ? await reviewQueryToFiles(spec, env)
      : spec.source.kind === 'files' && spec.destination.kind === 'kustoTable'
        ? await reviewFilesToKusto(spec, env)
        : undefined;
  if (!review) throw new Error(`moving ${spec.source.kind} to ${spec.destination.kind} is not supported`);
  return { ...review, commands: review.commands.map(redactSecrets), warnings: review.warnings.map(redactSecrets) };
}

