import { promises as fs } from 'node:fs';

/**
 * Replaces `path` with `text` so that a crash leaves either the old or the new content, never a
 * torn file: write a temporary sibling, fsync it, then rename it over the target.
 */
export async function writeFileDurably(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, path);
}
