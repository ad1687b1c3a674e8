// What the wizard's Review step shows (built by the engine's buildJobReview in the host, sent to the
// webview as is): the webview shares these types, never the engine's code.
export type { JobReview, ReviewColumn, ReviewPreflight, ReviewPreview } from '../engine/review/reviewTypes';
