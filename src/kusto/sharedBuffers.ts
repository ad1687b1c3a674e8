// Shared memory handed to the text span workers and back (responseReader.ts): a span's bytes go to
// a worker, and its CSV / JSON lines bytes come back, in buffers both threads see, reused once the
// span is settled and its text written. Moving fresh buffers instead made the reading thread's
// garbage collector run on their external memory (a fifth of that thread on 1 M rows).

/** Free SharedArrayBuffers, each taken by one span at a time and given back when that span is done with it. */
export class SharedBuffers {
  private readonly free: SharedArrayBuffer[] = [];

  /** @param keep at most this many free buffers are kept (the spans in flight bound how many are in use). */
  constructor(private readonly keep: number) {}

  /** A free buffer of at least `bytes` (a new one of `size`, or of `bytes` if larger, when none fits). */
  take(bytes: number, size: number): SharedArrayBuffer {
    for (let k = this.free.length - 1; k >= 0; k--) {
      if (this.free[k].byteLength >= bytes) return this.free.splice(k, 1)[0];
    }
    return new SharedArrayBuffer(Math.max(bytes, size));
  }

  give(buffer: SharedArrayBuffer | undefined): void {
    if (!buffer) return;
    if (this.free.length < this.keep) this.free.push(buffer);
  }
}
