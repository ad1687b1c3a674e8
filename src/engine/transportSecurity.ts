// Plain http sends tokens, SAS signatures and data in clear text: a job may use it only for this
// machine (a local emulator or Azurite on a loopback address), unless its spec says
// `"options": {"allowInsecureHttp": true}` on purpose (CLI: --allow-insecure-http), which is then
// warned about in the job's log.
import { isLoopbackHost } from '../kusto/ingest/loopbackTrust';
import type { JobSpec } from './jobSpec';

export class InsecureTransportError extends Error {
  readonly code = 'InsecureTransport';
}

/** The http:// URLs of a spec (clusters, staging, blob locations) that are not on this machine. */
export function plainHttpEndpoints(spec: JobSpec): string[] {
  const urls: string[] = [];
  const source = spec.source;
  const destination = spec.destination;
  if (source.kind === 'kustoQuery') {
    urls.push(source.connection.clusterUrl);
    if (source.staging) urls.push(source.staging.url);
  } else if (source.location.kind === 'blob') urls.push(source.location.url);
  if (destination.kind === 'kustoTable') urls.push(destination.connection.clusterUrl);
  else if (destination.location.kind === 'blob') urls.push(destination.location.url);
  return urls.filter(isRemotePlainHttp).map(withoutQuery);
}

export function isRemotePlainHttp(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname);
  } catch {
    return false;
  }
}

/** Never a SAS in a message. */
function withoutQuery(url: string): string {
  return url.split('?')[0] ?? url;
}

/** Refuses `urls` over plain http to another machine unless the spec allows it; then `warn` says so. */
export function checkPlainHttp(urls: string[], spec: JobSpec, warn: (message: string) => void, what = ''): void {
  const remote = urls.filter(isRemotePlainHttp).map(withoutQuery);
  if (remote.length === 0) return;
  const list = [...new Set(remote)].join(', ');
  if (spec.options?.allowInsecureHttp === true) {
    warn(`plain http to ${list}${what}: tokens, keys and data travel unencrypted (allowed by options.allowInsecureHttp)`);
    return;
  }
  throw new InsecureTransportError(`plain http is refused for ${list}${what} (not this machine): tokens, keys and data would travel unencrypted. Use https, or allow it on purpose with "options": {"allowInsecureHttp": true} in the job file (CLI: --allow-insecure-http)`);
}
