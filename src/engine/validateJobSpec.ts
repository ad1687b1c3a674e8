// Validates a JobSpec read from JSON (a file, the journal, the wizard) and names the field of each
// problem, so a user can fix a hand-written job file without reading code. Unknown fields are
// refused with the nearest valid name: a misspelt optional field would otherwise be ignored
// silently (a "destinaton" or an "options.retries" that never takes effect). A field added to
// jobSpec.ts is added to its object's list here.
import { entityNameProblem } from '../kusto/entityNames';
import { JOB_SPEC_VERSION, type JobSpec } from './jobSpec';
import { redactSecrets } from './redact';

/** Longest delay a Node timer keeps (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

function nearest(name: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(3, Math.floor(name.length / 3)) ? best : undefined;
}

export class JobSpecError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid job spec:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'JobSpecError';
  }
}

type Json = Record<string, unknown>;

class Checker {
  readonly problems: string[] = [];

  fail(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  object(value: unknown, path: string): Json | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail(path, value === undefined ? 'is required' : 'must be an object');
      return undefined;
    }
    return value as Json;
  }

  string(obj: Json, key: string, path: string, required: boolean): string | undefined {
    const value = obj[key];
    if (value === undefined) {
      if (required) this.fail(`${path}.${key}`, 'is required');
      return undefined;
    }
    if (typeof value !== 'string' || (required && value.trim() === '')) {
      this.fail(`${path}.${key}`, required ? 'must be a non-empty string' : 'must be a string');
      return undefined;
    }
    return value;
  }

  oneOf(obj: Json, key: string, path: string, allowed: readonly string[], required = false): string | undefined {
    const value = obj[key];
    if (value === undefined) {
      if (required) this.fail(`${path}.${key}`, `is required (one of ${allowed.map((a) => `"${a}"`).join(', ')})`);
      return undefined;
    }
    if (typeof value !== 'string' || !allowed.includes(value)) {
      this.fail(`${path}.${key}`, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')} (got ${JSON.stringify(value)})`);
      return undefined;
    }
    return value;
  }

  /** Refuses fields not in `allowed`, naming the nearest valid one. */
  known(obj: Json, path: string, allowed: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (allowed.includes(key)) continue;
      const near = nearest(key, allowed);
      this.fail(path === '' ? key : `${path}.${key}`, `is not a field of ${path === '' ? 'a job spec' : path}${near ? ` (did you mean "${near}"?)` : ''}; valid fields: ${allowed.join(', ')}`);
    }
  }

  positiveInteger(obj: Json, key: string, path: string, allowZero = false, max = Number.MAX_SAFE_INTEGER): void {
    const value = obj[key];
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < (allowZero ? 0 : 1)) this.fail(`${path}.${key}`, `must be a ${allowZero ? 'non-negative' : 'positive'} integer (got ${JSON.stringify(value)})`);
    else if (value > max) this.fail(`${path}.${key}`, `must be at most ${max}${max === MAX_TIMER_MS ? ' ms (about 24.8 days, the longest timer)' : ''} (got ${value})`);
  }

  boolean(obj: Json, key: string, path: string): void {
    const value = obj[key];
    if (value !== undefined && typeof value !== 'boolean') this.fail(`${path}.${key}`, 'must be true or false');
  }

  /** A Kusto database or table name, checked as the service checks entity names. */
  entityName(obj: Json, key: string, path: string): void {
    const value = obj[key];
    if (typeof value !== 'string' || value.trim() === '') return;
    const problem = entityNameProblem(value);
    // A name of 100,000 characters is quoted by its start only: the message goes to logs and notifications.
    if (problem) this.fail(`${path}.${key}`, `${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)} ${problem}`);
  }

  url(obj: Json, key: string, path: string): string | undefined {
    const value = this.string(obj, key, path, true);
    if (value === undefined) return undefined;
    try {
      const url = new URL(value);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') this.fail(`${path}.${key}`, `must be an http(s) URL (got "${url.protocol}")`);
      return value;
    } catch {
      // The text may carry a SAS or a key: only its redacted start is echoed.
      this.fail(`${path}.${key}`, `is not a valid URL: "${redactSecrets(value).slice(0, 100)}"`);
      return undefined;
    }
  }
}

function checkConnection(c: Checker, value: unknown, path: string): void {
  const conn = c.object(value, path);
  if (!conn) return;
  c.known(conn, path, ['clusterUrl', 'database', 'auth']);
  const clusterUrl = c.url(conn, 'clusterUrl', path);
  // The endpoints hang off the cluster's root (/v2/rest/query): a path there, often the database, would be sent as part of every endpoint.
  if (clusterUrl !== undefined && URL.canParse(clusterUrl)) {
    const parsed = new URL(clusterUrl);
    if (parsed.pathname !== '/' && parsed.pathname !== '') c.fail(`${path}.clusterUrl`, `has a path (${JSON.stringify(decodeURIComponent(parsed.pathname.replace(/\/$/, '')))}): give the cluster's address alone (${parsed.origin}) and the database in "database"`);
    else if (parsed.search !== '' || parsed.hash !== '') c.fail(`${path}.clusterUrl`, `must not have a query or fragment: give the cluster's address alone (${parsed.origin})`);
  }
  c.string(conn, 'database', path, true);
  c.entityName(conn, 'database', path);
  if (conn.auth !== undefined) {
    const auth = c.object(conn.auth, `${path}.auth`);
    if (!auth) return;
    c.known(auth, `${path}.auth`, ['kind', 'id']);
    const kind = c.oneOf(auth, 'kind', `${path}.auth`, ['none', 'credential'], true);
    if (kind === 'credential') c.string(auth, 'id', `${path}.auth`, true);
  }
}

function checkBlobLocation(c: Checker, location: Json, path: string): void {
  c.known(location, path, ['kind', 'url', 'secretRef', 'authKind', 'credentialId']);
  const url = c.url(location, 'url', path);
  if (url && /[?&]sig=/i.test(url)) c.fail(`${path}.url`, 'must not contain a SAS token: store it as a secret and name it in secretRef');
  c.string(location, 'secretRef', path, false);
  const authKind = c.oneOf(location, 'authKind', path, ['sas', 'accountKey', 'credential']);
  c.string(location, 'credentialId', path, authKind === 'credential');
}

function checkLocation(c: Checker, value: unknown, path: string): string | undefined {
  const location = c.object(value, path);
  if (!location) return undefined;
  const kind = c.oneOf(location, 'kind', path, ['local', 'blob'], true);
  if (kind === 'local') {
    c.known(location, path, ['kind', 'path']);
    c.string(location, 'path', path, true);
  }
  if (kind === 'blob') checkBlobLocation(c, location, path);
  return kind;
}

function checkSource(c: Checker, value: unknown): Json | undefined {
  const source = c.object(value, 'source');
  if (!source) return undefined;
  const kind = c.oneOf(source, 'kind', 'source', ['kustoQuery', 'files'], true);
  if (kind === 'kustoQuery') {
    c.known(source, 'source', ['kind', 'connection', 'query', 'readMode', 'staging', 'keepExportedFiles', 'exportThresholdRows', 'noTruncation']);
    checkConnection(c, source.connection, 'source.connection');
    const query = c.string(source, 'query', 'source', true);
    if (query !== undefined && query.trim().startsWith('.')) c.fail('source.query', 'management commands (starting with ".") cannot be copied; give a query or a table name');
    c.oneOf(source, 'readMode', 'source', ['auto', 'stream', 'export']);
    if (source.staging !== undefined) {
      const staging = c.object(source.staging, 'source.staging');
      if (staging) {
        if (staging.kind !== 'blob') c.fail('source.staging.kind', 'must be "blob"');
        checkBlobLocation(c, staging, 'source.staging');
      }
    }
    c.positiveInteger(source, 'exportThresholdRows', 'source', true);
    c.boolean(source, 'noTruncation', 'source');
    c.boolean(source, 'keepExportedFiles', 'source');
  } else if (kind === 'files') {
    c.known(source, 'source', ['kind', 'location', 'pattern', 'format', 'layout', 'csvHeader', 'partitionTypes']);
    c.oneOf(source, 'partitionTypes', 'source', ['infer', 'string']);
    c.boolean(source, 'csvHeader', 'source');
    checkLocation(c, source.location, 'source.location');
    c.string(source, 'pattern', 'source', false);
    c.oneOf(source, 'format', 'source', ['auto', 'parquet', 'csv', 'tsv', 'json', 'multijson']);
    c.oneOf(source, 'layout', 'source', ['auto', 'plain', 'spark', 'sparkStreaming']);
  }
  return source;
}

function checkDestination(c: Checker, value: unknown): Json | undefined {
  const destination = c.object(value, 'destination');
  if (!destination) return undefined;
  const kind = c.oneOf(destination, 'kind', 'destination', ['files', 'kustoTable'], true);
  if (kind === 'files') {
    c.known(destination, 'destination', ['kind', 'location', 'format', 'compression', 'layout', 'partitionBy', 'maxRowsPerFile', 'ifExists']);
    checkLocation(c, destination.location, 'destination.location');
    const format = c.oneOf(destination, 'format', 'destination', ['parquet', 'csv', 'json'], true);
    const compression = c.oneOf(destination, 'compression', 'destination', ['none', 'snappy', 'gzip', 'zstd']);
    if (compression === 'zstd') c.fail('destination.compression', '"zstd" is not supported yet (use "snappy" or "gzip")');
    if (compression === 'snappy' && format && format !== 'parquet') c.fail('destination.compression', `"snappy" applies to Parquet only; ${format} supports "none" or "gzip"`);
    const layout = c.oneOf(destination, 'layout', 'destination', ['singleFile', 'sparkFolder']);
    if (destination.partitionBy !== undefined) {
      if (!Array.isArray(destination.partitionBy) || destination.partitionBy.some((p) => typeof p !== 'string' || p === '')) c.fail('destination.partitionBy', 'must be a list of column names');
      else if (destination.partitionBy.length > 0 && layout === 'singleFile') c.fail('destination.partitionBy', 'needs layout "sparkFolder"');
    }
    c.positiveInteger(destination, 'maxRowsPerFile', 'destination');
    c.oneOf(destination, 'ifExists', 'destination', ['fail', 'replace']);
  } else if (kind === 'kustoTable') {
    c.known(destination, 'destination', ['kind', 'connection', 'table', 'mode', 'tableCreation', 'mappingReference', 'columns', 'continuous', 'statusPollIntervalMs', 'statusTimeoutMs', 'unparsedValues']);
    checkConnection(c, destination.connection, 'destination.connection');
    c.string(destination, 'table', 'destination', true);
    c.entityName(destination, 'table', 'destination');
    c.oneOf(destination, 'mode', 'destination', ['queued', 'streaming', 'transactional']);
    c.oneOf(destination, 'tableCreation', 'destination', ['failIfNotExists', 'createIfNotExists', 'createMerge']);
    c.oneOf(destination, 'unparsedValues', 'destination', ['warn', 'fail']);
    // Queued and streamed files land one by one: only a transaction can still keep them out.
    if (destination.unparsedValues === 'fail' && destination.mode !== 'transactional') c.fail('destination.unparsedValues', '"fail" needs mode "transactional" (queued and streamed files land one by one, before the count is known)');
    c.string(destination, 'mappingReference', 'destination', false);
    if (destination.columns !== undefined) checkColumnEdits(c, destination.columns, destination.mappingReference !== undefined);
    if (destination.continuous !== undefined) {
      const continuous = c.object(destination.continuous, 'destination.continuous');
      if (continuous) {
        c.known(continuous, 'destination.continuous', ['pollIntervalMs']);
        c.positiveInteger(continuous, 'pollIntervalMs', 'destination.continuous', false, MAX_TIMER_MS);
      }
    }
    c.positiveInteger(destination, 'statusPollIntervalMs', 'destination', false, MAX_TIMER_MS);
    c.positiveInteger(destination, 'statusTimeoutMs', 'destination', false, MAX_TIMER_MS);
  }
  return destination;
}

/** Kusto's scalar types, as a table's columns take them. */
export const KUSTO_SCALAR_TYPES = ['bool', 'int', 'long', 'real', 'decimal', 'string', 'datetime', 'timespan', 'guid', 'dynamic'] as const;

/** destination.columns: each a source column once, a valid and unique column name, a known type. (That each source exists is checked against the files' schema when the job runs.) */
function checkColumnEdits(c: Checker, value: unknown, withMappingReference: boolean): void {
  const path = 'destination.columns';
  if (withMappingReference) c.fail(path, 'cannot be used with mappingReference (the named mapping decides which column goes where)');
  if (!Array.isArray(value)) {
    c.fail(path, 'must be a list of { "source", "name", "type" }');
    return;
  }
  if (value.length === 0) c.fail(path, 'must name at least one column (leave it out to take every source column as it is)');
  const names = new Map<string, string>();
  const sources = new Set<string>();
  value.forEach((item, i) => {
    const at = `${path}[${i}]`;
    const column = c.object(item, at);
    if (!column) return;
    c.known(column, at, ['source', 'name', 'type']);
    const source = c.string(column, 'source', at, true);
    const name = c.string(column, 'name', at, true);
    c.oneOf(column, 'type', at, KUSTO_SCALAR_TYPES, true);
    if (name !== undefined && name !== '') {
      const problem = entityNameProblem(name);
      if (problem) c.fail(`${at}.name`, `${JSON.stringify(name)} ${problem}`);
      const other = names.get(name.toLowerCase());
      if (other !== undefined) c.fail(`${at}.name`, `${JSON.stringify(name)} is already the name of another column${other === name ? '' : ` (${JSON.stringify(other)}: Kusto column names differ by more than case)`}`);
      names.set(name.toLowerCase(), name);
    }
    if (source !== undefined && source !== '') {
      if (sources.has(source.toLowerCase())) c.fail(`${at}.source`, `${JSON.stringify(source)} is listed twice (each source column fills one column)`);
      sources.add(source.toLowerCase());
    }
  });
}

function checkOptions(c: Checker, value: unknown): void {
  if (value === undefined) return;
  const options = c.object(value, 'options');
  if (!options) return;
  const timers = ['progressIntervalMs', 'estimateTimeoutMs', 'exportTimeoutMs', 'exportPollMaxIntervalMs', 'queryTimeoutMs'];
  c.known(options, 'options', ['retry', ...timers, 'downloadConcurrency', 'uploadConcurrency', 'parseWorkers', 'spanBytes', 'reingest', 'allowInsecureHttp']);
  if (options.retry !== undefined) {
    const retry = c.object(options.retry, 'options.retry');
    if (retry) {
      c.known(retry, 'options.retry', ['maxAttempts', 'initialDelayMs', 'maxDelayMs']);
      c.positiveInteger(retry, 'maxAttempts', 'options.retry', false, 100);
      c.positiveInteger(retry, 'initialDelayMs', 'options.retry', true, MAX_TIMER_MS);
      c.positiveInteger(retry, 'maxDelayMs', 'options.retry', true, MAX_TIMER_MS);
    }
  }
  // Every *Ms option waits on a timer (queryTimeoutMs also becomes the request's servertimeout).
  for (const key of timers) c.positiveInteger(options, key, 'options', false, MAX_TIMER_MS);
  c.positiveInteger(options, 'downloadConcurrency', 'options', false, 64);
  c.positiveInteger(options, 'uploadConcurrency', 'options', false, 64);
  c.positiveInteger(options, 'spanBytes', 'options', false, 1 << 30);
  c.positiveInteger(options, 'parseWorkers', 'options', true, 64);
  c.boolean(options, 'reingest', 'options');
  c.boolean(options, 'allowInsecureHttp', 'options');
}

/** Returns the spec typed, or throws a JobSpecError listing every problem with its field. */
export function validateJobSpec(value: unknown): JobSpec {
  const c = new Checker();
  const spec = c.object(value, 'job spec');
  if (!spec) throw new JobSpecError(c.problems);
  c.known(spec, '', ['version', 'id', 'name', 'createdAt', 'source', 'destination', 'options']);
  if (typeof spec.version === 'number' && Number.isInteger(spec.version) && spec.version > JOB_SPEC_VERSION) {
    // Checking its fields against this release's rules would only list confusing "unknown field"s.
    throw new JobSpecError([`version: is ${spec.version}: the job was written by a newer release of Kusto Data Mover (this one reads version ${JOB_SPEC_VERSION}); update the extension or the CLI to run it`]);
  }
  if (spec.version !== JOB_SPEC_VERSION) c.fail('version', `must be ${JOB_SPEC_VERSION} (got ${JSON.stringify(spec.version)})`);
  const id = c.string(spec, 'id', 'job spec', true);
  // The id names the job's folder: keep it to characters safe in any file system.
  if (id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id)) c.fail('id', 'may hold only letters, digits, ".", "_" and "-" (at most 128, starting with a letter or digit)');
  c.string(spec, 'name', 'job spec', false);
  const createdAt = c.string(spec, 'createdAt', 'job spec', true);
  if (createdAt !== undefined && Number.isNaN(Date.parse(createdAt))) c.fail('createdAt', `is not a date: "${createdAt}"`);
  const source = checkSource(c, spec.source);
  const destination = checkDestination(c, spec.destination);
  checkOptions(c, spec.options);
  if (source?.kind === 'kustoQuery' && destination?.kind === 'files') {
    const destinationKind = (destination.location as Json | undefined)?.kind;
    // Without a staging location the export goes to the cluster's own export containers.
    if (source.keepExportedFiles === true && source.staging === undefined) c.fail('source.keepExportedFiles', destinationKind === 'blob' ? 'applies to a staging location; a blob destination keeps its files anyway' : 'needs a staging location (source.staging): files in the cluster\'s export storage are the service\'s to keep or remove');
    if (source.readMode === 'export' && destination.format !== undefined && destination.format !== 'parquet') c.fail('destination.format', 'must be "parquet" for readMode "export"');
  }
  if (source?.kind === 'files' && destination?.kind === 'files') c.fail('destination.kind', 'files to files is not a supported move (copy them with your file tools)');
  if (source?.kind === 'kustoQuery' && destination?.kind === 'kustoTable') c.fail('destination.kind', 'Kusto to Kusto is not a supported move yet');
  // '.' file names: the folder name rule above also keeps '..' out, as ids start with a letter or digit.
  if (c.problems.length > 0) throw new JobSpecError(c.problems);
  return spec as unknown as JobSpec;
}
