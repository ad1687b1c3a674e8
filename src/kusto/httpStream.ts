// One HTTP/1.1 request over a socket of its own (net or tls), for the query response: its body
// chunks are views of the bytes the socket read, not copies. node:http copies every body chunk
// into a new Buffer (its parser's on_body) and runs it through IncomingMessage's stream: reading
// the bench's 925 MB response that way took 1.2-1.5 s of CPU against 0.5-0.7 s from the socket.
// The request says `Connection: close`: one exchange per socket, no pool, no keep-alive.
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';

export interface HttpStreamResponse {
  status: number;
  /** Header names in lower case; repeated headers joined by ", ". */
  headers: Record<string, string>;
  /** The body as sent (transfer coding undone, content coding not); read it or destroy it. */
  body: Readable;
  /** Closes the socket (the body errors if it is still being read). */
  destroy(): void;
}

/**
 * Plain http: each read of the socket goes into a new buffer this large (the chunk is a view of
 * what was read into it), rather than libuv's 64 KB: a few hundred KB wait in the socket while
 * rows are parsed, so a read takes them at once. On the bench's 925 MB response about a third of
 * the reads and read callbacks of 64 KB ones.
 */
let readBytes = 256 << 10;

/** Sets the size of plain http's reads (see readBytes); returns the one before. For tests that mean their chunks to arrive cut as node:http's 64 KB reads cut them. */
export function setSocketReadBytes(bytes: number): number {
  const before = readBytes;
  readBytes = Math.max(1024, bytes);
  return before;
}
/** A response head longer than this is refused (node:http's default limit is 16 KB). */
const MAX_HEAD_BYTES = 64 << 10;
const CRLF_CRLF = Buffer.from('\r\n\r\n', 'latin1');

export class HttpFramingError extends Error {
  readonly code = 'HPE_INVALID';
}

function ended(what: string): Error {
  return Object.assign(new Error(what), { code: 'ECONNRESET' });
}

/** The body's bytes out of chunked transfer coding: each piece is a view of the chunk it came in. */
export class ChunkedDecoder {
  /** 0: a chunk-size line; 1: chunk data; 2: the CRLF after the data; 3: trailer lines. */
  private state = 0;
  private line = '';
  private left = 0;
  done = false;

  /** Hands each run of body bytes in `chunk` to `out`; returns where the body ended in `chunk` (its length if it goes on). */
  write(chunk: Buffer, out: (piece: Buffer) => void): number {
    let i = 0;
    const n = chunk.length;
    while (i < n && !this.done) {
      if (this.state === 1) {
        const take = Math.min(this.left, n - i);
        out(chunk.subarray(i, i + take));
        i += take;
        this.left -= take;
        if (this.left === 0) this.state = 2;
        continue;
      }
      const lf = chunk.indexOf(10, i);
      const end = lf < 0 ? n : lf;
      this.line += chunk.toString('latin1', i, end);
      if (this.line.length > 4096) throw new HttpFramingError('malformed chunked encoding: a line longer than 4096 bytes');
      if (lf < 0) return n;
      i = lf + 1;
      const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
      this.line = '';
      if (this.state === 0) {
        const size = line.split(';', 1)[0].trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw new HttpFramingError(`malformed chunked encoding: chunk size ${JSON.stringify(size.slice(0, 20))}`);
        this.left = parseInt(size, 16);
        this.state = this.left === 0 ? 3 : 1;
      } else if (this.state === 2) {
        if (line !== '') throw new HttpFramingError('malformed chunked encoding: no CRLF after a chunk');
        this.state = 0;
      } else if (line === '') this.done = true;
    }
    return i;
  }
}

interface ParsedHead {
  status: number;
  headers: Record<string, string>;
}

function parseHead(text: string): ParsedHead {
  const lines = text.split('\r\n');
  const statusLine = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0]);
  if (!statusLine) throw new HttpFramingError(`not an HTTP/1.1 response: ${JSON.stringify(lines[0].slice(0, 40))}`);
  const headers: Record<string, string> = {};
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k];
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HttpFramingError(`malformed response header ${JSON.stringify(line.slice(0, 40))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { status: Number(statusLine[1]), headers };
}

class SocketBody extends Readable {
  constructor(private readonly socket: Socket) {
    super();
  }

  override _read(): void {
    this.socket.resume();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.socket.destroy();
    callback(err);
  }
}

export interface HttpStreamRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer;
  /** https: certificates to trust in place of the system's (tests); verification is always on. */
  ca?: string;
}

/**
 * Sends the request; resolves with the status and headers once the response head is in (the
 * body streams on), rejects on a socket error, a connection closed before the head, or a head
 * that is not HTTP/1.1. 1xx heads are skipped.
 */
export function httpStream(request: HttpStreamRequest): { response: Promise<HttpStreamResponse>; destroy(): void } {
  const { url } = request;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  // What the bytes read go to (the response's parser, once it is set up below).
  let receive: (chunk: Buffer) => void = () => undefined;
  const socket: Socket = secure
    ? tlsConnect({ host, port, servername: isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'], ...(request.ca ? { ca: request.ca } : {}) })
    : netConnect({
        host,
        port,
        onread: {
          buffer: () => Buffer.allocUnsafe(readBytes),
          callback: (bytes: number, buffer: Uint8Array) => {
            receive((buffer as Buffer).subarray(0, bytes));
            // Reading goes on; the body's backpressure pauses the socket itself.
            return true;
          },
        },
      });
  if (secure) socket.on('data', (chunk: Buffer) => receive(chunk));
  socket.setNoDelay(true);
  const lines = [`${request.method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close'];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  socket.write(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), request.body]));

  const response = new Promise<HttpStreamResponse>((resolve, reject) => {
    let head: Buffer[] = [];
    let headBytes = 0;
    let body: SocketBody | undefined;
    let framing: 'length' | 'chunked' | 'close' = 'close';
    let left = 0;
    let chunked: ChunkedDecoder | undefined;
    let finished = false;

    const finish = (): void => {
      if (finished || !body) return;
      finished = true;
      body.push(null);
      receive = () => undefined;
      socket.end();
    };
    const fail = (err: Error): void => {
      if (body) {
        if (!finished) {
          finished = true;
          body.destroy(err);
        }
      } else reject(err);
      socket.destroy();
    };
    const pushBody = (piece: Buffer): void => {
      if (piece.length > 0 && !(body as SocketBody).push(piece)) socket.pause();
    };
    const onBody = (chunk: Buffer): void => {
      if (framing === 'close') pushBody(chunk);
      else if (framing === 'length') {
        const take = Math.min(left, chunk.length);
        left -= take;
        pushBody(take === chunk.length ? chunk : chunk.subarray(0, take));
        if (left === 0) finish();
      } else {
        (chunked as ChunkedDecoder).write(chunk, pushBody);
        if ((chunked as ChunkedDecoder).done) finish();
      }
    };
    const onHead = (chunk: Buffer): void => {
      head.push(chunk);
      headBytes += chunk.length;
      const all = head.length === 1 ? chunk : Buffer.concat(head, headBytes);
      const at = all.indexOf(CRLF_CRLF);
      if (at < 0) {
        if (headBytes > MAX_HEAD_BYTES) throw new HttpFramingError(`a response head longer than ${MAX_HEAD_BYTES} bytes`);
        head = [all];
        return;
      }
      head = [];
      headBytes = 0;
      const parsed = parseHead(all.toString('latin1', 0, at));
      const rest = all.subarray(at + 4);
      if (parsed.status >= 100 && parsed.status < 200) {
        if (rest.length > 0) onHead(rest);
        return;
      }
      const te = (parsed.headers['transfer-encoding'] ?? '').toLowerCase();
      const length = parsed.headers['content-length'];
      if (parsed.status === 204 || parsed.status === 304) {
        framing = 'length';
        left = 0;
      } else if (te.split(',').some((t) => t.trim() === 'chunked')) {
        framing = 'chunked';
        chunked = new ChunkedDecoder();
      } else if (length !== undefined) {
        if (!/^\d{1,15}$/.test(length.trim())) throw new HttpFramingError(`malformed content-length ${JSON.stringify(length.slice(0, 20))}`);
        framing = 'length';
        left = Number(length.trim());
      }
      body = new SocketBody(socket);
      resolve({ status: parsed.status, headers: parsed.headers, body, destroy: () => socket.destroy() });
      if (framing === 'length' && left === 0) finish();
      else if (rest.length > 0) onBody(rest);
    };
    const onData = (chunk: Buffer): void => {
      try {
        if (body) onBody(chunk);
        else onHead(chunk);
      } catch (err) {
        fail(err as Error);
      }
    };
    receive = onData;
    socket.on('error', (err) => fail(err));
    socket.on('end', () => {
      if (body && framing === 'close') finish();
      else if (!finished) fail(ended(body ? 'the response ended before its body did' : 'socket hang up'));
    });
    socket.on('close', () => {
      if (!finished) fail(ended(body ? 'the response was aborted' : 'socket hang up'));
    });
  });
  return { response, destroy: () => socket.destroy() };
}
