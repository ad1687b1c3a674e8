// A tiny stand-in for Kusto's query endpoint, for unit tests of the reader and the runner: each
// request is answered by the next scripted response (status, headers, body chunks, faults).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  /** Body chunks, written in order. */
  chunks?: string[];
  /** Destroy the socket after writing this many chunks (a reset mid-stream). */
  resetAfterChunks?: number;
  /** Wait forever after this many chunks (for cancel tests). */
  stallAfterChunks?: number;
  gzip?: boolean;
}

export interface ReceivedRequest {
  url: string;
  headers: IncomingMessage['headers'];
  body: { db?: string; csl?: string; properties?: { Options?: Record<string, unknown> } };
}

export interface FakeKustoServer {
  url: string;
  requests: ReceivedRequest[];
  /** Responses for the next requests, in order; the last one repeats. */
  script(responses: Array<ScriptedResponse | ((req: ReceivedRequest, res: ServerResponse) => void)>): void;
  stop(): Promise<void>;
}

export async function startFakeKusto(): Promise<FakeKustoServer> {
  let queue: Array<ScriptedResponse | ((req: ReceivedRequest, res: ServerResponse) => void)> = [];
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const received: ReceivedRequest = { url: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as ReceivedRequest['body'] };
      requests.push(received);
      const next = queue.length > 1 ? queue.shift() : queue[0];
      if (!next) {
        res.writeHead(500).end('no scripted response');
        return;
      }
      if (typeof next === 'function') {
        next(received, res);
        return;
      }
      const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', ...next.headers };
      const chunks = next.chunks ?? [];
      if (next.gzip) {
        res.writeHead(next.status ?? 200, { ...headers, 'Content-Encoding': 'gzip' }).end(gzipSync(chunks.join('')));
        return;
      }
      res.writeHead(next.status ?? 200, headers);
      res.flushHeaders();
      let i = 0;
      const writeNext = (): void => {
        if (next.resetAfterChunks !== undefined && i >= next.resetAfterChunks) {
          res.socket?.destroy();
          return;
        }
        if (next.stallAfterChunks !== undefined && i >= next.stallAfterChunks) return;
        if (i >= chunks.length) {
          res.end();
          return;
        }
        res.write(chunks[i++]);
        setTimeout(writeNext, 5);
      };
      writeNext();
    });
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    script: (responses) => {
      queue = [...responses];
      requests.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A progressive v2 response: the given columns and row JSON texts, one fragment per group. */
export function progressiveResponse(columns: Array<[string, string]>, fragments: string[][]): string[] {
  const header = `{"FrameType":"TableHeader","TableId":1,"TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":[${columns.map(([n, t]) => `{"ColumnName":"${n}","ColumnType":"${t}"}`).join(',')}]}`;
  const rows = fragments.reduce((sum, f) => sum + f.length, 0);
  return [
    '[{"FrameType":"DataSetHeader","IsProgressive":true,"Version":"v2.0","IsFragmented":true,"ErrorReportingPlacement":"EndOfTable"}',
    `,\n${header}`,
    ...fragments.map((f) => `,\n{"FrameType":"TableFragment","TableFragmentType":"DataAppend","TableId":1,"Rows":[${f.join(',')}]}`),
    `,\n{"FrameType":"TableCompletion","TableId":1,"RowCount":${rows}}`,
    ',\n{"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}\n]',
  ];
}
