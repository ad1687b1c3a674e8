// webview/wizard/review.ts in a real Chromium, bundled as the wizard's bundle is (browser, ESM) and
// served under the panel's kind of strict CSP (scripts by nonce, no inline styles): the risks show
// a codicon and a word, the commands sit in a monospace block, the pre-flight refusal is spelled
// out, and the new table's editor reports a rename, a retype and a drop through onSchemaEdit.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import { launchChromium, type Browser } from '../helpers/browser';
import type { JobReview } from '../../src/engine/review/jobReview';

const root = join(__dirname, '..', '..');
let server: Server;
let url: string;
let browser: Browser;

const review: JobReview = {
  columns: [
    { source: 'id', sourceType: 'Parquet INT64', target: 'id', targetType: 'long', conversion: 'Parquet INT64 → long' },
    { source: 'name', sourceType: 'Parquet BYTE_ARRAY STRING', target: 'name', targetType: 'string', conversion: 'Parquet BYTE_ARRAY STRING → string' },
    { source: 'ts', sourceType: 'Parquet INT96', target: 'ts', targetType: 'datetime', conversion: 'Parquet INT96 → datetime', risk: 'warn', note: 'INT96 is read as UTC' },
    { source: 'secret', sourceType: 'Parquet BYTE_ARRAY', target: 'secret', targetType: 'string', conversion: 'Parquet BYTE_ARRAY → string', risk: 'error', note: 'binary as base64 <b>not bold</b>' },
  ],
  preview: { from: 'files', columns: ['id', 'name', 'ts', 'secret'], rows: [['1', 'Ann', '2024-01-01T00:00:00.000Z', 'AAH/'], ['2', '<img src=x onerror=alert(1)>', '', '']] },
  estimate: { rows: 2, bytes: 1234, why: '1 file(s), 1,234 bytes; rows from the Parquet footers' },
  commands: ['.get ingestion resources', ".create table ['T'] (['id']:long, ['name']:string)", '// queued ingestion (a message on the ingestion queue, not a command): part-0.parquet into T'],
  preflight: { ok: false, message: 'Access denied before any data moved: aadapp=x;t lacks database ingestor on "Db"' },
  newTable: { name: 'T', columns: [{ name: 'id', type: 'long', source: 'id' }, { name: 'name', type: 'string', source: 'name' }, { name: 'ts', type: 'datetime', source: 'ts' }, { name: 'secret', type: 'string', source: 'secret' }] },
  warnings: ['one file has rows of another width'],
};

before(async () => {
  const bundle = await build({
    stdin: { contents: "import { renderReview } from './webview/wizard/review';\n(window as any).kdmRenderReview = renderReview;", resolveDir: root, loader: 'ts' },
    bundle: true, platform: 'browser', format: 'esm', write: false,
  });
  const script = bundle.outputFiles[0].text;
  const nonce = 'n0nce4review';
  server = createServer((req, res) => {
    if (req.url === '/review.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      return;
    }
    // As the panel's CSP: no inline style, scripts only by nonce.
    res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'self'` });
    res.end(`<!doctype html><html><body><div id="app"></div><script type="module" nonce="${nonce}" src="/review.js"></script></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('renderReview in Chromium', () => {
  test('risks carry an icon and a word, the commands are monospace, the refusal and the preview are shown as text', async () => {
    const { page } = browser;
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(url);
    await page.waitForFunction(() => typeof (window as unknown as { kdmRenderReview?: unknown }).kdmRenderReview === 'function');
    await page.evaluate((r) => {
      // Theme variables as VS Code sets them (through the CSSOM: the CSP refuses inline style attributes).
      const theme: Record<string, string> = { '--vscode-errorForeground': 'rgb(241, 76, 76)', '--vscode-editor-font-family': 'monospace', '--vscode-descriptionForeground': 'rgb(120, 120, 120)' };
      for (const [name, value] of Object.entries(theme)) document.documentElement.style.setProperty(name, value);
      const w = window as unknown as { kdmRenderReview: (c: HTMLElement, r: unknown, e: (c: unknown) => void) => void; edits: unknown[] };
      w.edits = [];
      w.kdmRenderReview(document.getElementById('app') as HTMLElement, r, (c) => w.edits.push(c));
    }, review as unknown as Record<string, unknown>);
    const risks = await page.$$eval('#review-columns tbody tr', (rows) => rows.map((r) => {
      const badge = r.querySelector('.risk') as HTMLElement;
      return [r.children[0].textContent, badge.textContent, badge.querySelector('.codicon')?.className];
    }));
    assert.deepEqual(risks, [
      ['id', 'Exact', 'codicon codicon-pass'],
      ['name', 'Exact', 'codicon codicon-pass'],
      ['ts', 'Warning', 'codicon codicon-warning'],
      ['secret', 'Error', 'codicon codicon-error'],
    ]);
    // Data is text, never markup.
    assert.equal(await page.$$eval('#review-columns b, #review-preview img', (n) => n.length), 0);
    assert.equal(await page.textContent('#review-preview tbody tr:nth-child(2) td:nth-child(2)'), '<img src=x onerror=alert(1)>');
    assert.equal(await page.textContent('#review-commands pre'), review.commands.join('\n'));
    // The style sheet applied under the CSP: theme colours and the editor's font.
    assert.equal(await page.$eval('#review-commands pre', (p) => getComputedStyle(p).fontFamily), 'monospace');
    assert.equal(await page.$eval('#review-columns .risk-error', (e) => getComputedStyle(e).color), 'rgb(241, 76, 76)');
    assert.equal(await page.getAttribute('#review-preflight', 'data-preflight'), 'refused');
    assert.match(await page.textContent('#review-preflight') ?? '', /Refused: Access denied before any data moved/);
    assert.match(await page.textContent('#review-estimate') ?? '', /about 2 rows · 1,234 bytes/);
    assert.deepEqual(violations, []);
  });

  test('the new table editor: a rename, a retype and a drop each report the edited columns', async () => {
    const { page } = browser;
    const edits = (): Promise<unknown[]> => page.evaluate(() => (window as unknown as { edits: unknown[] }).edits);
    // Rename "name" to "customer" by typing, as a user does.
    const nameField = page.locator('#review-new-table tr[data-source="name"] vscode-textfield');
    await nameField.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('customer');
    await page.keyboard.press('Tab');
    // Drop "secret" by its checkbox, with the keyboard.
    await page.locator('#review-new-table tr[data-source="secret"] vscode-checkbox').focus();
    await page.keyboard.press('Space');
    // Retype "id" through its dropdown, by keyboard: open it, one down from long is real, choose it.
    await page.locator('#review-new-table tr[data-source="id"] vscode-single-select').focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const all = await edits();
    assert.ok(all.length >= 3, JSON.stringify(all));
    assert.deepEqual(all[all.length - 1], [
      { source: 'id', name: 'id', type: 'real' },
      { source: 'name', name: 'customer', type: 'string' },
      { source: 'ts', name: 'ts', type: 'datetime' },
    ]);
    assert.equal(await page.getAttribute('#review-new-table tr[data-source="secret"]', 'class'), 'dropped');
  });
});
