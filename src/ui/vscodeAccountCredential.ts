// A TokenCredential over VS Code's own Microsoft sign-in. Silent first, on the account the
// connection is pinned to and with its tenant; it prompts only when a user action asks it to
// (Sign In), never from a job. The token's expiry comes from its JWT `exp`.
import * as vscode from 'vscode';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { jwtExpiry } from '../auth/tokenCache';
import type { Connection } from '../connections/connection';
import { SignInRequiredError } from '../engine/jobContext';

/** The token's `exp`; for an opaque token an hour, the service's default lifetime. */
function expiryOf(token: string): number {
  return jwtExpiry(token) ?? Date.now() + 3600_000;
}

export class VsCodeAccountCredential implements TokenCredential {
  constructor(private readonly connection: Connection, private readonly providerId = 'microsoft') {}

  private scopes(scopes: string | string[], tenantId?: string): string[] {
    const list = Array.isArray(scopes) ? [...scopes] : [scopes];
    const tenant = tenantId ?? this.connection.auth.tenantId;
    if (tenant) list.push(`VSCODE_TENANT:${tenant}`);
    return list;
  }

  private async account(): Promise<vscode.AuthenticationSessionAccountInformation | undefined> {
    const id = this.connection.auth.accountId;
    if (!id) return undefined;
    const accounts = await vscode.authentication.getAccounts(this.providerId);
    return accounts.find((a) => a.id === id);
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    if (this.connection.auth.signedOut) throw new SignInRequiredError(`Connection "${this.connection.name}" is signed out: use Sign In on it in the Connections view.`, this.connection.id);
    const account = await this.account();
    const session = await vscode.authentication.getSession(this.providerId, this.scopes(scopes, options?.tenantId), { silent: true, account });
    if (!session || (this.connection.auth.accountId && session.account.id !== this.connection.auth.accountId)) {
      throw new SignInRequiredError(`Connection "${this.connection.name}" needs you to sign in with your Microsoft account: use Sign In on it in the Connections view.`, this.connection.id);
    }
    return { token: session.accessToken, expiresOnTimestamp: expiryOf(session.accessToken) };
  }

  /** A user action: may prompt (or switch account). Returns the account to pin. */
  async signIn(scope: string, switchAccount = false): Promise<vscode.AuthenticationSessionAccountInformation> {
    const account = switchAccount ? undefined : await this.account();
    const session = await vscode.authentication.getSession(this.providerId, this.scopes(scope), switchAccount ? { forceNewSession: true, clearSessionPreference: true } : { createIfNone: true, account });
    if (!session) throw new SignInRequiredError(`Sign-in for connection "${this.connection.name}" was cancelled.`, this.connection.id);
    return session.account;
  }
}
