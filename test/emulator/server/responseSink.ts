// Writes a response body with backpressure (awaits 'drain'), so that a large result streams with
// bounded memory, and applies the "reset after N bytes" fault by destroying the socket and the
// "slow until" fault by pacing (then holding) its writes.
import type { ServerResponse } from 'node:http';
import type { SlowResponse } from './faults';

export class ResponseSink {
  private written = 0;
  private pending = '';
  private closed = false;
  private slowed = false;
  private readonly gone: Promise<void>;

  constructor(
    private readonly res: ServerResponse,
    private readonly resetAfterBytes?: number,
    private readonly slow?: SlowResponse,
    /** Texts are gathered into writes of about this size: fewer syscalls, same memory bound. */
    private readonly flushAt = 64 * 1024,
  ) {
    this.gone = new Promise((resolve) => res.once('close', () => {
      this.closed = true;
      resolve();
    }));
    if (slow) {
      this.slowed = true;
      const fullSpeed = (): void => void (this.slowed = false);
      slow.until.then(fullSpeed, fullSpeed);
    }
  }

  /** True once the client went away: producers stop reading rows. */
  get aborted(): boolean {
    return this.closed && !this.res.writableFinished;
  }

  async write(text: string): Promise<void> {
    this.pending += text;
    if (this.pending.length >= this.flushAt) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.pending) return;
    let chunk = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    if (this.closed) throw new Error('client closed the connection');
    if (this.slowed) {
      await this.pace(chunk.length);
      if (this.closed) throw new Error('client closed the connection');
    }
    if (this.resetAfterBytes !== undefined && this.written + chunk.length > this.resetAfterBytes) {
      chunk = chunk.subarray(0, Math.max(0, this.resetAfterBytes - this.written));
      // 0: not even the status line leaves (it goes out with the first write), a reply lost whole.
      if (chunk.length > 0) this.res.write(chunk);
      this.written += chunk.length;
      // Let the bytes leave, then cut the connection mid-body as a failing network would.
      await new Promise((r) => setTimeout(r, 20));
      this.res.socket?.destroy();
      this.closed = true;
      throw new Error('fault: connection reset');
    }
    this.written += chunk.length;
    if (!this.res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.res.off('drain', done);
          this.res.off('close', done);
          resolve();
        };
        this.res.on('drain', done);
        this.res.on('close', done);
      });
    }
  }

  /** While slowed: one write per `delayMs`, and none past `holdAfterBytes` until `until` settles. */
  private async pace(bytes: number): Promise<void> {
    const slow = this.slow as SlowResponse;
    // Released, or the client went away: stop waiting.
    const settled = Promise.race([slow.until.then(() => undefined, () => undefined), this.gone]);
    await Promise.race([new Promise((r) => setTimeout(r, slow.delayMs)), settled]);
    if (this.slowed && slow.holdAfterBytes !== undefined && this.written + bytes > slow.holdAfterBytes) await settled;
  }

  async end(): Promise<void> {
    await this.flush();
    if (!this.closed) this.res.end();
  }
}
