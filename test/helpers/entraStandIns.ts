// The set-up the Entra sign-in tests share: the authority stand-in with the tests' apps (client
// secrets), the emulator in tokens mode when the test needs a cluster, and Azurite's Blob service
// over HTTPS taking bearer tokens (startOAuthBlobService), all on the loopback certificate, which
// this process trusts. Stopped in the reverse order by `stop()`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from '../../src/connections/connection';
import { startAuthority, type RunningAuthority } from '../authority/authorityServer';
import { emulatorCertificate } from '../emulator/ingest/selfSignedCert';
import { type EmulatorOptions, type RunningEmulator, startEmulator, trustEmulatorCertificate } from '../emulator/index';
import { type OAuthBlobService, startOAuthBlobService } from './azurite';

export interface EntraStandInsOptions {
  tenant: string;
  /** Client ids of the registered apps, each with the secret `secretOf(app)`. */
  apps: string[];
  secretOf: (app: string) => string;
  /** The container the Blob service starts with. */
  container: string;
  /** Start the emulator too, in tokens mode, with these options. */
  emulator?: Omit<EmulatorOptions, 'auth'>;
  /** Prefix of the test's own scratch folder (`work`). */
  workPrefix: string;
}

export interface EntraStandIns {
  authority: RunningAuthority;
  /** Present when the options asked for one. */
  emulator: RunningEmulator | undefined;
  storage: OAuthBlobService;
  /** A scratch folder of the test's own, removed by `stop()`. */
  work: string;
  /** The app's principal as Kusto names it: `aadapp=<app>;<tenant>`. */
  fqn(app: string): string;
  /** A saved connection `conn-<app>` that signs in as the app with its client secret. */
  connection(app: string, clusterUrl: string): Connection;
  stop(): Promise<void>;
}

export async function startEntraStandIns(options: EntraStandInsOptions): Promise<EntraStandIns> {
  const started: Array<{ stop(): Promise<void> }> = [];
  const work = mkdtempSync(join(tmpdir(), options.workPrefix));
  const stop = async (): Promise<void> => {
    for (const s of started.reverse()) await s.stop();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    trustEmulatorCertificate({ statusTable: { caPem: emulatorCertificate().certPem } } as Parameters<typeof trustEmulatorCertificate>[0]);
    let emulator: RunningEmulator | undefined;
    if (options.emulator) {
      emulator = await startEmulator({ ...options.emulator, auth: 'tokens' });
      started.push(emulator);
      trustEmulatorCertificate(emulator);
    }
    const authority = await startAuthority({ apps: options.apps.map((clientId) => ({ clientId, tenantId: options.tenant, secret: options.secretOf(clientId) })) });
    started.push(authority);
    const storage = await startOAuthBlobService(options.container);
    started.push(storage);
    return {
      authority,
      emulator,
      storage,
      work,
      fqn: (app) => `aadapp=${app};${options.tenant}`,
      connection: (app, clusterUrl) => ({ id: `conn-${app}`, name: app, clusterUrl, auth: { kind: 'appSecret', tenantId: options.tenant, clientId: app, authorityHost: authority.url } }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
