import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, launchChromium } from '../helpers/browser';
import { type CodeServer, startCodeServer } from '../helpers/codeServer';
import { fillQueryAndOutput, packageVsix, Workbench } from '../helpers/workbench';
import { type RunningEmulator, startEmulator } from '../emulator/index';
import { runJob } from '../../src/engine/runner';

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

// Each test sets up what it needs on the one code-server of this suite: a fresh wizard (closed and
// opened again, so no field keeps an earlier test's value), its own output folders and table names.
let unique = 0;
const uniqueName = (base: string): string => `${base}${++unique}`;

describe('the extension inside code-server', () => {
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
    server = await startCodeServer({
      vsixPath,
      workspace,
      // The emulator serves queued-ingestion status over HTTPS with its own test certificate.
      env: { NODE_EXTRA_CA_CERTS: emulator.statusTable.caPemPath },
      settings: { 'kustoDataMover.defaultClusterUrl': emulator.url },
    });
    browser = await launchChromium();
    workbench = new Workbench(browser.page);
    await workbench.open(server.url);
  });

  /** No jobs yet: the journals the extension keeps in its global storage removed, the view refreshed. */
  async function withoutJobs(): Promise<void> {
    const storage = join(server.userDataDir, 'User', 'globalStorage');
    for (const name of existsSync(storage) ? readdirSync(storage) : []) {
      if (name.toLowerCase() === 'kusto-data-mover.kusto-data-mover') rmSync(join(storage, name, 'jobs'), { recursive: true, force: true });
    }
    await workbench.runCommand('Kusto Data Mover: Refresh Jobs');
  }

  after(async () => {
    await browser?.close();
    await server?.stop();
    await emulator?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  test('the activity bar container shows the Connections and Jobs views with welcome content', async () => {
    await withoutJobs();
    await workbench.openViewContainer('Kusto Data Mover');
    const page = browser.page;
    const sidebar = page.locator('.part.sidebar');
    await sidebar.locator('.pane-header:has-text("Connections")').waitFor({ timeout: 30_000 });
    await sidebar.locator('.pane-header:has-text("Jobs")').waitFor();
    await sidebar.locator('.welcome-view-content:has-text("No Kusto connections yet.")').waitFor();
    await sidebar.locator('.welcome-view-content:has-text("No copy jobs yet.")').waitFor();
    assert.equal(await sidebar.locator('.welcome-view-content a.monaco-button:has-text("New Copy Job")').count(), 2);
    await snap(page, 'views.png');
    // What a VSIX user can do about the cluster: the welcome text's button opens that setting.
    await sidebar.locator('.welcome-view-content a.monaco-button:has-text("Change the Default Cluster")').click();
    await page.locator('.settings-editor .setting-item-contents:has-text("Default Cluster Url")').first().waitFor({ timeout: 30_000 });
    await workbench.runCommand('View: Close All Editors');
  });

  test('"Kusto Data Mover: New Copy Job" from the palette opens the wizard', async () => {
    await workbench.runCommand('View: Close All Editors');
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
    const view = await workbench.freshWizard();
    // An empty query: the field says what it needs, and Run waits for it.
    await view.locator('#query-error:has-text("Enter a KQL query or a table name.")').waitFor({ timeout: 10_000 });
    await view.locator('vscode-button#create[disabled]').waitFor({ timeout: 10_000 });
    assert.equal((await view.locator('#database-error').textContent())?.trim(), '');
  });

  test('Run Job copies a query into a Spark folder of CSV with exactly its rows, and the Jobs view lists it', async () => {
    const view = await workbench.freshWizard();
    const output = join(workspace, uniqueName('texas-'));
    await fillQueryAndOutput(view, 'StormEvents | where State == "TEXAS" | project EventId, State, EventType', output);
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

  test('a query the cluster refuses is caught in the wizard before any job exists: the service message inline, Run starts nothing', async () => {
    const view = await workbench.freshWizard();
    const output = join(workspace, uniqueName('typo-'));
    await fillQueryAndOutput(view, 'StormEvnts | take 10', output);
    // The host checks the query as it is typed (`| take 0` against the cluster): the service names the table.
    await view.locator('#query-error:has-text("StormEvnts")').waitFor({ timeout: 30_000 });
    await view.locator('vscode-button#create[disabled]').waitFor({ timeout: 10_000 });
    assert.ok(!existsSync(output), 'no output');
    const storage = join(server.userDataDir, 'User', 'globalStorage', 'kusto-data-mover.kusto-data-mover', 'jobs');
    const journals = existsSync(storage) ? readdirSync(storage).map((id) => join(storage, id, 'journal.json')).filter((path) => existsSync(path)) : [];
    assert.equal(journals.filter((path) => readFileSync(path, 'utf8').includes('StormEvnts')).length, 0, 'no job was created for the refused query');
    await snap(browser.page, 'query-refused-inline.png');
  });

  test('Run Job ingests a Spark folder of CSV into a new table: its 625 rows land, once', async () => {
    // The input, made here by the engine (not through the UI under test): the Texas rows as a Spark folder of CSV.
    const input = join(workspace, uniqueName('texas-input-'));
    const made = await runJob(
      {
        version: 1,
        id: uniqueName('e2e-input-'),
        createdAt: new Date().toISOString(),
        source: { kind: 'kustoQuery', connection: { clusterUrl: emulator.url, database: 'Samples' }, query: 'StormEvents | where State == "TEXAS" | project EventId, State, EventType' },
        destination: { kind: 'files', location: { kind: 'local', path: input }, format: 'csv', layout: 'sparkFolder' },
      },
      { jobsDir: join(workspace, '.input-jobs') },
    );
    assert.equal(made.state, 'succeeded', made.error);
    assert.equal(made.rows, 625);
    const table = uniqueName('TexasEvents');
    const view = await workbench.freshWizard();
    await view.getByText('Files → Kusto').click();
    await view.locator('#app[data-direction="filesToKusto"]').waitFor({ timeout: 10_000 });
    await view.locator('vscode-textfield#table input').fill(table);
    await view.locator('vscode-textfield#sourcePath input').fill(input);
    await view.locator('vscode-button#create').click();
    assert.equal(await finishedState(view), 'succeeded', (await view.locator('#status').textContent()) ?? '');
    assert.match((await view.locator('#status').textContent()) ?? '', new RegExp(`1 file ingested into ${table}`));
    const response = await fetch(`${emulator.url}/v1/rest/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ db: 'Samples', csl: `${table} | summarize n = count(), states = dcount(State), ids = dcount(EventId)` }),
    });
    const body = (await response.json()) as { Tables: Array<{ Rows: number[][] }> };
    assert.deepEqual(body.Tables[0].Rows[0], [625, 1, 625]);
    await snap(browser.page, 'job-ingested.png');
  });
});
