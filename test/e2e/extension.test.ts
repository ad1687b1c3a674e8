import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type Browser, launchChromium } from '../helpers/browser';
import { type CodeServer, startCodeServer } from '../helpers/codeServer';
import { Workbench } from '../helpers/workbench';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');
const screenshots = join(process.env.KDM_TEST_ARTIFACTS ?? join(root, 'test-artifacts'), 'screenshots');

/** Screenshots land in test-artifacts; KDM_UPDATE_DOCS_IMAGES=1 also refreshes the README's copies. */
async function snap(page: Browser['page'], name: string): Promise<void> {
  const path = join(screenshots, name);
  await page.screenshot({ path });
  if (process.env.KDM_UPDATE_DOCS_IMAGES === '1') copyFileSync(path, join(root, 'docs', 'images', name));
}

describe('the extension inside code-server', () => {
  let server: CodeServer;
  let browser: Browser;
  let workbench: Workbench;
  let workspace: string;

  before(async () => {
    mkdirSync(screenshots, { recursive: true });
    await run('npm', ['run', '--silent', 'package'], { cwd: root, timeout: 180_000 });
    const vsixPath = join(root, 'dist', 'kusto-data-mover.vsix');
    assert.ok(statSync(vsixPath).size > 10_000, 'the VSIX was written');
    workspace = mkdtempSync(join(tmpdir(), 'kdm-workspace-'));
    server = await startCodeServer({ vsixPath, workspace, env: { KDM_TEST_HOOKS: '1' } });
    browser = await launchChromium();
    workbench = new Workbench(browser.page);
    await workbench.open(server.url);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  test('the activity bar container shows the Connections and Jobs views with welcome content', async () => {
    await workbench.openViewContainer('Kusto Data Mover');
    const page = browser.page;
    const sidebar = page.locator('.part.sidebar');
    await sidebar.locator('.pane-header:has-text("Connections")').waitFor({ timeout: 30_000 });
    await sidebar.locator('.pane-header:has-text("Jobs")').waitFor();
    await sidebar.locator('.welcome-view-content:has-text("No Kusto connections yet.")').waitFor();
    await sidebar.locator('.welcome-view-content:has-text("No copy jobs have run in this window.")').waitFor();
    assert.equal(await sidebar.locator('.welcome-view-content a.monaco-button:has-text("New Copy Job")').count(), 2);
    await snap(page, 'views.png');
  });

  test('"Kusto Data Mover: New Copy Job" from the palette opens the wizard', async () => {
    await workbench.runCommand('Kusto Data Mover: New Copy Job');
    const tab = browser.page.locator('.tabs-container .tab:has-text("New Copy Job")');
    await tab.waitFor({ timeout: 30_000 });
    const view = workbench.webview();
    await view.locator('#app[data-ready="true"]').waitFor({ timeout: 30_000 });
    assert.equal((await view.locator('h1').textContent())?.trim(), 'New Copy Job');
    // The host sent the defaults after the ready handshake.
    assert.equal(await view.locator('vscode-textfield#clusterUrl').evaluate((el) => (el as HTMLInputElement).value), 'http://127.0.0.1:8082');
    assert.equal(await view.locator('vscode-textfield#database').evaluate((el) => (el as HTMLInputElement).value), 'Samples');
    await snap(browser.page, 'wizard.png');
  });

  test('the wizard refuses an empty query with a message under the field', async () => {
    const view = workbench.webview();
    await view.locator('vscode-button#create').click();
    await view.locator('#queryOrTable-error:has-text("Enter a KQL query or a table name.")').waitFor({ timeout: 10_000 });
    assert.equal((await view.locator('#database-error').textContent())?.trim(), '');
  });

  test('a complete form creates a JobSpec and opens it as JSON', async () => {
    const view = workbench.webview();
    await view.locator('vscode-textarea#queryOrTable textarea').fill('StormEvents | where State == "TEXAS"');
    await view.locator('vscode-button#create').click();
    await view.locator('#status:has-text("created")').waitFor({ timeout: 20_000 });
    const editor = browser.page.locator('.editor-instance .view-lines');
    await editor.filter({ hasText: '"kustoQuery"' }).first().waitFor({ timeout: 20_000 });
    const text = (await editor.filter({ hasText: '"kustoQuery"' }).first().textContent()) ?? '';
    assert.match(text, /"readMode":\s*"auto"/);
    await snap(browser.page, 'wizard-job-created.png');
  });
});
