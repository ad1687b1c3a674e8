// Memory figure (not part of CI): a 10 M-row table streamed through a progressive query.
// Prints the emulator's peak RSS (emulator and reader share this process; the reader only counts
// bytes) and rows/s. Run: node --import tsx test/emulator/measure/progressive10M.ts [rows]
import { startEmulator } from '../index';

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 10_000_000);
  const emulator = await startEmulator({ seed: 'none', databases: ['Measure'], auth: 'open' });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    const post = (csl: string, options?: Record<string, unknown>) => fetch(`${emulator.url}/${csl.startsWith('.') ? 'v1/rest/mgmt' : 'v2/rest/query'}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ db: 'Measure', csl, properties: { Options: options ?? {} } }),
    });
    let t = Date.now();
    const created = await post(`.set-or-append Big <| range x from 1 to ${rows} step 1 | extend s = strcat("row-", tostring(x)), d = x * 0.5, b = x % 2 == 0`);
    if (created.status !== 200) throw new Error(await created.text());
    console.log(`created ${rows} rows in ${((Date.now() - t) / 1000).toFixed(1)} s; RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
    peak = process.memoryUsage().rss;
    const before = peak;
    t = Date.now();
    const response = await post('set notruncation; Big', { results_progressive_enabled: true });
    let bytes = 0;
    let tail = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      tail = (tail + Buffer.from(chunk).toString('utf8')).slice(-4096);
    }
    const seconds = (Date.now() - t) / 1000;
    const rowCount = Number(/"RowCount":(\d+)/.exec(tail)?.[1]);
    console.log(`streamed ${rowCount} rows, ${(bytes / 2 ** 20).toFixed(0)} MB in ${seconds.toFixed(1)} s = ${Math.round(rowCount / seconds)} rows/s`);
    console.log(`RSS before the query ${(before / 2 ** 20).toFixed(0)} MB, peak during it ${(peak / 2 ** 20).toFixed(0)} MB`);
  } finally {
    clearInterval(sampler);
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
