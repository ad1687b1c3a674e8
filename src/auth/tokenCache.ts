// A TokenProvider over any TokenCredential: one token per scope, kept until five minutes before it
// lapses, then asked for again, so a job that outlives its token goes on with a fresh one.
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import type { AccessTokenInfo, TokenProvider } from '../engine/jobContext';

/** Refresh this long before a token lapses (the service refuses a token some seconds early). */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export interface CachedProviderOptions {
  /** The scope to ask for a request to `resource` (a cluster URL, a storage URL). */
  scopeFor(resource: string, signal?: AbortSignal): Promise<string>;
  /** Turns a credential's failure into the error a user can act on. */
  explain?(err: unknown): unknown;
  now?: () => number;
  tenantId?: string;
  /** How long before expiry a token is renewed (default REFRESH_MARGIN_MS). */
  refreshMarginMs?: number;
}

export class CachedTokenProvider implements TokenProvider {
  private readonly cache = new Map<string, AccessToken>();
  private readonly pending = new Map<string, Promise<AccessToken>>();

  constructor(readonly credential: TokenCredential, private readonly options: CachedProviderOptions) {}

  async getToken(resource: string, signal?: AbortSignal): Promise<string | undefined> {
    return (await this.getTokenInfo(resource, signal)).token;
  }

  async getTokenInfo(resource: string, signal?: AbortSignal): Promise<AccessTokenInfo> {
    const scope = await this.options.scopeFor(resource, signal);
    const now = (this.options.now ?? Date.now)();
    const cached = this.cache.get(scope);
    if (cached && cached.expiresOnTimestamp - (this.options.refreshMarginMs ?? REFRESH_MARGIN_MS) > now) return { token: cached.token, expiresOnTimestamp: cached.expiresOnTimestamp };
    let inFlight = this.pending.get(scope);
    if (!inFlight) {
      const request: GetTokenOptions = { abortSignal: signal, tenantId: this.options.tenantId };
      inFlight = this.credential.getToken(scope, request).then((token) => {
        if (!token) throw new Error(`no token was issued for ${scope}`);
        return token;
      });
      this.pending.set(scope, inFlight);
      void inFlight.then(() => this.pending.delete(scope), () => this.pending.delete(scope));
    }
    try {
      const token = await inFlight;
      this.cache.set(scope, token);
      return { token: token.token, expiresOnTimestamp: token.expiresOnTimestamp };
    } catch (err) {
      throw this.options.explain ? this.options.explain(err) : err;
    }
  }

  /** Forget cached tokens (sign out, or a 401 that says the token is no good any more). */
  clear(): void {
    this.cache.clear();
  }
}

/** The claims of a JWT (unverified: only to show who and until when). */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The token's `exp` in milliseconds, if it has one. */
export function jwtExpiry(token: string): number | undefined {
  const exp = jwtClaims(token)?.exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

/** The principal a token names, in Kusto's FQN form: aadapp=<appid>;<tid> or aaduser=<upn>. */
export function principalOfJwt(token: string): string | undefined {
  const c = jwtClaims(token);
  if (!c) return undefined;
  if (typeof c.appid === 'string' && typeof c.upn !== 'string') return `aadapp=${c.appid}${typeof c.tid === 'string' ? `;${c.tid}` : ''}`;
  const upn = c.upn ?? c.unique_name ?? c.preferred_username;
  if (typeof upn === 'string') return `aaduser=${upn}${typeof c.tid === 'string' ? `;${c.tid}` : ''}`;
  if (typeof c.kdm_principal === 'string') return c.kdm_principal;
  return undefined;
}
