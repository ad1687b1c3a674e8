/** What every benchmark variant prints as its last stdout line, read by the orchestrator. */
export interface VariantResult {
  rows: number;
  bytesOut: number;
  seconds: number;
  maxRssMB: number;
  note?: string;
  /** Files → Kusto: seconds until every file was uploaded and enqueued (the client's own work; the rest is the service ingesting). */
  enqueuedSeconds?: number;
}

/** Prints the result line; peak RSS comes from the OS's own accounting of this process. */
export function report(result: Omit<VariantResult, 'maxRssMB'>): void {
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ ...result, maxRssMB: Math.round(maxRssMB) }));
}
