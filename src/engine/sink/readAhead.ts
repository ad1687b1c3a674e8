// Results of `fn` over `items`, handed on in the items' order, with up to `limit` calls under way:
// the remote reads of many small things (a footer per file, each a round trip or two) overlap,
// while the caller still sees them one by one, in order, as a sequential loop would.
/**
 * An error is seen where the sequential loop would have seen it (at its item, in order); when the
 * caller stops early (an error, a break), calls already started are let finish before it goes on,
 * so nothing runs on behind it.
 */
export async function* readAhead<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): AsyncGenerator<R> {
  const started: Array<Promise<R>> = [];
  const start = (i: number): void => {
    const call = fn(items[i]);
    // Handled where it is awaited, in order; until then a rejection is not "unhandled".
    call.catch(() => undefined);
    started.push(call);
  };
  let next = 0;
  try {
    for (let i = 0; i < items.length; i++) {
      while (next < items.length && next < i + Math.max(1, limit)) start(next++);
      yield await started[i];
    }
  } finally {
    await Promise.allSettled(started);
  }
}
