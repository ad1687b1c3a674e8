// The shapes of the wizard's Review (see jobReview.ts): kept in a module of their own so that the
// reviews that fill them and the webview that shows them share them without a cycle.
import type { CredentialResolver, SecretResolver, TokenProvider } from '../jobContext';

export interface ReviewColumn {
  source: string;
  sourceType: string;
  /** Empty when the column does not land. */
  target: string;
  targetType: string;
  conversion: string;
  risk?: 'info' | 'warn' | 'error';
  note?: string;
}

export type ReviewPreview = { columns: string[]; rows: string[][]; from: 'take' | 'files' } | { error: string };

export type ReviewPreflight = { ok: true; roles?: string[] } | { ok: false; message: string } | { skipped: string };

export interface JobReview {
  /** Source → target, one per column. */
  columns: ReviewColumn[];
  preview: ReviewPreview;
  estimate: { rows?: number; bytes?: number; readMode?: 'stream' | 'export'; why: string };
  /** The export path: which storage and why. */
  storage?: { kind: 'user' | 'cluster'; why: string };
  /** The KQL and management commands the job sends, in order, secrets redacted. Lines starting with "//" explain a step that is not a command (the ingestion queue). */
  commands: string[];
  preflight: ReviewPreflight;
  /** Files → a table that does not exist yet: its inferred schema (with the job's edits applied), editable. */
  newTable?: { name: string; columns: Array<{ name: string; type: string; source?: string }> };
  warnings: string[];
}

export interface ReviewEnvironment {
  tokenProvider?: TokenProvider;
  secrets?: SecretResolver;
  /** Sign-ins that blob locations opened with a connection's credential (`credentialId`) name. */
  credentials?: CredentialResolver;
  signal?: AbortSignal;
  /** Limit of each estimate query (default: the job's estimateTimeoutMs, else 3,000 ms). */
  estimateTimeoutMs?: number;
}
