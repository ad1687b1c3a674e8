import { randomBytes } from 'node:crypto';

/** A fresh value per webview load for the CSP `script-src 'nonce-…'`. */
export function createNonce(): string {
  return randomBytes(18).toString('base64');
}
