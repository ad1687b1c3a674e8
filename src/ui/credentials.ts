import * as vscode from 'vscode';
import type { CredentialResolver, SecretResolver } from '../engine/jobContext';

/** Credential ids a JobSpec may name in `auth: { kind: 'credential', id }`. */
export const VSCODE_MICROSOFT_ACCOUNT = 'vscodeMicrosoftAccount';

/**
 * Tokens for jobs run in the window. For now: none (the emulator's open mode) or the VS Code
 * Microsoft account; connections with their own sign-in plug in here.
 */
export function windowCredentials(): CredentialResolver {
  return {
    resolve: (id) => {
      if (id === undefined) return undefined;
      if (id !== VSCODE_MICROSOFT_ACCOUNT) throw new Error(`unknown credential "${id}": sign in through a Kusto Data Mover connection`);
      return {
        getToken: async (resource) => {
          const scope = `${new URL(resource).origin}/.default`;
          const session = await vscode.authentication.getSession('microsoft', [scope], { createIfNone: true });
          return session.accessToken;
        },
      };
    },
  };
}

/** Secrets named by a job (`secretRef`) live only in VS Code's SecretStorage. */
export function windowSecrets(storage: vscode.SecretStorage): SecretResolver {
  return { resolve: async (ref) => storage.get(ref) };
}
