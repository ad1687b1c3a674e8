// Connections in code-server through the real UI: Add Connection from the palette (a pasted token
// for the emulator in tokens mode, as a viewer of Samples only), the tree down to columns, Test
// Connection's roles, and an ingest by that viewer refused before any file is uploaded.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { BlobServiceClient } from '@azure/storage-blob';
import { type Browser, launchChromium } from '../helpers/browser';
import { type CodeServer, startCodeServer } from '../helpers/codeServer';
import { Workbench } from '../helpers/workbench';
import { adminToken, type RunningEmulator, startEmulator } from '../emulator/index';
import { executeManagementRecords } from '../../src/kusto/managementClient';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');
const screenshots = join(process.env.KDM_TEST_ARTIFACTS ?? join(root, 'test-artifacts'), 'screenshots');
const VIEWER = 'aaduser=viola@contoso.com';

describe('connections inside code-server', () => {
  let server: CodeServer;
  let browser: Browser;
  let workbench: Workbench;
  let workspace: string;
  let emulator: RunningEmulator;

  async function snap(name: string): Promise<void> {
    const path = join(screenshots, name);
    await browser.page.screenshot({ path });
    if (process.env.KDM_UPDATE_DOCS_IMAGES === '1') {
      const { copyFileSync } = await import('node:fs');
      copyFileSync(path, join(root, 'docs', 'images', name));
    }
  }

  /**
   * Types into the input box or quick pick whose title holds `step`, and accepts. Waiting for the
   * step's own title matters: until it shows, the widget still holds the command palette or the step
   * before, and text typed there is lost (seen on a loaded machine).
   */
  async function answer(step: string, text: string): Promise<void> {
    const widget = browser.page.locator('.quick-input-widget');
    await widget.locator(`.quick-input-title:has-text(${JSON.stringify(step)})`).waitFor({ timeout: 30_000 });
    const input = widget.locator('input');
    await input.fill(text);
    await browser.page.waitForTimeout(150); // the validation message updates asynchronously
    await input.press('Enter');
  }

  async function blobCount(): Promise<number> {
    const service = BlobServiceClient.fromConnectionString(emulator.azurite.connectionString);
    let n = 0;
    for await (const c of service.listContainers()) for await (const _ of service.getContainerClient(c.name).listBlobsFlat()) n++;
    return n;
  }

  before(async () => {
    emulator = await startEmulator({ seed: 'sample', auth: 'tokens', ingestionPollMs: 50 });
    await executeManagementRecords({ clusterUrl: emulator.url, database: 'Samples', tokenProvider: { getToken: async () => adminToken() } }, `.add database Samples viewers ('${VIEWER}')`);
    mkdirSync(screenshots, { recursive: true });
    await run('npm', ['run', '--silent', 'package'], { cwd: root, timeout: 180_000 });
    workspace = mkdtempSync(join(tmpdir(), 'kdm-workspace-'));
    server = await startCodeServer({
      vsixPath: join(root, 'dist', 'kusto-data-mover.vsix'),
      workspace,
      env: { KDM_TEST_HOOKS: '1', NODE_EXTRA_CA_CERTS: emulator.statusTable.caPemPath },
      settings: { 'kustoDataMover.defaultClusterUrl': emulator.url },
    });
    browser = await launchChromium();
    workbench = new Workbench(browser.page);
    await workbench.open(server.url);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await emulator?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  test('Add Connection from the palette: validated steps, a live test, then the connection in the tree', async () => {
    await workbench.openViewContainer('Kusto Data Mover');
    await workbench.runCommand('Kusto Data Mover: Add Connection');
    await answer('(1/5 name)', 'Emulator (viewer)');
    // Plain http off loopback is refused at its step.
    await browser.page.locator('.quick-input-widget .quick-input-title:has-text("(2/5 cluster)")').waitFor({ timeout: 30_000 });
    const input = browser.page.locator('.quick-input-widget input');
    await input.fill('http://example.com:8082');
    await browser.page.locator('.quick-input-widget .quick-input-message:has-text("Plain http is only allowed")').waitFor({ timeout: 30_000 });
    await answer('(2/5 cluster)', emulator.url);
    await answer('(3/5 database)', 'Samples');
    await answer('(4/5 sign-in)', 'Pasted access token');
    await answer('(token)', emulator.tokenFor(VIEWER));
    const saved = browser.page.locator('.notifications-toasts .notification-toast:has-text("saved \\"Emulator (viewer)\\"")');
    await saved.waitFor({ timeout: 60_000 });
    const text = (await saved.textContent()) ?? '';
    assert.match(text, /as aaduser=viola@contoso\.com/);
    assert.match(text, /Samples: read \(viewer\)/);
    await browser.page.locator('.part.sidebar .monaco-list-row:has-text("Emulator (viewer)")').waitFor({ timeout: 20_000 });
  });

  test('the tree browses databases → folder → tables → columns with their Kusto types', async () => {
    const sidebar = browser.page.locator('.part.sidebar');
    await sidebar.locator('.monaco-list-row:has-text("Emulator (viewer)")').click();
    await sidebar.locator('.monaco-list-row[aria-level="2"]:has-text("Samples")').click();
    await sidebar.locator('.monaco-list-row[aria-level="3"]:has-text("Samples")').click(); // the tables' folder
    const storm = sidebar.locator('.monaco-list-row:has-text("StormEvents")');
    await storm.waitFor({ timeout: 20_000 });
    assert.match((await storm.textContent()) ?? '', /Storm events \(synthetic, deterministic\)/);
    await storm.click();
    const column = sidebar.locator('.monaco-list-row[aria-level="5"]:has-text("StartTime")');
    await column.waitFor({ timeout: 20_000 });
    assert.match((await column.textContent()) ?? '', /StartTimedatetime|StartTime\s*datetime/);
    await snap('connections-tree.png');
  });

  test('Test Connection shows the identity and its roles per database', async () => {
    await browser.page.locator('.notifications-toasts .notification-toast .codicon-notifications-clear').first().click().catch(() => undefined);
    await workbench.runCommand('Kusto Data Mover: Test Connection');
    await answer('pick a connection', 'Emulator (viewer)');
    const toast = browser.page.locator('.notifications-toasts .notification-toast:has-text("\\"Emulator (viewer)\\": Connected")');
    await toast.waitFor({ timeout: 60_000 });
    assert.match((await toast.textContent()) ?? '', /as aaduser=viola@contoso\.com\. Samples: read \(viewer\)/);
    // Show the whole message for the screenshot (a long toast is collapsed to one line).
    await toast.hover();
    await toast.locator('.codicon-notifications-expand').click().catch(() => undefined);
    await snap('test-connection.png');
  });

  test('an ingest by the viewer is refused before any file is uploaded, naming ingestor, the database and the grant', async () => {
    const data = join(workspace, 'to-ingest');
    mkdirSync(data);
    writeFileSync(join(data, 'rows.csv'), 'id,name\n1,a\n2,b\n');
    assert.ok(statSync(join(data, 'rows.csv')).size > 0);
    const blobsBefore = await blobCount();
    await workbench.runCommand('Kusto Data Mover: New Copy Job');
    const view = workbench.webview();
    await view.locator('#app[data-ready="true"]').waitFor({ timeout: 30_000 });
    await view.getByText('Files → Kusto').click();
    await view.locator('#app[data-direction="filesToKusto"]').waitFor({ timeout: 10_000 });
    await view.locator('vscode-textfield#table input').fill('StormEvents');
    await view.locator('vscode-textfield#sourcePath input').fill(data);
    // The review shows the pre-flight's refusal before anything runs.
    const refused = view.locator('#review [data-preflight="refused"]');
    await refused.waitFor({ timeout: 90_000 });
    const said = (await refused.textContent()) ?? '';
    assert.match(said, /Refused: .*lacks database ingestor on "Samples"/, said);
    await refused.scrollIntoViewIfNeeded();
    await snap('review-preflight-refused.png');
    await view.locator('vscode-button#create').click();
    // StormEvents holds rows: the wizard asks before appending; the user says yes, the pre-flight then refuses.
    const dialog = browser.page.locator('.monaco-dialog-box');
    await dialog.locator(':text("already holds 5,000 rows")').waitFor({ timeout: 30_000 });
    await dialog.locator('a.monaco-button:has-text("Append")').click();
    const status = view.locator('#status[data-state="failed"]');
    await status.waitFor({ timeout: 90_000 });
    const message = (await status.textContent()) ?? '';
    assert.match(message, /Access denied before any data moved: aaduser=viola@contoso\.com lacks database ingestor on "Samples" to ingest into table "StormEvents"/);
    assert.ok(message.includes(".add database ['Samples'] ingestors ('aaduser=viola@contoso.com')"), message);
    assert.equal(await blobCount(), blobsBefore, 'no file was uploaded');
    await snap('ingest-refused.png');
  });
});
