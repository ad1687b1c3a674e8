// A fault rule that counts how often the emulator applied it. FaultSet.match reads only
// endpoint/command/everyNth/times; the emulator's applyFaults then reads `delayMs` of each rule
// that fired: once, and a second time to wait when it is set. So reads of `delayMs` count firings.
import type { FaultRule } from '../emulator/server/faults';

export interface CountedFault { rule: FaultRule; fired: () => number }

export function countedFault(rule: FaultRule): CountedFault {
  const { delayMs, ...rest } = rule;
  let reads = 0;
  const counted = { ...rest } as FaultRule;
  Object.defineProperty(counted, 'delayMs', { enumerable: true, get: () => { reads++; return delayMs; } });
  return { rule: counted, fired: () => (delayMs ? Math.floor(reads / 2) : reads) };
}
