// The physical limit for Kusto → disk: the response body piped to a file, nothing parsed.
import { createWriteStream, statSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { report } from './result';

async function main(): Promise<void> {
  const [url, outFile, rows] = process.argv.slice(2);
  const started = performance.now();
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(`${url}/v2/rest/query`, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, resolve);
    req.on('error', reject);
    req.end(JSON.stringify({ db: 'Bench', csl: 'Bench' }));
  });
  await pipeline(response, createWriteStream(outFile));
  report({ rows: Number(rows), bytesOut: statSync(outFile).size, seconds: (performance.now() - started) / 1000 });
}

void main();
