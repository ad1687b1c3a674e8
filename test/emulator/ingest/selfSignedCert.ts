// A self-signed X.509 certificate (EC P-256, SAN IP:127.0.0.1 and DNS:localhost) built with node's
// crypto and a few lines of DER, so no tool or package is needed to serve HTTPS on loopback.
// Cached under ~/.cache so that a process can trust it with NODE_EXTRA_CA_CERTS before it starts.
import { generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolsCache } from '../../helpers/toolsCache';

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));

function integer(bytes: Buffer): Buffer {
  return tlv(0x02, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function oid(text: string): Buffer {
  const arcs = text.split('.').map(Number);
  const out = [arcs[0] * 40 + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const chunk = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function utcTime(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, '0');
  return tlv(0x17, Buffer.from(`${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`));
}

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

export interface CertificatePair {
  certPem: string;
  keyPem: string;
}

export function createSelfSignedCertificate(commonName: string, days: number): CertificatePair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = seq(set(seq(oid('2.5.4.3'), utf8(commonName))));
  const now = Date.now();
  const san = seq(tlv(0x87, Buffer.from([127, 0, 0, 1])), tlv(0x82, Buffer.from('localhost')));
  const extensions = tlv(0xa3, seq(
    seq(oid('2.5.29.19'), bool(true), octets(seq(bool(true)))), // basicConstraints: CA (it is its own trust anchor)
    seq(oid('2.5.29.17'), octets(san)),
    seq(oid('2.5.29.37'), octets(seq(oid('1.3.6.1.5.5.7.3.1')))), // extKeyUsage: serverAuth
  ));
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    ECDSA_SHA256,
    name,
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + days * 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, ECDSA_SHA256, bits(signature));
  const certPem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  return { certPem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** The emulator's certificate, created once and reused while it is valid for another week. */
export function emulatorCertificate(): CertificatePair & { certPath: string } {
  const dir = process.env.KDM_EMULATOR_TLS_DIR ?? join(toolsCache(), 'emulator-tls');
  const certPath = join(dir, 'cert.pem');
  const existing = readPair(dir);
  if (existing) return { ...existing, certPath };
  if (existsSync(dir)) {
    try {
      renameSync(dir, `${dir}.expired-${process.pid}`);
    } catch {
      // another process replaced it first
    }
  }
  // Build in a private folder, then rename it into place: the rename is atomic, and a process
  // that loses the race reads the winner's pair, so key and certificate always belong together.
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  const pair = createSelfSignedCertificate('Kusto Emulator (loopback)', 365);
  writeFileSync(join(tmp, 'key.pem'), pair.keyPem, { mode: 0o600 });
  writeFileSync(join(tmp, 'cert.pem'), pair.certPem);
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    const winner = readPair(dir);
    if (winner) return { ...winner, certPath };
    throw new Error(`cannot create the emulator's TLS certificate in ${dir}`);
  }
  return { ...pair, certPath };
}

function readPair(dir: string): CertificatePair | undefined {
  try {
    const certPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const keyPem = readFileSync(join(dir, 'key.pem'), 'utf8');
    const validTo = new Date(new X509Certificate(certPem).validTo).getTime();
    return validTo > Date.now() + 7 * 86_400_000 ? { certPem, keyPem } : undefined;
  } catch {
    return undefined;
  }
}
