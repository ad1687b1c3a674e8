// The ingestion status table is served over HTTPS. The local emulator serves it with a
// self-signed certificate; rather than ask every user for NODE_EXTRA_CA_CERTS, a job trusts that
// certificate when, and only when, both the cluster and the status table are on a loopback
// address (only a process on this machine can listen there). Anywhere else the system's trust
// store decides, and a certificate it refuses is reported before the job changes anything.
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { KustoError } from '../kustoError';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

interface Handshake {
  authorized: boolean;
  error?: string;
  pem?: string;
  selfSigned: boolean;
}

function handshake(url: URL, signal?: AbortSignal): Promise<Handshake> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    // Verification is read from the result (authorized / authorizationError), not enforced here,
    // so that the certificate of a loopback endpoint can be taken when the store refuses it.
    const socket = tls.connect({ host, port: Number(url.port || 443), servername: isIP(host) ? undefined : host, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerCertificate(true);
      const pem = cert?.raw ? `-----BEGIN CERTIFICATE-----\n${cert.raw.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n` : undefined;
      const selfSigned = !!cert?.raw && (cert.issuerCertificate === undefined || cert.issuerCertificate === cert || cert.issuerCertificate.raw?.equals(cert.raw) === true);
      const verifyError = socket.authorizationError ? String((socket.authorizationError as Error).message ?? socket.authorizationError) : undefined;
      resolve({ authorized: socket.authorized, error: verifyError, pem, selfSigned });
      socket.end();
    });
    socket.setTimeout(15_000, () => socket.destroy(new Error('no TLS answer within 15 s')));
    socket.once('error', reject);
    signal?.addEventListener('abort', () => socket.destroy(Object.assign(new Error('the job was cancelled'), { name: 'AbortError' })), { once: true });
  });
}

/**
 * The CA to pass to the status-table client: undefined when the system trusts its certificate,
 * its own self-signed certificate when it and the cluster are local, else a clear error.
 */
export async function statusTableTrust(clusterUrl: string, statusTableUrl: string, signal?: AbortSignal): Promise<string | undefined> {
  const url = new URL(statusTableUrl);
  if (url.protocol !== 'https:') return undefined;
  const where = `${url.origin}${url.pathname}`;
  let result: Handshake;
  try {
    result = await handshake(url, signal);
  } catch (err) {
    throw new KustoError({ code: 'StatusTableUnreachable', message: `cannot reach the ingestion status table at ${where}: ${(err as Error).message}`, permanent: false });
  }
  if (result.authorized) return undefined;
  const local = isLoopbackHost(new URL(clusterUrl).hostname) && isLoopbackHost(url.hostname);
  if (local && result.selfSigned && result.pem) return result.pem;
  throw new KustoError({
    code: 'StatusTableUntrusted',
    permanent: true,
    message: `the ingestion status table at ${where} presents a certificate this machine does not trust (${result.error ?? 'unverified'}); nothing was changed. Add its CA to the trust store (NODE_EXTRA_CA_CERTS=<ca.pem>)${local ? '' : '; a self-signed certificate is trusted on its own only when the cluster and the status table are on this machine (a loopback address)'}`,
  });
}
