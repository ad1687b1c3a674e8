// The job host's channel: malformed messages are refused, and the job process's token provider
// caches a token until near its expiry, asks again then, and with no window attached serves the
// cached token while valid and stops resumably (SIGN_IN_REQUIRED) after.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AccessTokenInfo } from '../../../src/engine/jobContext';
import { jwtExpiry } from '../../../src/auth/tokenCache';
import { ChannelTokenProvider, REFRESH_MARGIN_MS, type RequestChannel, channelCredentials } from '../../../src/jobHost/channelCredentials';
import { ChannelMessageError, parseHostMessage, parseJobMessage } from '../../../src/jobHost/protocol';

describe('channel messages', () => {
  test('a well-formed progress message passes; a wrong phase, a string count or an unknown type are refused', () => {
    const ok = parseJobMessage({ type: 'progress', event: { jobId: 'j', phase: 'writing', rows: 5, bytes: 10 } });
    assert.equal(ok.type, 'progress');
    assert.throws(() => parseJobMessage({ type: 'progress', event: { jobId: 'j', phase: 'dancing' } }), ChannelMessageError);
    assert.throws(() => parseJobMessage({ type: 'progress', event: { jobId: 'j', phase: 'writing', rows: '5' } }), ChannelMessageError);
    assert.throws(() => parseJobMessage({ type: 'exec', command: 'rm -rf /' }), ChannelMessageError);
    assert.throws(() => parseJobMessage(null), ChannelMessageError);
  });

  test('a result must carry an end state and a list of paths', () => {
    const result = { jobId: 'j', direction: 'kustoToFiles', state: 'succeeded', rows: 1, bytes: 2, files: ['/a'], seconds: 1 };
    assert.equal(parseJobMessage({ type: 'result', result, warnings: [] }).type, 'result');
    assert.throws(() => parseJobMessage({ type: 'result', result: { ...result, state: 'running' }, warnings: [] }), ChannelMessageError);
    assert.throws(() => parseJobMessage({ type: 'result', result: { ...result, files: [1] }, warnings: [] }), ChannelMessageError);
  });

  test('host messages: start needs a jobs folder and a request kind; token answers need a numeric id', () => {
    assert.equal(parseHostMessage({ type: 'start', request: { kind: 'resume', jobId: 'j' }, jobsDir: '/x', hasTokenProvider: false }).type, 'start');
    assert.throws(() => parseHostMessage({ type: 'start', request: { kind: 'format' }, jobsDir: '/x', hasTokenProvider: false }), ChannelMessageError);
    assert.throws(() => parseHostMessage({ type: 'tokenResponse', id: 'one', token: 't' }), ChannelMessageError);
  });
});

function fakeChannel(expiresIn: number, now: () => number): RequestChannel & { asked: number; attached: boolean } {
  const channel = {
    asked: 0,
    attached: true,
    connected: () => channel.attached,
    requestToken: async (): Promise<AccessTokenInfo> => {
      channel.asked++;
      return { token: `t${channel.asked}`, expiresOnTimestamp: now() + expiresIn };
    },
    requestSecret: async () => undefined,
  };
  return channel;
}

describe('the job process token provider', () => {
  test('caches a token until the refresh margin before its expiry, then asks again', async () => {
    let t = 1_000_000;
    const channel = fakeChannel(3600_000, () => t);
    const provider = new ChannelTokenProvider(channel, () => t);
    assert.equal(await provider.getToken('https://c'), 't1');
    t += 3600_000 - REFRESH_MARGIN_MS - 1;
    assert.equal(await provider.getToken('https://c'), 't1');
    assert.equal(channel.asked, 1);
    t += 2;
    assert.equal(await provider.getToken('https://c'), 't2');
    assert.equal(channel.asked, 2);
  });

  test('with no window attached: the cached token while it is valid, then SIGN_IN_REQUIRED', async () => {
    let t = 0;
    const channel = fakeChannel(600_000, () => t);
    const provider = new ChannelTokenProvider(channel, () => t);
    await provider.getToken('https://c');
    channel.attached = false;
    t = 600_000 - 1000; // inside the refresh margin, still valid
    assert.equal(await provider.getToken('https://c'), 't1');
    t = 600_001;
    await assert.rejects(provider.getToken('https://c'), (err: unknown) => (err as { code?: string }).code === 'SIGN_IN_REQUIRED');
    assert.equal(channel.asked, 1);
  });

  test('the JWT exp claim stands in for a missing expiry', () => {
    const payload = Buffer.from(JSON.stringify({ exp: 1700000000 })).toString('base64url');
    assert.equal(jwtExpiry(`h.${payload}.`), 1700000000_000);
    assert.equal(jwtExpiry('opaque-token'), undefined);
  });
});

describe('the job process credentials: one connection per id', () => {
  test('the job\'s own id asks without an id; a blob location\'s other connection asks by its id, each with its own cache', async () => {
    const asked: Array<[string, string | undefined]> = [];
    const channel: RequestChannel = {
      connected: () => true,
      requestToken: async (resource, _signal, authId) => {
        asked.push([resource, authId]);
        return { token: `${authId ?? 'own'}-token`, expiresOnTimestamp: Date.now() + 3600_000 };
      },
      requestSecret: async () => undefined,
    };
    const credentials = channelCredentials(channel, true, undefined, 'conn-kusto');
    assert.equal(await credentials.resolve('conn-kusto')?.getToken('https://cluster'), 'own-token');
    assert.equal(await credentials.resolve(undefined)?.getToken('https://cluster'), 'own-token');
    assert.equal(await credentials.resolve('conn-storage')?.getToken('https://storage.azure.com/'), 'conn-storage-token');
    assert.equal(await credentials.resolve('conn-storage')?.getToken('https://storage.azure.com/'), 'conn-storage-token');
    assert.deepEqual(asked, [['https://cluster', undefined], ['https://storage.azure.com/', 'conn-storage']]);
  });

  test('a refused own credential fails its own id only; a job without sign-in still reaches a location\'s connection', async () => {
    const channel: RequestChannel = { connected: () => true, requestToken: async (_r, _s, authId) => ({ token: `${authId}-token` }), requestSecret: async () => undefined };
    const refused = channelCredentials(channel, false, 'the job names connection "gone"', 'gone');
    assert.throws(() => refused.resolve('gone'), /connection "gone"/);
    assert.equal(await refused.resolve('conn-storage')?.getToken('https://storage.azure.com/'), 'conn-storage-token');
    const none = channelCredentials(channel, false, undefined, undefined);
    assert.equal(none.resolve(undefined), undefined);
  });

  test('a token request may name its connection; a non-string id is refused', () => {
    assert.deepEqual(parseJobMessage({ type: 'tokenRequest', id: 1, resource: 'r', authId: 'conn-2' }), { type: 'tokenRequest', id: 1, resource: 'r', authId: 'conn-2' });
    assert.throws(() => parseJobMessage({ type: 'tokenRequest', id: 1, resource: 'r', authId: 7 }), ChannelMessageError);
  });
});
