// The job process's side of token and secret requests: it has no credentials of its own, so
// each request goes over the channel to the front end that started it. A token is cached until
// shortly before it lapses (its expiresOnTimestamp, else the JWT's `exp`), so the engine's "a
// token per request" costs one round trip per token lifetime; with no front end attached the
// cached token serves until it lapses, then the job stops resumably (SignInRequiredError).
import { jwtExpiry } from '../auth/tokenCache';
import { type AccessTokenInfo, type CredentialResolver, type SecretResolver, SignInRequiredError, type TokenProvider } from '../engine/jobContext';

/** Ask again this long before a token lapses. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** A front end that does not answer a token request in this time is taken as gone. */
export const REQUEST_TIMEOUT_MS = 60_000;

export interface RequestChannel {
  /** False when no front end is attached (the window reloaded, the CLI died). */
  connected(): boolean;
  /** authId: the connection asked for, when not the job's own. */
  requestToken(resource: string, signal?: AbortSignal, authId?: string): Promise<AccessTokenInfo | undefined>;
  requestSecret(ref: string): Promise<string | undefined>;
}

export class ChannelTokenProvider implements TokenProvider {
  private readonly cache = new Map<string, { token: string; expiresAt: number | undefined }>();

  constructor(
    private readonly channel: RequestChannel,
    private readonly now: () => number = Date.now,
    /** Another connection than the job's own (a blob location's credentialId); undefined: the job's. */
    private readonly authId?: string,
  ) {}

  async getToken(resource: string, signal?: AbortSignal): Promise<string | undefined> {
    return (await this.getTokenInfo(resource, signal))?.token;
  }

  async getTokenInfo(resource: string, signal?: AbortSignal): Promise<AccessTokenInfo | undefined> {
    const cached = this.cache.get(resource);
    const t = this.now();
    if (cached && (cached.expiresAt === undefined || t < cached.expiresAt - REFRESH_MARGIN_MS)) return { token: cached.token, expiresOnTimestamp: cached.expiresAt };
    if (!this.channel.connected()) {
      // Near expiry with nobody to ask: go on with what is still valid, stop resumably after.
      if (cached && cached.expiresAt !== undefined && t < cached.expiresAt) return { token: cached.token, expiresOnTimestamp: cached.expiresAt };
      throw new SignInRequiredError('the job needs a new access token and no window is attached to give one; resume it from a window');
    }
    let info: AccessTokenInfo | undefined;
    try {
      info = await this.channel.requestToken(resource, signal, this.authId);
    } catch (err) {
      // A request lost with the window falls back to the cached token while it lasts.
      if (!this.channel.connected() && cached && cached.expiresAt !== undefined && t < cached.expiresAt) return { token: cached.token, expiresOnTimestamp: cached.expiresAt };
      throw err;
    }
    if (!info) return undefined;
    this.cache.set(resource, { token: info.token, expiresAt: info.expiresOnTimestamp ?? jwtExpiry(info.token) });
    return info;
  }
}

/**
 * The job's own auth id (`authId`, resolved by the front end before the start) to the channel
 * provider; any other id (a blob location opened with another connection's sign-in) to a provider
 * whose requests name that id, answered by the front end for the ids the job's spec names.
 */
export function channelCredentials(channel: RequestChannel, hasTokenProvider: boolean, credentialError: string | undefined, authId?: string): CredentialResolver {
  const provider = new ChannelTokenProvider(channel);
  const others = new Map<string, ChannelTokenProvider>();
  return {
    resolve: (id) => {
      if (id === undefined || id === authId) {
        if (credentialError) throw new Error(credentialError);
        return hasTokenProvider ? provider : undefined;
      }
      let other = others.get(id);
      if (!other) others.set(id, (other = new ChannelTokenProvider(channel, Date.now, id)));
      return other;
    },
  };
}

export function channelSecrets(channel: RequestChannel): SecretResolver {
  return {
    resolve: (ref) => {
      if (!channel.connected()) throw new SignInRequiredError(`the job needs the secret "${ref}" and no window is attached to give it; resume it from a window`);
      return channel.requestSecret(ref);
    },
  };
}
