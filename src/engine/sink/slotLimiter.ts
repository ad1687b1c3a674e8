// At most `limit` slots in use at once; a call takes `weight` of them (clipped to the limit, so a
// heavy call can always run) and waits its turn, first come first served: a heavy call at the head
// is not overtaken by lighter ones behind it, so files still start in order.
export type SlotLimiter = <T>(fn: () => Promise<T>, weight?: number) => Promise<T>;

export function slotLimiter(limit: number): SlotLimiter {
  let free = Math.max(1, limit);
  const waiting: Array<{ weight: number; start: () => void }> = [];
  const release = (weight: number): void => {
    free += weight;
    while (waiting.length > 0 && waiting[0].weight <= free) {
      const next = waiting.shift() as { weight: number; start: () => void };
      free -= next.weight;
      next.start();
    }
  };
  return async <T>(fn: () => Promise<T>, weight = 1): Promise<T> => {
    const slots = Math.min(Math.max(1, weight), Math.max(1, limit));
    if (waiting.length === 0 && slots <= free) free -= slots;
    else await new Promise<void>((start) => waiting.push({ weight: slots, start }));
    try {
      return await fn();
    } finally {
      release(slots);
    }
  };
}
