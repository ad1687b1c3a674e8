// Streaming mode of files → Kusto: each file small enough (≤ 4 MB of data) goes through the
// streaming endpoint; a bigger one, or every one once the table's or database's streaming policy
// refuses (an error the service marks @permanent), goes queued instead. Streaming requests take
// no extent tags (the REST endpoint has no such parameter, and the service keeps no per-request
// record a client could query), so the table cannot tell whether a file landed: exactly-once rests
// on the job's sink state, which records each file as in flight before its request leaves and its
// outcome once answered. A file found in flight by a resume (a crash or kill while its request was
// out) is Unknown and never sent again blind, as one whose answer was lost.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { JobContext } from '../jobContext';
import type { RetryPolicy } from '../retry';
import { withRetries } from '../retry';
import { isOutcomeUnclear, KustoError } from '../../kusto/kustoError';
import { executeManagementRecords, kqlName, type ManagementOptions } from '../../kusto/managementClient';
import type { FileMapping } from '../../kusto/ingest/ingestionMapping';
import type { FileIngestStatus } from '../../kusto/ingest/ingestionOutcome';
import { STREAMING_LIMIT_BYTES, streamIngest } from '../../kusto/ingest/streamingIngest';
import type { DataFormat } from '../../formats/formatSniffReader';
import type { SourceFile } from '../../spark/sparkFolderReader';

export type StreamOutcome = { status: FileIngestStatus; details?: string; unclear?: boolean } | { status: 'fallback'; details: string };

/** Drops a CSV's header record (quote-aware): streaming requests cannot say "ignore the first record". */
export function withoutFirstRecord(data: Buffer): Buffer {
  let inQuotes = false;
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (c === 0x22) inQuotes = !inQuotes;
    else if (c === 0x0a && !inQuotes) return data.subarray(i + 1);
  }
  return Buffer.alloc(0);
}

/** The named mapping a streamed file is sent with (named by its content) and the command that creates it. */
export function streamingMappingCommand(table: string, kind: string, mapping: FileMapping): { name: string; command: string } {
  const json = JSON.stringify(mapping.entries);
  const name = `kdm_${createHash('sha256').update(kind + json).digest('hex').slice(0, 16)}`;
  const literal = json.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return { name, command: `.create-or-alter table ${kqlName(table)} ingestion ${kind.toLowerCase()} mapping "${name}" '${literal}'` };
}

export class StreamingSender {
  private refused: string | undefined;
  private readonly mappings = new Map<string, Promise<string>>();

  constructor(
    private readonly mgmt: ManagementOptions,
    private readonly table: string,
    private readonly retry: Partial<RetryPolicy>,
    private readonly ctx: JobContext,
  ) {}

  /** A named mapping holding `mapping` (streaming takes mappings by name only), created once per content. */
  private mappingName(kind: string, mapping: FileMapping): Promise<string> {
    const { name, command } = streamingMappingCommand(this.table, kind, mapping);
    let created = this.mappings.get(name);
    if (!created) {
      created = executeManagementRecords(this.mgmt, command).then(() => name);
      this.mappings.set(name, created);
    }
    return created;
  }

  /**
   * Streams one file. `beforeRequest` runs (and is awaited) just before the first request leaves:
   * the caller journals the file as in flight there, so a crash at any later instant is seen by
   * the resume as an unclear outcome, never as a file not yet sent. `inspect` sees the file's
   * uncompressed bytes, header included, once they are in memory (the counter of values that land as null).
   */
  async send(file: SourceFile, format: DataFormat, hasHeader: boolean, mapping: FileMapping | undefined, mappingReference: string | undefined, beforeRequest?: () => Promise<void>, inspect?: (data: Buffer) => void): Promise<StreamOutcome> {
    if (this.refused) return { status: 'fallback', details: this.refused };
    if (file.size > STREAMING_LIMIT_BYTES) return { status: 'fallback', details: `larger than ${STREAMING_LIMIT_BYTES} bytes` };
    let data: Buffer = await fs.readFile(file.path);
    if (file.compression === 'gzip') {
      data = gunzipSync(data, { maxOutputLength: STREAMING_LIMIT_BYTES + 1 });
      if (data.length > STREAMING_LIMIT_BYTES) return { status: 'fallback', details: `larger than ${STREAMING_LIMIT_BYTES} bytes uncompressed` };
    }
    inspect?.(data);
    if (hasHeader && format !== 'parquet' && format !== 'json' && format !== 'multijson') data = withoutFirstRecord(data);
    const mappingName = mappingReference ?? (mapping ? await this.mappingName(mapping.kind, mapping) : undefined);
    await beforeRequest?.();
    try {
      await withRetries(() => streamIngest({ clusterUrl: this.mgmt.clusterUrl, database: this.mgmt.database, table: this.table, format, mappingName, data, tokenProvider: this.mgmt.tokenProvider, signal: this.ctx.signal }), {
        policy: this.retry,
        signal: this.ctx.signal,
        // Only a request the service clearly refused is sent again.
        shouldRetry: (err) => !isOutcomeUnclear(err),
      });
      return { status: 'Succeeded' };
    } catch (err) {
      if (!(err instanceof KustoError)) throw err;
      if (isOutcomeUnclear(err)) {
        return {
          status: 'Unknown',
          unclear: true,
          details: `the answer to its streaming request was lost (${err.message.slice(0, 200)}), so its rows may or may not be in table ${this.table}; it is not sent again, since streamed rows carry no tag to check (look for its rows in the table; if they are missing, ingest this file again with a new job)`,
        };
      }
      if (err.httpStatus === 413) return { status: 'fallback', details: 'the service refused the payload size' };
      if (/streaming/i.test(err.message) && (err.permanent === true || err.httpStatus === 400 || err.httpStatus === 403)) {
        // The policy is off for this table or database: the rest of the job goes queued, without asking again.
        if (!this.refused) {
          this.refused = `streaming ingestion refused: ${err.message.slice(0, 300)}`;
          this.ctx.log.warn(`${this.refused}; falling back to queued ingestion`);
        }
        return { status: 'fallback', details: this.refused };
      }
      if (err.transient) return { status: 'fallback', details: `streaming kept failing (${err.message.slice(0, 200)})` };
      return { status: 'Failed', details: `${err.code}: ${err.message}` };
    }
  }
}
