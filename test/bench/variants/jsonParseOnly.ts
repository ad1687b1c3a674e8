// A reference, not a way to move data: the whole response read into memory and parsed by V8's
// native JSON.parse, nothing written. It shows what parsing the response costs at best in Node,
// next to the raw copy (no parsing) and our engine (parsing, encoding and writing).
import { type IncomingMessage, request } from 'node:http';
import { report } from './result';

async function main(): Promise<void> {
  const [url] = process.argv.slice(2);
  const started = performance.now();
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(`${url}/v2/rest/query`, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, resolve);
    req.on('error', reject);
    req.end(JSON.stringify({ db: 'Bench', csl: 'Bench' }));
  });
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const frames = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<{ TableKind?: string; Rows?: unknown[] }>;
  const primary = frames.find((frame) => frame.TableKind === 'PrimaryResult');
  if (!primary?.Rows) throw new Error('the response has no PrimaryResult rows');
  report({ rows: primary.Rows.length, bytesOut: 0, seconds: (performance.now() - started) / 1000 });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
