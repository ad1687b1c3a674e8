// From the editor and the Explorer into the wizard, through code-server's real UI: the query block
// under the cursor of a .kql file with two queries is the one copied (checked in the Parquet files on
// disk), and "Ingest into Kusto…" on a folder opens the wizard in Files → Kusto with that folder.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, launchChromium } from '../helpers/browser';
import { type CodeServer, startCodeServer } from '../helpers/codeServer';
import { runContextMenuAction } from '../helpers/connectionsUi';
import { packageVsix, Workbench } from '../helpers/workbench';
import { type RunningEmulator, startEmulator } from '../emulator/index';
import { readBackParquet } from '../unit/parquetReadBack';

const root = resolve(__dirname, '..', '..');
const screenshots = join(process.env.KDM_TEST_ARTIFACTS ?? join(root, 'test-artifacts'), 'screenshots');

const texasQuery = 'StormEvents\n| where State == "TEXAS"';
const kqlFile = `${texasQuery}\n\nStormEvents\n| where State == "FLORIDA"\n`;

describe('copy from the editor, ingest from the Explorer', () => {
  let server: CodeServer;
  let browser: Browser;
  let workbench: Workbench;
  let workspace: string;
  let emulator: RunningEmulator;

  before(async () => {
    emulator = await startEmulator({ seed: 'sample', auth: 'open', ingestionPollMs: 50 });
    mkdirSync(screenshots, { recursive: true });
    const vsixPath = await packageVsix(root);
    workspace = mkdtempSync(join(tmpdir(), 'kdm-workspace-'));
    writeFileSync(join(workspace, 'storms.kql'), kqlFile);
    mkdirSync(join(workspace, 'spark-in'));
    writeFileSync(join(workspace, 'spark-in', 'part-00000.csv'), 'EventId,State\n1,TEXAS\n');
    server = await startCodeServer({
      vsixPath,
      workspace,
      env: { NODE_EXTRA_CA_CERTS: emulator.statusTable.caPemPath },
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

  test('"Copy Query Results To…" with the cursor in the first of two queries copies that query only: 625 Texas rows on disk', async () => {
    const page = browser.page;
    await workbench.runCommand('Go to File...');
    await page.locator('.quick-input-widget input').fill('storms.kql');
    await page.locator('.quick-input-list .monaco-list-row:has-text("storms.kql")').first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    const editor = page.locator('.monaco-editor[data-uri$="storms.kql"] .view-lines');
    await editor.waitFor({ timeout: 30_000 });
    // Click into the editor, then the keyboard: the top of the file, one line down (the where line).
    await editor.click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('ArrowDown');
    // The context menu on the where line (a right-click there keeps the cursor in that block).
    await runContextMenuAction(page, page.locator('.monaco-editor[data-uri$="storms.kql"] .view-line').nth(1), 'Copy Query Results To', { x: 10, y: 5 });
    const view = workbench.webview();
    await view.locator('#app[data-ready="true"][data-direction="kustoToFiles"]').waitFor({ timeout: 30_000 });
    assert.equal(await view.locator('vscode-textarea#query').evaluate((el) => (el as HTMLTextAreaElement).value), texasQuery);
    const out = join(workspace, 'texas-out');
    await view.locator('vscode-textfield#outputPath input').fill(out);
    await browser.page.screenshot({ path: join(screenshots, 'copy-from-editor.png') });
    await view.locator('vscode-button#create').focus();
    await page.keyboard.press('Enter');
    await view.locator('#status[data-state="succeeded"], #status[data-state="failed"]').waitFor({ timeout: 90_000 });
    assert.match((await view.locator('#status').textContent()) ?? '', /succeeded: 625 rows/);

    const parts = readdirSync(out).filter((f) => f.endsWith('.parquet'));
    assert.ok(parts.length >= 1, 'part files were written');
    const rows = (await Promise.all(parts.map(async (f) => (await readBackParquet(readFileSync(join(out, f)))).rows))).flat();
    assert.equal(rows.length, 625);
    assert.deepEqual([...new Set(rows.map((r) => r.State))], ['TEXAS'], 'no Florida row: only the query under the cursor ran');
  });

  test('"Ingest into Kusto…" on a folder in the Explorer opens the wizard in Files → Kusto with that folder and a table name from it', async () => {
    const page = browser.page;
    await workbench.runCommand('View: Show Explorer');
    const row = page.locator('.explorer-folders-view .monaco-list-row:has-text("spark-in")').first();
    await row.waitFor({ timeout: 30_000 });
    await runContextMenuAction(page, row, 'Ingest into Kusto');
    const view = workbench.webview();
    await view.locator('#app[data-direction="filesToKusto"]').waitFor({ timeout: 30_000 }).catch(async (err: unknown) => {
      await browser.page.screenshot({ path: join(screenshots, 'ingest-from-explorer-failed.png') });
      throw err;
    });
    assert.equal(await view.locator('vscode-textfield#sourcePath').evaluate((el) => (el as HTMLInputElement).value), join(workspace, 'spark-in'));
    assert.equal(await view.locator('vscode-textfield#table').evaluate((el) => (el as HTMLInputElement).value), 'spark_in');
    assert.equal(await view.locator('#filesToKusto-fields').isVisible(), true);
    assert.equal(await view.locator('#kustoToFiles-fields').isVisible(), false);
    await browser.page.screenshot({ path: join(screenshots, 'ingest-from-explorer.png') });
  });
});
