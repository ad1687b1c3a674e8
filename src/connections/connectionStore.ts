// Saved connections: the non-secret fields in the extension's global state, every secret only in
// SecretStorage under a key made of the connection's id. Written against the two small shapes of
// vscode.Memento and vscode.SecretStorage it uses, so it is unit-tested without VS Code.
import { randomUUID } from 'node:crypto';
import { ALL_SECRET_NAMES, type Connection, normalizeClusterUrl, SECRET_NAMES, type SecretName, type StagingLocation, stagingUrlProblem, validateConnection } from './connection';

export interface StateLike {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

export interface SecretsLike {
  get(key: string): Thenable<string | undefined>;
  store(key: string, value: string): Thenable<void>;
  delete(key: string): Thenable<void>;
}

const STATE_KEY = 'kustoDataMover.connections';

export function secretKey(connectionId: string, name: SecretName): string {
  return `kustoDataMover.connection/${connectionId}/${name}`;
}

/** Where a staging location's SAS or account key is kept; a JobSpec names this key as its secretRef. */
export function stagingSecretKey(connectionId: string, stagingId: string): string {
  return `kustoDataMover.connection/${connectionId}/staging/${stagingId}`;
}

type Listener = () => void;

export class ConnectionStore {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly state: StateLike, private readonly secrets: SecretsLike) {}

  onDidChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  list(): Connection[] {
    return (this.state.get<Connection[]>(STATE_KEY) ?? []).map((c) => ({ ...c, auth: { ...c.auth } }));
  }

  get(id: string): Connection | undefined {
    return this.list().find((c) => c.id === id);
  }

  newId(): string {
    return randomUUID();
  }

  /**
   * Adds or replaces a connection. `secrets` holds the values its auth kind needs; a secret left
   * out keeps its stored value (an edit that does not retype it). Secrets of other kinds are deleted.
   */
  async save(connection: Connection, secrets: Partial<Record<SecretName, string>> = {}): Promise<Connection> {
    const clean = validateConnection({ ...connection, clusterUrl: normalizeClusterUrl(connection.clusterUrl), name: connection.name.trim() });
    for (const key of Object.keys(clean) as Array<keyof Connection>) if (clean[key] === undefined || clean[key] === '') delete clean[key];
    // An edit (which asks nothing about staging) keeps the connection's staging locations.
    const existingStaging = this.get(clean.id)?.staging;
    if (!clean.staging && existingStaging) clean.staging = existingStaging;
    const needed = SECRET_NAMES[clean.auth.kind];
    for (const name of Object.keys(secrets) as SecretName[]) {
      if (!needed.includes(name)) throw new Error(`auth kind ${clean.auth.kind} takes no secret "${name}"`);
    }
    for (const name of needed) {
      const value = secrets[name];
      if (value !== undefined) await this.secrets.store(secretKey(clean.id, name), value);
      else if ((await this.secrets.get(secretKey(clean.id, name))) === undefined) throw new Error(`the ${name} of connection "${clean.name}" is missing`);
    }
    for (const name of ALL_SECRET_NAMES) if (!needed.includes(name)) await this.secrets.delete(secretKey(clean.id, name));
    const others = this.list().filter((c) => c.id !== clean.id);
    if (others.some((c) => c.name.toLowerCase() === clean.name.toLowerCase())) throw new Error(`a connection named "${clean.name}" exists already`);
    const all = this.list();
    const at = all.findIndex((c) => c.id === clean.id);
    if (at >= 0) all[at] = clean;
    else all.push(clean);
    await this.state.update(STATE_KEY, all);
    this.fire();
    return clean;
  }

  /** Removes the connection and every secret stored for it (its staging locations' too). */
  async remove(id: string): Promise<void> {
    for (const name of ALL_SECRET_NAMES) await this.secrets.delete(secretKey(id, name));
    for (const s of this.get(id)?.staging ?? []) await this.secrets.delete(stagingSecretKey(id, s.id));
    await this.state.update(STATE_KEY, this.list().filter((c) => c.id !== id));
    this.fire();
  }

  async secret(id: string, name: SecretName): Promise<string | undefined> {
    return this.secrets.get(secretKey(id, name));
  }

  /** Adds a staging location to a connection; its SAS or account key (not for credential) only in SecretStorage. */
  async addStaging(connectionId: string, location: Omit<StagingLocation, 'id'>, secret?: string): Promise<StagingLocation> {
    const problem = stagingUrlProblem(location.url);
    if (problem) throw new Error(problem);
    if (/[?&]sig=/i.test(location.url)) throw new Error('keep the SAS out of the URL: it is stored as the location\'s secret');
    if (location.authKind !== 'credential' && !secret) throw new Error(`a staging location with ${location.authKind === 'sas' ? 'a SAS' : 'an account key'} needs it`);
    if (location.authKind === 'credential' && secret) throw new Error('a staging location that signs in with the connection\'s credential takes no secret');
    const all = this.list();
    const c = all.find((x) => x.id === connectionId);
    if (!c) throw new Error(`no connection with id "${connectionId}"`);
    const url = location.url.trim().replace(/\/+$/, '');
    if ((c.staging ?? []).some((s) => s.url.toLowerCase() === url.toLowerCase())) throw new Error(`"${c.name}" has the staging location ${url} already`);
    const added: StagingLocation = { id: randomUUID(), url, authKind: location.authKind };
    if (secret) await this.secrets.store(stagingSecretKey(connectionId, added.id), secret);
    c.staging = [...(c.staging ?? []), added];
    await this.state.update(STATE_KEY, all);
    this.fire();
    return added;
  }

  async stagingSecret(connectionId: string, stagingId: string): Promise<string | undefined> {
    return this.secrets.get(stagingSecretKey(connectionId, stagingId));
  }

  async removeStaging(connectionId: string, stagingId: string): Promise<void> {
    const all = this.list();
    const c = all.find((x) => x.id === connectionId);
    if (!c) return;
    await this.secrets.delete(stagingSecretKey(connectionId, stagingId));
    c.staging = (c.staging ?? []).filter((s) => s.id !== stagingId);
    if (c.staging.length === 0) delete c.staging;
    await this.state.update(STATE_KEY, all);
    this.fire();
  }

  /** Records the VS Code account a connection is pinned to (after a user signs in). */
  async pinAccount(id: string, account: { id: string; label: string }): Promise<void> {
    const all = this.list();
    const c = all.find((x) => x.id === id);
    if (!c) return;
    c.auth.accountId = account.id;
    c.auth.accountLabel = account.label;
    delete c.auth.signedOut;
    await this.state.update(STATE_KEY, all);
    this.fire();
  }

  /**
   * Sign Out: forgets the VS Code account the connection is pinned to and marks it signed out, so
   * nothing signs in silently until the user chooses Sign In. Its stored secrets stay (Remove drops them).
   */
  async signOut(id: string): Promise<void> {
    const all = this.list();
    const c = all.find((x) => x.id === id);
    if (!c) return;
    delete c.auth.accountId;
    delete c.auth.accountLabel;
    if (c.auth.kind === 'vscodeAccount') c.auth.signedOut = true;
    await this.state.update(STATE_KEY, all);
    this.fire();
  }

  /** Replaces one secret of a saved connection (Paste New Token), checked against its auth kind. */
  async replaceSecret(id: string, name: SecretName, value: string): Promise<void> {
    const c = this.get(id);
    if (!c) throw new Error(`no connection with id "${id}"`);
    if (!SECRET_NAMES[c.auth.kind].includes(name)) throw new Error(`auth kind ${c.auth.kind} takes no secret "${name}"`);
    await this.secrets.store(secretKey(id, name), value);
    this.fire();
  }

  private fire(): void {
    for (const l of this.listeners) l();
  }
}
