// When a pasted access token lapses, and when to tell the user: ten minutes before, so a person
// can paste a new one before jobs start failing (they fail resumably, but a warning is kinder).

/** Warn this long before a pasted token lapses. */
export const EXPIRY_WARNING_MS = 10 * 60_000;
/** setTimeout holds at most a 32-bit delay: a token valid for longer is looked at again later. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type ExpiryStatus = 'valid' | 'expiring' | 'expired';

export function expiryStatus(expiresAt: number, now: number): ExpiryStatus {
  if (expiresAt <= now) return 'expired';
  return expiresAt - now <= EXPIRY_WARNING_MS ? 'expiring' : 'valid';
}

/** Milliseconds until the warning is due (0: due now). */
export function warningDelay(expiresAt: number, now: number): number {
  return Math.min(MAX_TIMER_MS, Math.max(0, expiresAt - EXPIRY_WARNING_MS - now));
}

/** "in 5 minutes", "2 hours ago": how far `expiresAt` is from `now`, for a tooltip or warning. */
export function describeExpiry(expiresAt: number, now: number): string {
  const minutes = Math.round(Math.abs(expiresAt - now) / 60_000);
  const amount = minutes < 120 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.round(minutes / 60)} hours`;
  return expiresAt > now ? `expires in ${amount}` : `expired ${amount} ago`;
}
