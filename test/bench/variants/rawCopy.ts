// The physical limit for Kusto → disk: the response body piped to a file, nothing parsed. The rows
// reported are counted in the copied body after the clock stops, so the figure is what was moved.
import { createWriteStream, statSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { countPrimaryRows } from './countPrimaryRows';
import { report } from './result';

async function main(): Promise<void> {
  const [url, outFile] = process.argv.slice(2);
  const started = performance.now();
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(`${url}/v2/rest/query`, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, resolve);
    req.on('error', reject);
    req.end(JSON.stringify({ db: 'Bench', csl: 'Bench' }));
  });
  await pipeline(response, createWriteStream(outFile));
  const seconds = (performance.now() - started) / 1000;
  report({ rows: await countPrimaryRows(outFile), bytesOut: statSync(outFile).size, seconds });
}

void main();
