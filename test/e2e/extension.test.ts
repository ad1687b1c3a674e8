import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type Browser, launchChromium } from '../helpers/browser';
import { type CodeServer, startCodeServer } from '../helpers/codeServer';
import { Workbench } from '../helpers/workbench';
import { type RunningEmulator, startEmulator } from '../emulator/index';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');
const screenshots = join(process.env.KDM_TEST_ARTIFACTS ?? join(root, 'test-artifacts'), 'screenshots');

/** Screenshots land in test-artifacts; KDM_UPDATE_DOCS_IMAGES=1 also refreshes the README's copies. */
async function snap(page: Browser['page'], name: string): Promise<void> {
  const path = join(screenshots, name);
  await page.screenshot({ path });
  if (process.env.KDM_UPDATE_DOCS_IMAGES === '1') copyFileSync(path, join(root, 'docs', 'images', name));
}

/** Waits until the wizard reports the job's end, and returns how it ended. */
async function finishedState(view: ReturnType<Workbench['webview']>): Promise<string | undefined> {
  const status = view.locator('#status[data-state="succeeded"], #status[data-state="failed"], #status[data-state="canceled"]');
  await status.waitFor({ timeout: 90_000 });
  return (await status.getAttribute('data-state')) ?? undefined;
}

describe('the extension inside code-server', () => {
  let server: CodeServer;
  let browser: Browser;
  let workbench: Workbench;
  let workspace: string;
  let emulator: RunningEmulator;

  before(async () => {
    emulator = await startEmulator({ seed: 'sample', auth: 'open', ingestionPollMs: 50 });
    mkdirSync(screenshots, { recursive: true });
    await run('npm', ['run', '--silent', 'package'], { cwd: root, timeout: 180_000 });
    const vsixPath = join(root, 'dist', 'kusto-data-mover.vsix');
    assert.ok(statSync(vsixPath).size > 10_000, 'the VSIX was written');
    workspace = mkdtempSync(join(tmpdir(), 'kdm-workspace-'));
    server = await startCodeServer({
      vsixPath,
      workspace,
      // The emulator serves queued-ingestion status over HTTPS with its own test certificate.
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

  test('the activity bar container shows the Connections and Jobs views with welcome content', async () => {
    await workbench.openViewContainer('Kusto Data Mover');
    const page = browser.page;
    const sidebar = page.locator('.part.sidebar');
    await sidebar.locator('.pane-header:has-text("Connections")').waitFor({ timeout: 30_000 });
    await sidebar.locator('.pane-header:has-text("Jobs")').waitFor();
    await sidebar.locator('.welcome-view-content:has-text("No Kusto connections yet.")').waitFor();
    await sidebar.locator('.welcome-view-content:has-text("No copy jobs yet.")').waitFor();
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
    assert.equal(await view.locator('vscode-textfield#clusterUrl').evaluate((el) => (el as HTMLInputElement).value), emulator.url);
    assert.equal(await view.locator('vscode-textfield#database').evaluate((el) => (el as HTMLInputElement).value), 'Samples');
    await snap(browser.page, 'wizard.png');
  });

  test('the wizard refuses an empty query with a message under the field', async () => {
    const view = workbench.webview();
    await view.locator('vscode-button#create').click();
    await view.locator('#query-error:has-text("Enter a KQL query or a table name.")').waitFor({ timeout: 10_000 });
    assert.equal((await view.locator('#database-error').textContent())?.trim(), '');
  });

  test('Run Job copies a query into a Spark folder of CSV with exactly its rows, and the Jobs view lists it', async () => {
    const view = workbench.webview();
    const output = join(workspace, 'texas');
    await view.locator('vscode-textarea#query textarea').fill('StormEvents | where State == "TEXAS" | project EventId, State, EventType');
    await view.locator('vscode-textfield#outputPath input').fill(output);
    await view.locator('vscode-single-select#format').evaluate((el) => {
      (el as HTMLSelectElement).value = 'csv';
    });
    await view.locator('vscode-button#create').click();
    assert.equal(await finishedState(view), 'succeeded', (await view.locator('#status').textContent()) ?? '');
    assert.match((await view.locator('#status').textContent()) ?? '', /succeeded: 625 rows in 1 file\./);

    // The files on disk: _SUCCESS last, one CSV part with a header and the 625 Texas rows (5,000 / 8 states).
    assert.ok(existsSync(join(output, '_SUCCESS')), '_SUCCESS written');
    const parts = readdirSync(output).filter((name) => /^part-00000-.*\.csv$/.test(name));
    assert.equal(parts.length, 1);
    const lines = readFileSync(join(output, parts[0]), 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'EventId,State,EventType');
    assert.equal(lines.length, 626);
    assert.ok(lines.slice(1).every((line) => /^\d+,TEXAS,[A-Za-z ]+$/.test(line)), 'every row is a Texas event');

    await workbench.openViewContainer('Kusto Data Mover');
    const jobRow = browser.page.locator('.part.sidebar .monaco-list-row:has-text("succeeded · 625 rows")');
    await jobRow.waitFor({ timeout: 20_000 }).catch(async (err: unknown) => {
      await snap(browser.page, 'failure-jobs-view.png');
      throw err;
    });
    await snap(browser.page, 'job-succeeded.png');
  });

  test('a query the cluster refuses ends as a failed job: the service message in the wizard, Resume in the Jobs view', async () => {
    const view = workbench.webview();
    await view.locator('vscode-textarea#query textarea').fill('StormEvnts | take 10');
    await view.locator('vscode-textfield#outputPath input').fill(join(workspace, 'typo'));
    await view.locator('vscode-button#create').click();
    assert.equal(await finishedState(view), 'failed');
    assert.match((await view.locator('#status').textContent()) ?? '', /StormEvnts/);
    assert.ok(!existsSync(join(workspace, 'typo')), 'no output for a failed job');
    await workbench.openViewContainer('Kusto Data Mover');
    // The view refreshes when the job ends: wait for that state rather than the first rendering.
    const row = browser.page.locator('.part.sidebar .monaco-list-row:has-text("StormEvnts"):has-text("failed")');
    await row.waitFor({ timeout: 20_000 });
    await row.hover();
    await row.locator('.action-label[aria-label="Resume Job"]').waitFor({ timeout: 10_000 });
    await snap(browser.page, 'job-failed.png');
  });

  test('Run Job ingests that folder back into a new table: 625 rows land, once', async () => {
    const view = workbench.webview();
    await view.getByText('Files → Kusto').click();
    await view.locator('#app[data-direction="filesToKusto"]').waitFor({ timeout: 10_000 });
    await view.locator('vscode-textfield#table input').fill('TexasEvents');
    await view.locator('vscode-textfield#sourcePath input').fill(join(workspace, 'texas'));
    await view.locator('vscode-button#create').click();
    assert.equal(await finishedState(view), 'succeeded', (await view.locator('#status').textContent()) ?? '');
    assert.match((await view.locator('#status').textContent()) ?? '', /1 file ingested into TexasEvents/);
    const response = await fetch(`${emulator.url}/v1/rest/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ db: 'Samples', csl: 'TexasEvents | summarize n = count(), states = dcount(State), ids = dcount(EventId)' }),
    });
    const body = (await response.json()) as { Tables: Array<{ Rows: number[][] }> };
    assert.deepEqual(body.Tables[0].Rows[0], [625, 1, 625]);
    await snap(browser.page, 'job-ingested.png');
  });
});
