// Errors the emulator answers with, in the service's OneApiError shape.
import { KqlError } from '../kql/contract';

const TYPES: Record<number, string> = {
  400: 'Kusto.Data.Exceptions.KustoBadRequestException',
  401: 'Kusto.Data.Exceptions.KustoClientAuthenticationException',
  403: 'Kusto.Data.Exceptions.KustoRequestDeniedException',
  404: 'Kusto.Data.Exceptions.EntityNotFoundException',
  413: 'Kusto.Data.Exceptions.KustoRequestPayloadTooLargeException',
  429: 'Kusto.Data.Exceptions.KustoRequestThrottledException',
  500: 'Kusto.Data.Exceptions.KustoServiceException',
};

const CODES: Record<number, string> = {
  400: 'General_BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 413: 'PayloadTooLarge', 429: 'TooManyRequests', 500: 'Internal',
};

/** An error with the HTTP status and OneApiError fields the service would send. */
export class KustoRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string = CODES[status] ?? 'General_BadRequest',
    message: string,
    readonly type: string = TYPES[status] ?? TYPES[500],
    readonly permanent: boolean = status >= 400 && status < 500 && status !== 429,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'KustoRequestError';
  }
}

export const badRequest = (message: string): KustoRequestError => new KustoRequestError(400, 'General_BadRequest', message);

export interface OneApiError {
  error: {
    code: string;
    message: string;
    '@type': string;
    '@message': string;
    '@context': { timestamp: string; clientRequestId: string; activityId: string };
    '@permanent': boolean;
  };
}

export interface RequestIds {
  clientRequestId: string;
  activityId: string;
}

/** Any thrown value → the service's error; KqlError keeps its status and message. */
export function toRequestError(error: unknown): KustoRequestError {
  if (error instanceof KustoRequestError) return error;
  if (error instanceof KqlError) return new KustoRequestError(error.httpStatus, 'General_BadRequest', error.message);
  const message = error instanceof Error ? error.message : String(error);
  return new KustoRequestError(500, 'Internal', `Emulator internal error: ${message}`, TYPES[500], false);
}

export function oneApiError(error: KustoRequestError, ids: RequestIds): OneApiError {
  return {
    error: {
      code: error.code,
      message: error.status === 400 ? 'Request is invalid and cannot be executed.' : error.message,
      '@type': error.type,
      '@message': error.message,
      '@context': { timestamp: new Date().toISOString(), clientRequestId: ids.clientRequestId, activityId: ids.activityId },
      '@permanent': error.permanent,
    },
  };
}
