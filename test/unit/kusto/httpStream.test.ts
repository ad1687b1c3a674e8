import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { ChunkedDecoder, httpStream } from '../../../src/kusto/httpStream';
import { KustoError } from '../../../src/kusto/kustoError';
import { postKustoStream } from '../../../src/kusto/kustoHttp';
import { createSelfSignedCertificate } from '../../emulator/ingest/selfSignedCert';

/** A TCP server whose connections are answered by `answer` with raw bytes (after the request's head and body arrive). */
let server: Server;
let port = 0;
let answer: (socket: Socket, request: string) => void = () => undefined;
before(async () => {
  server = createServer((socket) => {
    let got = '';
    socket.on('data', (chunk) => {
      got += chunk.toString('latin1');
      const at = got.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(got)?.[1] ?? 0);
      if (at >= 0 && got.length >= at + 4 + length) answer(socket, got);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const url = (): URL => new URL(`http://127.0.0.1:${port}/v2/rest/query?x=1`);

async function bodyOf(readable: AsyncIterable<Buffer>): Promise<{ text: string; chunks: Buffer[] }> {
  const chunks: Buffer[] = [];
  for await (const chunk of readable) chunks.push(chunk);
  return { text: Buffer.concat(chunks).toString('utf8'), chunks };
}

function chunkedText(body: string, sizes: number[]): string {
  let out = '';
  let at = 0;
  for (const size of sizes) {
    out += `${size.toString(16)}\r\n${body.slice(at, at + size)}\r\n`;
    at += size;
  }
  return `${out}0\r\n\r\n`;
}

describe('ChunkedDecoder', () => {
  test('gives the same body however the framed bytes are cut, and views of the input, not copies', () => {
    const body = 'abcdefghijklmnopqrstuvwxyz0123456789';
    // A chunk extension on the second chunk's size line (10 = a).
    const framed = Buffer.from(chunkedText(body, [1, 10, 25]).replace('\r\na\r\nbcdefghijk', '\r\na;name=value\r\nbcdefghijk'), 'latin1');
    assert.match(framed.toString('latin1'), /a;name=value/);
    for (let cut = 0; cut <= framed.length; cut++) {
      for (let cut2 = cut; cut2 <= framed.length; cut2 += 7) {
        const decoder = new ChunkedDecoder();
        const pieces: Buffer[] = [];
        for (const part of [framed.subarray(0, cut), framed.subarray(cut, cut2), framed.subarray(cut2)]) {
          decoder.write(part, (piece) => {
            assert.equal(piece.buffer, framed.buffer, 'a piece is a view of the bytes read');
            pieces.push(piece);
          });
        }
        assert.equal(Buffer.concat(pieces).toString('latin1'), body, `cut at ${cut}, ${cut2}`);
        assert.equal(decoder.done, true);
      }
    }
  });

  test('skips trailers and says where the body ended', () => {
    const decoder = new ChunkedDecoder();
    const framed = Buffer.from('3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\nrest', 'latin1');
    const pieces: string[] = [];
    const end = decoder.write(framed, (p) => pieces.push(p.toString()));
    assert.deepEqual(pieces, ['abc']);
    assert.equal(decoder.done, true);
    assert.equal(framed.toString('latin1', end), 'rest');
  });

  test('refuses a chunk size that is not hexadecimal, and data without its CRLF', () => {
    assert.throws(() => new ChunkedDecoder().write(Buffer.from('zz\r\n'), () => undefined), /chunk size/);
    assert.throws(() => new ChunkedDecoder().write(Buffer.from('2\r\nabX\r\n'), () => undefined), /no CRLF/);
  });
});

describe('httpStream', () => {
  test('sends the request line, Host and the headers, and reads a Content-Length body that came with the head as a view of the same read', async () => {
    let request = '';
    answer = (socket, got) => {
      request = got;
      // Head and body in one write: one read on the client's side; the socket stays open (the length ends the body).
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Twice: a\r\nx-twice: b\r\nContent-Length: 11\r\n\r\nhello world');
    };
    const exchange = httpStream({ url: url(), method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': '2' }, body: Buffer.from('{}') });
    const response = await exchange.response;
    assert.equal(response.status, 200);
    assert.equal(response.headers['x-twice'], 'a, b');
    const { text, chunks } = await bodyOf(response.body);
    assert.equal(text, 'hello world');
    assert.ok(chunks[0].byteOffset > 0, 'the body starts inside the read that held the head: not copied out of it');
    assert.match(request, /^POST \/v2\/rest\/query\?x=1 HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nConnection: close\r\nContent-Type: application\/json\r\nContent-Length: 2\r\n\r\n\{\}$/);
  });

  test('reads a chunked body written a byte at a time, after a 100 Continue head', async () => {
    const body = '{"rows":[1,2,3]}';
    answer = (socket) => {
      const bytes = Buffer.from(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunkedText(body, [3, 1, 12])}`, 'latin1');
      let i = 0;
      const next = (): void => {
        if (i >= bytes.length) return;
        socket.write(bytes.subarray(i, ++i), next);
      };
      next();
    };
    const response = await httpStream({ url: url(), method: 'POST', headers: {}, body: Buffer.alloc(0) }).response;
    assert.equal(response.status, 200);
    assert.equal((await bodyOf(response.body)).text, body);
  });

  test('a body without a length ends when the server closes; one with a length that closes early fails', async () => {
    answer = (socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nall of it');
    const open = await httpStream({ url: url(), method: 'POST', headers: {}, body: Buffer.alloc(0) }).response;
    assert.equal((await bodyOf(open.body)).text, 'all of it');
    answer = (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort');
    const short = await httpStream({ url: url(), method: 'POST', headers: {}, body: Buffer.alloc(0) }).response;
    await assert.rejects(bodyOf(short.body), (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET');
  });

  test('a connection closed before the head, and a head that is not HTTP, fail the request', async () => {
    answer = (socket) => socket.destroy();
    await assert.rejects(httpStream({ url: url(), method: 'POST', headers: {}, body: Buffer.alloc(0) }).response, (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET');
    answer = (socket) => socket.end('SMTP ready\r\n\r\n');
    await assert.rejects(httpStream({ url: url(), method: 'POST', headers: {}, body: Buffer.alloc(0) }).response, /not an HTTP\/1\.1 response/);
  });

  test('postKustoStream: a closed connection is a transient KustoError, an HTTP error keeps its status and message', async () => {
    answer = (socket) => socket.destroy();
    await assert.rejects(postKustoStream(`http://127.0.0.1:${port}`, 'v2/rest/query', {}), (err: unknown) => err instanceof KustoError && err.transient);
    answer = (socket) => {
      const text = '{"error":{"code":"BadRequest","@message":"no such table","@permanent":true}}';
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
    };
    await assert.rejects(postKustoStream(`http://127.0.0.1:${port}`, 'v2/rest/query', {}), (err: unknown) => err instanceof KustoError && err.httpStatus === 400 && err.message === 'no such table' && !err.transient);
  });

  test('postKustoStream: the headers timeout and an abort end a request that gets no answer', async () => {
    answer = () => undefined;
    await assert.rejects(postKustoStream(`http://127.0.0.1:${port}`, 'v2/rest/query', {}, { headersTimeoutMs: 100 }), (err: unknown) => err instanceof KustoError && /no answer within 100 ms/.test(err.message));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(postKustoStream(`http://127.0.0.1:${port}`, 'v2/rest/query', {}, { signal: controller.signal }), (err: Error) => err.name === 'AbortError');
  });

  test('https: the body comes through TLS; a certificate the trust does not hold is refused', async () => {
    const cert = createSelfSignedCertificate('localhost', 1);
    const tlsServer = createTlsServer({ cert: cert.certPem, key: cert.keyPem }, (socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    try {
      const tlsUrl = new URL(`https://127.0.0.1:${(tlsServer.address() as { port: number }).port}/v2/rest/query`);
      const response = await httpStream({ url: tlsUrl, method: 'POST', headers: {}, body: Buffer.from('{}'), ca: cert.certPem }).response;
      assert.equal((await bodyOf(response.body)).text, 'hello');
      await assert.rejects(httpStream({ url: tlsUrl, method: 'POST', headers: {}, body: Buffer.from('{}') }).response, (err: NodeJS.ErrnoException) => /self[- ]signed|unable to verify/i.test(`${err.code} ${err.message}`));
    } finally {
      await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    }
  });
});
