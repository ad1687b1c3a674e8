import type { ServerResponse } from 'node:http';

/**
 * A fake server's answer that sends `body` in chunks of `size` bytes, one per turn of the event loop,
 * so that characters, values and rows are cut wherever the size falls.
 */
export function chunkedAnswer(body: Buffer | string, size: number) {
  return (_req: unknown, res: ServerResponse): void => {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
    let at = 0;
    const next = (): void => {
      if (at >= bytes.length) {
        res.end();
        return;
      }
      res.write(bytes.subarray(at, at + size));
      at += size;
      setImmediate(next);
    };
    next();
  };
}
