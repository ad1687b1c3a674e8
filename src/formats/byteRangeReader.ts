// Random access to a file's bytes wherever it lives (local disk, a blob): what footer readers and
// samplers need, so that they read a few KB of a remote file instead of downloading it.
import { open } from 'node:fs/promises';

export interface ByteRangeSource {
  /** For messages. */
  name: string;
  size(): Promise<number>;
  /** Up to `length` bytes from `offset` (fewer at the end of the file). */
  read(offset: number, length: number): Promise<Buffer>;
}

export function localByteSource(path: string): ByteRangeSource {
  return {
    name: path,
    size: async () => {
      const handle = await open(path, 'r');
      try {
        return (await handle.stat()).size;
      } finally {
        await handle.close();
      }
    },
    read: async (offset, length) => {
      const handle = await open(path, 'r');
      try {
        const buffer = Buffer.alloc(length);
        let filled = 0;
        while (filled < length) {
          const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return buffer.subarray(0, filled);
      } finally {
        await handle.close();
      }
    },
  };
}

export function asByteSource(source: string | ByteRangeSource): ByteRangeSource {
  return typeof source === 'string' ? localByteSource(source) : source;
}
