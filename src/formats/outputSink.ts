// Bytes out of a writer, with backpressure: a write that the destination can't take yet returns a
// promise that resolves on 'drain', so memory stays bounded however fast rows arrive. Optional
// gzip sits in front of the destination; the byte count is what reached the destination.
import { Transform, type TransformCallback, type Writable, pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';

export type StreamCompression = 'none' | 'gzip';

export class OutputSink {
  private readonly head: Writable;
  private readonly destination: Writable;
  private readonly gzipped: boolean;
  private readonly done: Promise<void>;
  private failure: Error | undefined;
  private destinationBytes = 0;
  /** Chunks handed on by writeQueued and not written yet, and who waits for the oldest of them. */
  private queuedChunks = 0;
  private queuedWritten: (() => void) | undefined;

  constructor(destination: Writable, compression: StreamCompression = 'none') {
    this.destination = destination;
    this.gzipped = compression === 'gzip';
    if (this.gzipped) {
      const gzip = createGzip({ level: 6 });
      const counter = new Transform({
        transform: (chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback) => {
          this.destinationBytes += chunk.length;
          callback(null, chunk);
        },
      });
      this.head = gzip;
      this.done = new Promise((resolve, reject) => {
        pipeline(gzip, counter, destination, (err) => {
          if (err) {
            this.failure ??= err;
            reject(err);
          } else resolve();
        });
      });
    } else {
      this.head = destination;
      this.done = new Promise((resolve, reject) => {
        const onError = (err: Error): void => {
          this.failure ??= err;
          reject(err);
        };
        destination.once('error', onError);
        // An fs.WriteStream has released its descriptor only at 'close'; other streams may never emit it.
        const endEvent = 'fd' in destination ? 'close' : 'finish';
        destination.once(endEvent, () => (this.failure ? reject(this.failure) : resolve()));
      });
    }
    // The promise is awaited in finish(); until then a rejection must not count as unhandled.
    this.done.catch(() => undefined);
  }

  /** Bytes written to the destination (after compression) so far. */
  get bytes(): number {
    return this.destinationBytes;
  }

  /**
   * Writes a chunk that the caller will not modify afterwards, or (with `onWritten`) not before
   * onWritten is called: once the chunk is written (not on a failure). Awaits only under backpressure.
   */
  write(chunk: Uint8Array, onWritten?: () => void): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    if (chunk.length === 0) {
      onWritten?.();
      return undefined;
    }
    const accepted = onWritten ? this.head.write(chunk, (err) => err || onWritten()) : this.head.write(chunk);
    if (!this.gzipped) this.destinationBytes += chunk.length;
    if (accepted) return undefined;
    return this.drained();
  }

  /**
   * write() for a run of large chunks (the text fast path's outputs, about 1-2 MB each): the chunk
   * is handed on at once and the caller goes on filling the next while it is written; only a chunk
   * handed on while another is still queued behind the one being written waits, until the older
   * one is written. So the file always has its next chunk ready when a write ends, and no more than
   * two chunks are queued, each written on its own (never joined into a larger vectored write).
   * write() instead waits for 'drain' whenever the chunk is past the queue's size, so the encoder
   * stood idle during every write. With gzip it is write().
   */
  writeQueued(chunk: Uint8Array, onWritten?: () => void): Promise<void> | undefined {
    if (this.gzipped) return this.write(chunk, onWritten);
    if (this.failure) throw this.failure;
    if (chunk.length === 0) {
      onWritten?.();
      return undefined;
    }
    this.queuedChunks++;
    this.head.write(chunk, (err) => {
      this.queuedChunks--;
      if (!err) onWritten?.();
      const wake = this.queuedWritten;
      this.queuedWritten = undefined;
      wake?.();
    });
    this.destinationBytes += chunk.length;
    if (this.queuedChunks <= 1) return undefined;
    return new Promise((resolve, reject) => {
      this.queuedWritten = resolve;
      this.done.catch(reject);
    });
  }

  /** Resolves at the head's next 'drain' (rejects on a failure of the chain first). */
  private drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onDrain = (): void => {
        this.head.off('error', onError);
        resolve();
      };
      const onError = (err: Error): void => {
        this.head.off('drain', onDrain);
        reject(err);
      };
      this.head.once('drain', onDrain);
      this.head.once('error', onError);
      this.done.catch(onError);
    });
  }

  /**
   * Writes chunks that the caller will not modify afterwards, in order, handed to the destination
   * together (a file stream writes them with one vectored write when it is idle). Awaits only
   * under backpressure, once for all of them.
   */
  writeAll(chunks: readonly Uint8Array[]): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    const corked = !this.gzipped && chunks.length > 1;
    let accepted = true;
    if (corked) this.head.cork();
    try {
      for (const chunk of chunks) {
        if (chunk.length === 0) continue;
        accepted = this.head.write(chunk);
        if (!this.gzipped) this.destinationBytes += chunk.length;
      }
    } finally {
      if (corked) this.head.uncork();
    }
    return accepted ? undefined : this.drained();
  }

  /** Ends the stream chain and resolves when every byte reached the destination. */
  async finish(): Promise<number> {
    if (this.failure) throw this.failure;
    this.head.end();
    await this.done;
    return this.destinationBytes;
  }

  /** Tears the chain down without flushing and waits until the destination has let go of its file. */
  async destroy(): Promise<void> {
    this.failure ??= new Error('output aborted');
    this.head.destroy();
    if (this.destination !== this.head) this.destination.destroy();
    if (this.destination.closed || !('fd' in this.destination)) return;
    await new Promise<void>((resolve) => this.destination.once('close', () => resolve()));
  }
}
