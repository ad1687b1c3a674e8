// Pasted access tokens lapse (an hour, usually) and nothing can renew them: the Connections view
// shows each one's expiry, and a warning with "Paste New Token" comes ten minutes before it
// lapses (or at once when it already has), one per token.
import * as vscode from 'vscode';
import type { Connection } from '../connections/connection';
import type { ConnectionStore } from '../connections/connectionStore';
import { describeExpiry, expiryStatus, warningDelay } from '../connections/tokenExpiry';
import { jwtExpiry } from '../auth/tokenCache';

export class TokenExpiryWatch implements vscode.Disposable {
  private readonly expiries = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** connection id → the expiry already warned about (a new token warns again). */
  private readonly warned = new Map<string, number>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: { dispose(): void };

  constructor(private readonly store: ConnectionStore) {
    this.subscription = store.onDidChange(() => void this.scan());
    void this.scan();
  }

  /** When the connection's pasted token lapses (ms), if it is a userToken connection with a JWT. */
  expiryOf(connectionId: string): number | undefined {
    return this.expiries.get(connectionId);
  }

  private async scan(): Promise<void> {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.expiries.clear();
    for (const connection of this.store.list()) {
      if (connection.auth.kind !== 'userToken') continue;
      const token = await this.store.secret(connection.id, 'userToken');
      const expiresAt = token ? jwtExpiry(token) : undefined;
      if (expiresAt === undefined) continue;
      this.expiries.set(connection.id, expiresAt);
      this.schedule(connection, expiresAt);
    }
    this.changed.fire();
  }

  private schedule(connection: Connection, expiresAt: number): void {
    if (this.warned.get(connection.id) === expiresAt) return;
    const delay = warningDelay(expiresAt, Date.now());
    const check = () => {
      this.timers.delete(connection.id);
      if (expiryStatus(expiresAt, Date.now()) === 'valid') return this.schedule(connection, expiresAt);
      this.warned.set(connection.id, expiresAt);
      this.changed.fire();
      void this.warn(connection, expiresAt);
    };
    if (delay === 0) check();
    else this.timers.set(connection.id, setTimeout(check, delay));
  }

  private async warn(connection: Connection, expiresAt: number): Promise<void> {
    const when = `${describeExpiry(expiresAt, Date.now())} (${new Date(expiresAt).toLocaleTimeString()})`;
    const choice = await vscode.window.showWarningMessage(
      `Kusto Data Mover: the access token pasted into "${connection.name}" ${when}. Jobs on it fail (resumably) once it lapses.`,
      'Paste New Token',
    );
    if (choice) await vscode.commands.executeCommand('kustoDataMover.pasteNewToken', { kind: 'connection', connection });
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.subscription.dispose();
    this.changed.dispose();
  }
}
