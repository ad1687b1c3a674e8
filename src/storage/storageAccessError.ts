// A storage refusal said so that the user can act on it: which identity, which role, which
// account. The SDK's own message ("This request is not authorized to perform this operation using
// this permission") names none of them, and with a sign-in (Entra) credential the fix is a role
// assignment on the storage, not anything in Kusto or in the job.
import type { ResolvedBlobLocation } from './blobLocation';
import { STORAGE_SCOPE } from './blobLocation';

/** The Azure RBAC data roles a job needs on a blob location it opens with a sign-in. */
export type StorageDataRole = 'Storage Blob Data Reader' | 'Storage Blob Data Contributor';

/** Error codes with which Azure Storage refuses an authenticated caller that lacks a permission. */
const PERMISSION_CODES = new Set(['AuthorizationPermissionMismatch', 'AuthorizationFailure', 'AuthorizationResourceTypeMismatch', 'KeyBasedAuthenticationNotPermitted']);

export class StorageAccessError extends Error {
  readonly code = 'StorageAccessDenied';
  constructor(message: string) {
    super(message);
    this.name = 'StorageAccessError';
  }
}

function errorCodeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; details?: { errorCode?: unknown }; response?: { headers?: { get?(name: string): string | undefined } } } | undefined;
  if (typeof e?.details?.errorCode === 'string') return e.details.errorCode;
  const header = e?.response?.headers?.get?.('x-ms-error-code');
  if (header) return header;
  return typeof e?.code === 'string' ? e.code : undefined;
}

/** "aadapp=<app id>;<tenant>" or "aaduser=<upn>" (Kusto's FQN style, as Test Connection shows it) from a bearer token's claims. */
export function principalOfToken(token: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const str = (k: string): string | undefined => (typeof claims[k] === 'string' && claims[k] !== '' ? (claims[k] as string) : undefined);
    const user = str('upn') ?? str('unique_name') ?? str('preferred_username');
    if (user) return `aaduser=${user}`;
    const app = str('appid') ?? str('azp');
    if (app) return `aadapp=${app}${str('tid') ? `;${str('tid')}` : ''}`;
    return str('oid') ? `object id ${str('oid')}` : undefined;
  } catch {
    return undefined;
  }
}

async function principalOf(resolved: ResolvedBlobLocation): Promise<string | undefined> {
  try {
    const token = await resolved.credential?.getToken(STORAGE_SCOPE);
    return token ? principalOfToken(token.token) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The refusal of `err` said with the role to assign, or undefined when `err` is not a permission
 * refusal (a 403 with one of Storage's authorization codes).
 */
export async function explainStorageRefusal(err: unknown, resolved: ResolvedBlobLocation, role: StorageDataRole, doing: string): Promise<StorageAccessError | undefined> {
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
  const code = errorCodeOf(err);
  if (status !== 403 || (code !== undefined && !PERMISSION_CODES.has(code))) return undefined;
  const { accountName, container } = resolved.parsed;
  const why = code ? ` (${code})` : '';
  if (resolved.authKind === 'credential') {
    const who = (await principalOf(resolved)) ?? 'the signed-in identity';
    const connection = resolved.location.credentialId ? ` (the sign-in of connection "${resolved.location.credentialId}")` : '';
    return new StorageAccessError(
      `storage account '${accountName}' refused ${who}${connection} ${doing} in container '${container}'${why}: ` +
        `that identity needs the ${role} role on the storage account '${accountName}' or its container '${container}'. ` +
        `An owner of the account assigns it (Azure portal: the account → Access control (IAM) → Add role assignment → ${role}); ` +
        'a new assignment can take a few minutes to apply, then resume the job.',
    );
  }
  if (code === 'KeyBasedAuthenticationNotPermitted') {
    return new StorageAccessError(`storage account '${accountName}' does not allow account keys or SAS tokens signed with one (shared key access is disabled): open the location with the connection's sign-in instead (it then needs the ${role} role there)`);
  }
  const needs = role === 'Storage Blob Data Reader' ? 'read and list' : 'read, list, write, create and delete';
  return new StorageAccessError(`storage account '${accountName}' refused the location's ${resolved.authKind === 'sas' ? 'SAS token' : 'account key'} ${doing} in container '${container}'${why}: a SAS needs the ${needs} permissions and must not have expired`);
}

/** Runs `step`, turning a permission refusal into a StorageAccessError that says what to do. */
export async function withStorageAccess<T>(resolved: ResolvedBlobLocation, role: StorageDataRole, doing: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw (await explainStorageRefusal(err, resolved, role, doing)) ?? err;
  }
}
