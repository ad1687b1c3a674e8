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
  requestToken(resource: string, signal?: AbortSignal): Promise<AccessTokenInfo | undefined>;
  requestSecret(ref: string): Promise<string | undefined>;
}

export class ChannelTokenProvider implements TokenProvider {
  private readonly cache = new Map<string, { token: string; expiresAt: number | undefined }>();

  constructor(
    private readonly channel: RequestChannel,
    private readonly now: () => number = Date.now,
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
      info = await this.channel.requestToken(resource, signal);
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

/** Resolves the job's one auth id to the channel provider (the front end resolved it before the start). */
export function channelCredentials(channel: RequestChannel, hasTokenProvider: boolean, credentialError: string | undefined): CredentialResolver {
  const provider = new ChannelTokenProvider(channel);
  return {
    resolve: () => {
      if (credentialError) throw new Error(credentialError);
      return hasTokenProvider ? provider : undefined;
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
