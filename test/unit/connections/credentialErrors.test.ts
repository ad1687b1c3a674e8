// The extension and the engine are two bundles, each with its own copy of SignInRequiredError: a
// sign-in error thrown by the window's VS Code account credential must still be recognised by
// the engine's provider (found by the code-server e2e, where it was reported as "failed").
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTokenProvider, explainCredentialError } from '../../../src/auth/credentialFactory';
import type { Connection } from '../../../src/connections/connection';

const mine: Connection = { id: 'v1', name: 'Mine', clusterUrl: 'http://127.0.0.1:8082', auth: { kind: 'vscodeAccount' } };

/** What the other bundle's SignInRequiredError looks like from here: same shape, other class. */
class OtherBundleSignInRequired extends Error {
  readonly code = 'SIGN_IN_REQUIRED';
  constructor(message: string, readonly connectionId?: string) {
    super(message);
    this.name = 'SignInRequiredError';
  }
}

describe('sign-in errors across bundles', () => {
  test('explainCredentialError passes a sign-in error of another bundle through, code and message kept', () => {
    const err = new OtherBundleSignInRequired('Connection "Mine" needs you to sign in with your Microsoft account.', 'v1');
    const explained = explainCredentialError(mine, err) as { code?: string; message: string; connectionId?: string };
    assert.equal(explained.code, 'SIGN_IN_REQUIRED');
    assert.equal(explained.message, 'Connection "Mine" needs you to sign in with your Microsoft account.');
    assert.equal(explained.connectionId, 'v1');
  });

  test('a provider over the VS Code account credential rejects with SIGN_IN_REQUIRED when the window has no session', async () => {
    const provider = createTokenProvider(mine, {
      secret: async () => undefined,
      fetch: (async () => new Response('{}', { status: 404 })) as typeof fetch,
      vscodeAccount: { getToken: async () => { throw new OtherBundleSignInRequired('Connection "Mine" needs you to sign in with your Microsoft account.', 'v1'); } },
    });
    await assert.rejects(provider!.getToken(mine.clusterUrl), (err: { code?: string }) => err.code === 'SIGN_IN_REQUIRED');
  });
});
