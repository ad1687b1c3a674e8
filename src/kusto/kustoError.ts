// One typed error for everything Kusto answers with: HTTP errors carrying a OneApiError body,
// OneApiErrors inside a 200 stream, and transport failures. The engine decides on retries from
// `transient` alone, and front ends map `code` to user messages once.

export interface OneApiError {
  code?: string;
  message?: string;
  '@type'?: string;
  '@message'?: string;
  '@permanent'?: boolean;
  '@context'?: Record<string, unknown>;
}

export interface KustoErrorInit {
  code: string;
  message: string;
  httpStatus?: number;
  /** The service's own verdict (`@permanent`); undefined when it did not say. */
  permanent?: boolean;
  /** Seconds to wait before retrying, from a 429's Retry-After. */
  retryAfterSeconds?: number;
  /** The role the caller lacks, parsed from a 403 ("database viewer", "table admin", ...). */
  privilegeNeeded?: string;
  activityId?: string;
  cause?: unknown;
}

export class KustoError extends Error {
  readonly code: string;
  readonly httpStatus: number | undefined;
  readonly permanent: boolean | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly privilegeNeeded: string | undefined;
  readonly activityId: string | undefined;

  constructor(init: KustoErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'KustoError';
    this.code = init.code;
    this.httpStatus = init.httpStatus;
    this.permanent = init.permanent;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.privilegeNeeded = init.privilegeNeeded;
    this.activityId = init.activityId;
  }

  /** Worth retrying: throttling, server faults, timeouts at the gateway, or the service said so. */
  get transient(): boolean {
    // The service marks the result-set limit @permanent: false, yet the same query meets the same limit every time.
    if (this.message.includes(RESULT_SET_TOO_LARGE)) return false;
    if (this.permanent === false) return true;
    if (this.permanent === true) return false;
    const status = this.httpStatus;
    if (status === undefined) return TRANSIENT_NETWORK_CODES.has(this.code);
    return status === 429 || status === 408 || status >= 500;
  }
}

export const TRANSIENT_NETWORK_CODES = new Set(['ResponseTruncated', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'SocketHangUp', 'ResponseAborted']);

/** Network failures that happen before a request can reach the service: it surely did nothing. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * Whether the service may have acted on a request that failed: no answer came (the connection broke
 * after the request went out, or the answer was cut). An HTTP error answer is clear (the service
 * said what it did), and so is a connection that could not be opened. A non-idempotent request that
 * failed this way must not be sent again blind.
 */
export function isOutcomeUnclear(err: unknown): boolean {
  if ((err as Error | undefined)?.name === 'AbortError') return true;
  if (err instanceof KustoError) return err.httpStatus === undefined && !NOT_SENT_CODES.has(err.code);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return !(code && NOT_SENT_CODES.has(code));
}

export const RESULT_SET_TOO_LARGE = 'E_QUERY_RESULT_SET_TOO_LARGE';

/** The advice users need when a streamed result hits the query limits (500,000 rows / 64 MB). */
export const TRUNCATION_ADVICE =
  'The result exceeds the query result limits (500,000 records or 64 MB). Either start the query with `set notruncation;` ' +
  'to stream it whole, or choose the export read mode with a staging location (server-side .export to blob storage), which suits large results.';

/** Builds a KustoError from an HTTP status and the response body text (OneApiError JSON or plain text). */
export function kustoErrorFromHttp(status: number, bodyText: string, headers: Record<string, string | string[] | undefined> = {}): KustoError {
  const oneApi = parseOneApiBody(bodyText);
  const message = oneApi?.['@message'] ?? oneApi?.message ?? (bodyText.trim().slice(0, 2000) || `HTTP ${status}`);
  const retryAfterSeconds = status === 429 || status === 503 ? parseRetryAfter(headerValue(headers['retry-after'])) : undefined;
  const activity = headerValue(headers['x-ms-activity-id']);
  return new KustoError({
    code: oneApi?.code ?? httpStatusCode(status),
    message: withAdvice(describeStatus(status, message)),
    httpStatus: status,
    permanent: typeof oneApi?.['@permanent'] === 'boolean' ? oneApi['@permanent'] : undefined,
    retryAfterSeconds,
    privilegeNeeded: status === 403 ? parsePrivilegeNeeded(message) : undefined,
    activityId: activity,
  });
}

/** A OneApiError met inside a 200 response (a row `{"OneApiErrors":[...]}` or the DataSetCompletion). */
export function kustoErrorFromOneApi(errors: ReadonlyArray<OneApiError | { error?: OneApiError }>): KustoError {
  // The service wraps each entry as {"error":{...}}; accept the bare form too.
  const entry = errors[0] ?? {};
  const first: OneApiError = 'error' in entry && entry.error && typeof entry.error === 'object' ? entry.error : (entry as OneApiError);
  const message = first['@message'] ?? first.message ?? 'the query failed while streaming results';
  const extra = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
  return new KustoError({
    code: first.code ?? 'QueryFailed',
    message: withAdvice(message + extra),
    permanent: typeof first['@permanent'] === 'boolean' ? first['@permanent'] : undefined,
  });
}

/** Maps a Node network error (reset, refused, hang up) to a KustoError that keeps its cause. */
export function kustoErrorFromNetwork(err: unknown, what: string, url?: URL): KustoError {
  if (err instanceof KustoError) return err;
  const e = err as NodeJS.ErrnoException;
  // OpenSSL's "wrong version number": an https:// URL on a port that speaks plain HTTP.
  if (url?.protocol === 'https:' && (e?.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/i.test(e?.message ?? ''))) {
    const plain = new URL(url.origin);
    plain.protocol = 'http:';
    return new KustoError({ code: 'NotHttps', permanent: true, cause: err, message: `the cluster at ${url.origin} does not answer HTTPS (it speaks plain HTTP): use ${plain.origin} as the cluster URL` });
  }
  const code = e?.code ?? (/socket hang up/i.test(e?.message ?? '') ? 'SocketHangUp' : /aborted/i.test(e?.message ?? '') ? 'ResponseAborted' : 'NetworkError');
  return new KustoError({ code, message: `${what}: ${e?.message ?? String(err)}`, cause: err });
}

/** The 403 text says e.g. "Principal 'x' is not authorized to read database 'Db'." or names the role. */
export function parsePrivilegeNeeded(message: string): string | undefined {
  const role = /\b(database|table|cluster)\s+(viewer|user|ingestor|admin|monitor|unrestrictedviewer)s?\b/i.exec(message);
  if (role) return `${role[1].toLowerCase()} ${role[2].toLowerCase()}`;
  const action = /not authorized to (read|write|ingest into|perform|access|execute)\b[^']*'([^']+)'/i.exec(message);
  if (action) {
    const verb = action[1].toLowerCase();
    if (verb === 'read' || verb === 'access') return 'database viewer';
    if (verb === 'write' || verb === 'ingest into') return 'database ingestor';
    return 'database admin';
  }
  return undefined;
}

export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  if (Number.isFinite(date)) return Math.max(0, (date - now) / 1000);
  return undefined;
}

function parseOneApiBody(text: string): OneApiError | undefined {
  try {
    const body = JSON.parse(text) as { error?: OneApiError } | null;
    if (body && typeof body === 'object' && body.error && typeof body.error === 'object') return body.error;
  } catch {
    // not JSON: a gateway or proxy answered
  }
  return undefined;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function httpStatusCode(status: number): string {
  switch (status) {
    case 400: return 'BadRequest';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'NotFound';
    case 413: return 'PayloadTooLarge';
    case 429: return 'Throttled';
    case 504: return 'GatewayTimeout';
    default: return status >= 500 ? 'ServiceError' : `Http${status}`;
  }
}

function describeStatus(status: number, message: string): string {
  if (status === 401) return `Not signed in, or the token was refused (HTTP 401): ${message}`;
  if (status === 403) return `Access denied (HTTP 403): ${message}`;
  if (status === 429) return `Kusto is throttling requests (HTTP 429): ${message}`;
  return message;
}

function withAdvice(message: string): string {
  return message.includes(RESULT_SET_TOO_LARGE) || /result set too large|exceeded the allowed limits/i.test(message) ? `${message}\n${TRUNCATION_ADVICE}` : message;
}
