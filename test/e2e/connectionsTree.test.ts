// The Connections view's own actions in code-server, through the real UI: a pasted token's expiry
// in the tree and the warning before it lapses ("Paste New Token"), row counts and docstrings on
// tables, right-click Export Table… into the wizard (its fields read back) and on to rows on disk,
// Copy Connection String (the clipboard read back, the token redacted), and a cluster that cannot
// be reached shown as one error item with an action, not as a popup.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { BlobServiceClient } from '@azure/storage-blob';
import { AZURITE_KEY } from '../helpers/azurite';
import { type Browser, launchChromium } from '../helpers/browser';
import { type CodeServer, startCodeServer } from '../helpers/codeServer';
import { freePort } from '../helpers/ports';
import { Workbench } from '../helpers/workbench';
import { answerStep, pickStep, runContextMenuAction } from '../helpers/connectionsUi';
import { adminToken, type RunningEmulator, startEmulator } from '../emulator/index';
import { executeManagementRecords } from '../../src/kusto/managementClient';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');
const screenshots = join(process.env.KDM_TEST_ARTIFACTS ?? join(root, 'test-artifacts'), 'screenshots');
const ADA = 'aaduser=ada@contoso.com';

/** A token the emulator's tokens mode accepts for `upn`, lapsing `seconds` from now. */
function tokenFor(upn: string, seconds: number): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ kdm_principal: `aaduser=${upn}`, upn, iat: now, exp: now + seconds })}.`;
}

describe('the Connections view: token expiry, row counts, context actions, errors', () => {
  let server: CodeServer;
  let browser: Browser;
  let workbench: Workbench;
  let workspace: string;
  let emulator: RunningEmulator;
  const sidebar = () => browser.page.locator('.part.sidebar');
  const row = (text: string, level?: number) => sidebar().locator(`.monaco-list-row${level ? `[aria-level="${level}"]` : ''}:has-text("${text}")`).first();
  /** A notification, shown as a toast or in the notification center (a toast hides after a while). */
  const toast = (text: string) => browser.page.locator(`.notification-list-item:has-text("${text}")`).first();

  async function snap(name: string): Promise<void> {
    await browser.page.screenshot({ path: join(screenshots, name) });
  }

  const contextMenu = (rowText: string, level: number, action: string) => runContextMenuAction(browser.page, row(rowText, level), action);

  /** Expands a tree row (a click can land while the row is still being redrawn: try again). */
  async function expand(rowText: string, level: number): Promise<void> {
    const r = row(rowText, level);
    for (let i = 0; i < 5 && (await r.getAttribute('aria-expanded', { timeout: 20_000 })) !== 'true'; i++) {
      await r.click();
      await browser.page.waitForTimeout(300);
    }
    assert.equal(await r.getAttribute('aria-expanded'), 'true', `${rowText} expanded`);
  }

  async function clearToasts(): Promise<void> {
    await workbench.runCommand('Notifications: Clear All Notifications');
    const hide = browser.page.locator('.notifications-center.visible .codicon-notifications-hide');
    if (await hide.count()) await hide.first().click();
  }

  async function addConnection(name: string, clusterUrl: string, kind: string, secret?: string): Promise<void> {
    await workbench.runCommand('Kusto Data Mover: Add Connection');
    await answerStep(browser.page, '1/5 name', name);
    await answerStep(browser.page, '2/5 cluster', clusterUrl);
    await answerStep(browser.page, '3/5 database', 'Samples');
    await pickStep(browser.page, '4/5 sign-in', kind);
    if (secret) await answerStep(browser.page, '(token)', secret);
  }

  before(async () => {
    emulator = await startEmulator({ seed: 'sample', auth: 'tokens', ingestionPollMs: 50 });
    await executeManagementRecords({ clusterUrl: emulator.url, database: 'Samples', tokenProvider: { getToken: async () => adminToken() } }, `.add database Samples viewers ('${ADA}')`);
    mkdirSync(screenshots, { recursive: true });
    await run('npm', ['run', '--silent', 'package'], { cwd: root, timeout: 180_000 });
    workspace = mkdtempSync(join(tmpdir(), 'kdm-workspace-'));
    server = await startCodeServer({
      vsixPath: join(root, 'dist', 'kusto-data-mover.vsix'),
      workspace,
      env: { NODE_EXTRA_CA_CERTS: emulator.statusTable.caPemPath },
      settings: { 'kustoDataMover.defaultClusterUrl': emulator.url },
    });
    browser = await launchChromium();
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
    workbench = new Workbench(browser.page);
    await workbench.open(server.url);
    await workbench.openViewContainer('Kusto Data Mover');
  });

  afterEach(async (t) => {
    // A failing step leaves a picture of the window for the artifacts.
    if (browser && (t as { passed?: boolean }).passed === false) await snap(`failed-${t.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}.png`).catch(() => undefined);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await emulator?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  test('a pasted token shows its expiry; within ten minutes of lapsing a warning offers Paste New Token, which replaces it', async () => {
    await addConnection('Ada (token)', emulator.url, 'Pasted access token', tokenFor('ada@contoso.com', 5 * 60));
    await toast('saved \\"Ada (token)\\"').waitFor({ timeout: 60_000 });
    // A toast hides after a while (it stays in the notification center): look there.
    await workbench.runCommand('Notifications: Show Notifications');
    const warning = toast('the access token pasted into \\"Ada (token)\\" expires in');
    await warning.waitFor({ timeout: 20_000 });
    assert.match((await warning.textContent()) ?? '', /expires in [45] minutes/);
    const connectionRow = row('Ada (token)', 1);
    await connectionRow.waitFor({ timeout: 20_000 });
    assert.match((await connectionRow.textContent()) ?? '', /token expires in [45] minutes/);
    await snap('connections-token-expiry.png');
    await warning.locator('a.monaco-button:has-text("Paste New Token")').click();
    const fresh = tokenFor('ada@contoso.com', 24 * 3600);
    await answerStep(browser.page, 'Paste New Token for', fresh);
    await toast('saved the new token of \\"Ada (token)\\"').waitFor({ timeout: 20_000 });
    await sidebar().locator('.monaco-list-row[aria-level="1"]:has-text("Ada (token)"):has-text("token expires in 24 hours")').waitFor({ timeout: 20_000 });
  });

  test('tables show their row count and docstring; right-click Export Table… opens the wizard on that table, and Run writes its rows', async () => {
    await clearToasts();
    await expand('Ada (token)', 1);
    await expand('Samples', 2);
    await expand('Samples', 3); // the tables' folder
    const storm = row('StormEvents', 4);
    await storm.waitFor({ timeout: 20_000 });
    assert.match((await storm.textContent()) ?? '', /StormEvents\s*5,000 rows · Storm events \(synthetic, deterministic\)/);
    await snap('connections-row-counts.png');
    await contextMenu('StormEvents', 4, 'Export Table…');
    const view = workbench.webview();
    await view.locator('#app[data-ready="true"]').waitFor({ timeout: 30_000 });
    await view.locator('#app[data-direction="kustoToFiles"]').waitFor({ timeout: 10_000 });
    const value = (id: string) => view.locator(`#${id}`).evaluate((el) => (el as HTMLInputElement).value);
    await view.locator('vscode-textarea#query').evaluate(async (el) => {
      for (let i = 0; i < 100 && (el as HTMLTextAreaElement).value === ''; i++) await new Promise((r) => setTimeout(r, 100));
    });
    assert.equal(await value('clusterUrl'), emulator.url);
    assert.equal(await value('database'), 'Samples');
    assert.equal(await value('query'), "['StormEvents']");
    const out = join(workspace, 'storm-export');
    await view.locator('vscode-textfield#outputPath input').fill(out);
    await view.locator('vscode-single-select#format').evaluate((el) => {
      (el as HTMLSelectElement).value = 'csv';
      el.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await snap('connections-export-table-wizard.png');
    await view.locator('vscode-button#create').click();
    await view.locator('#status[data-state="succeeded"], #status[data-state="failed"]').waitFor({ timeout: 120_000 });
    assert.match((await view.locator('#status').textContent()) ?? '', /succeeded: 5,?000 rows/);
    const files = readdirSync(out, { recursive: true }).map(String).filter((f) => f.endsWith('.csv'));
    assert.ok(files.length > 0, `CSV files in ${out}: ${readdirSync(out, { recursive: true }).join(', ')}`);
    const dataLines = files.reduce((n, f) => n + readFileSync(join(out, f), 'utf8').split('\n').filter((l) => l !== '').length - 1, 0);
    assert.equal(dataLines, 5000, 'every row of StormEvents is on disk, once');
  });

  test('Copy Connection String puts the connection on the clipboard with the token redacted', async () => {
    await browser.page.keyboard.press('Escape');
    await contextMenu('Ada (token)', 1, 'Copy Connection String');
    await toast('copied the connection string of \\"Ada (token)\\"').waitFor({ timeout: 20_000 });
    const text = await browser.page.evaluate(() => navigator.clipboard.readText());
    assert.equal(text, `Data Source=${emulator.url};Initial Catalog=Samples;AAD Federated Security=True;User Token=****`);
  });

  test('Add Staging Location (account key) on a connection: the tree lists its folders and blobs from Azurite', async () => {
    const container = BlobServiceClient.fromConnectionString(emulator.azurite.connectionString).getContainerClient('staging-browse');
    await container.createIfNotExists();
    await container.getBlockBlobClient('exports/2026/part-0.csv').upload('id\n1\n', 5);
    await container.getBlockBlobClient('readme.txt').upload('hello', 5);
    await clearToasts();
    await contextMenu('Ada (token)', 1, 'Add Staging Location');
    await answerStep(browser.page, '1/3 URL', `${emulator.azurite.blobUrl}/staging-browse`);
    await pickStep(browser.page, '2/3 access', 'Storage account key');
    await answerStep(browser.page, '3/3 key', AZURITE_KEY);
    await toast('added the staging location').waitFor({ timeout: 60_000 });
    assert.match((await toast('added the staging location').textContent()) ?? '', /\(2 entries at its top\)/);
    await expand('Staging locations', 2);
    await expand('staging-browse', 3);
    await expand('exports', 4);
    await expand('2026', 5);
    const blob = row('part-0.csv', 6);
    await blob.waitFor({ timeout: 30_000 });
    assert.match((await blob.textContent()) ?? '', /part-0\.csv\s*5 B/);
    assert.match((await row('readme.txt', 4).textContent()) ?? '', /readme\.txt\s*5 B/);
    await snap('connections-staging.png');
  });

  test('a cluster that cannot be reached is one error item with Show Log, not a popup per node', async () => {
    await clearToasts();
    const closed = `http://127.0.0.1:${await freePort()}`;
    await addConnection('Nowhere', closed, 'None (local emulator or Kustainer)');
    const failed = toast('the test of \\"Nowhere\\" failed');
    await failed.waitFor({ timeout: 120_000 });
    await failed.locator('a.monaco-button:has-text("Save Anyway")').click();
    await expand('Nowhere', 1);
    const error = sidebar().locator('.monaco-list-row[aria-level="2"]:has-text("click to show the log")');
    await error.waitFor({ timeout: 120_000 });
    assert.equal(await sidebar().locator('.monaco-list-row[aria-level="2"]:has-text("click to show the log")').count(), 1);
    assert.equal(await browser.page.locator('.notification-list-item .codicon-error').count(), 0, 'no error popup for the failed expansion');
    await snap('connections-error-item.png');
    await error.click();
    // The log is shown, with the failure of this connection in it.
    await browser.page.locator('.part.panel .view-lines:has-text("Connections: Nowhere")').first().waitFor({ timeout: 20_000 });
  });
});
