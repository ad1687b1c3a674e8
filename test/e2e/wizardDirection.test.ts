// The wizard's direction, driven by the keyboard as a user would: the arrow keys move the Direction
// radio without a change event, and the form must follow it so that a value typed for one direction
// is never used by the other (a query text as a target table, an output folder as the source).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { type Browser, launchChromium } from '../helpers/browser';
import { type CodeServer, startCodeServer } from '../helpers/codeServer';
import { fillQueryAndOutput, packageVsix, Workbench } from '../helpers/workbench';
import { type RunningEmulator, startEmulator } from '../emulator/index';

const root = resolve(__dirname, '..', '..');
const screenshots = join(process.env.KDM_TEST_ARTIFACTS ?? join(root, 'test-artifacts'), 'screenshots');

describe('the wizard follows its Direction radio however it changes', () => {
  let server: CodeServer;
  let browser: Browser;
  let workbench: Workbench;
  let workspace: string;
  let emulator: RunningEmulator;
  let view: FrameLocator;

  async function rowCount(table: string): Promise<number | undefined> {
    const response = await fetch(`${emulator.url}/v1/rest/mgmt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ db: 'Samples', csl: `.show table ${table} details` }),
    });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { Tables: Array<{ Columns: Array<{ ColumnName: string }>; Rows: unknown[][] }> };
    const t = body.Tables[0];
    return Number(t.Rows[0][t.Columns.findIndex((c) => c.ColumnName === 'TotalRowCount')]);
  }

  /** Journals of the jobs this window ran into the given table (the extension's global storage). */
  function jobsInto(table: string): number {
    const storage = join(server.userDataDir, 'User', 'globalStorage');
    const jobs = readdirSync(storage).map((ext) => join(storage, ext, 'jobs')).find((dir) => existsSync(dir));
    if (!jobs) return 0;
    return readdirSync(jobs).filter((id) => {
      const journal = join(jobs, id, 'journal.json');
      return existsSync(journal) && (JSON.parse(readFileSync(journal, 'utf8')) as { spec: { destination: { table?: string } } }).spec.destination.table === table;
    }).length;
  }

  async function pressRun(): Promise<void> {
    await view.locator('vscode-button#create').focus();
    await browser.page.keyboard.press('Enter');
  }

  /** Moves the Direction radio with the arrow keys until `direction` is checked and shown. */
  async function chooseDirection(direction: 'kustoToFiles' | 'filesToKusto'): Promise<void> {
    const current = await view.locator('#app').getAttribute('data-direction');
    if (current === direction) return;
    await view.locator(`vscode-radio[value="${current}"]`).focus();
    await browser.page.keyboard.press(direction === 'filesToKusto' ? 'ArrowDown' : 'ArrowUp');
    await view.locator(`#app[data-direction="${direction}"]`).waitFor({ timeout: 10_000 });
  }

  /** A CSV file of `rows` events, written by the test: each test brings its own source. */
  function eventsCsv(name: string, rows: number): string {
    const path = join(workspace, name);
    const lines = ['EventId,State'];
    for (let i = 1; i <= rows; i++) lines.push(`${i},TEXAS`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }

  async function status(states: string[]): Promise<string> {
    const selector = states.map((s) => `#status[data-state="${s}"]`).join(', ');
    await view.locator(selector).waitFor({ timeout: 90_000 });
    return (await view.locator('#status').textContent()) ?? '';
  }

  before(async () => {
    emulator = await startEmulator({ seed: 'sample', auth: 'open', ingestionPollMs: 50 });
    mkdirSync(screenshots, { recursive: true });
    const vsixPath = await packageVsix(root);
    workspace = mkdtempSync(join(tmpdir(), 'kdm-workspace-'));
    server = await startCodeServer({
      vsixPath,
      workspace,
      env: { NODE_EXTRA_CA_CERTS: emulator.statusTable.caPemPath },
      settings: { 'kustoDataMover.defaultClusterUrl': emulator.url },
    });
    browser = await launchChromium();
    workbench = new Workbench(browser.page);
    await workbench.open(server.url);
    view = await workbench.openWizard();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await emulator?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  test('a query copied to a folder, then ArrowDown to Files → Kusto: the form shows the ingest fields, empty, and Run ingests nothing', async () => {
    await chooseDirection('kustoToFiles');
    const texas = join(workspace, 'texas');
    await fillQueryAndOutput(view, 'StormEvents | where State == "TEXAS"', texas);
    await pressRun();
    assert.match(await status(['succeeded', 'failed']), /succeeded: 625 rows/);

    // The arrow keys move the radio group's selection: no click, no change event.
    await view.locator('vscode-radio[value="kustoToFiles"]').focus();
    await browser.page.keyboard.press('ArrowDown');
    await view.locator('#app[data-direction="filesToKusto"]').waitFor({ timeout: 10_000 });
    assert.equal(await view.locator('vscode-radio[value="filesToKusto"]').evaluate((el) => (el as HTMLInputElement).checked), true);
    assert.equal(await view.locator('#filesToKusto-fields').isVisible(), true);
    assert.equal(await view.locator('#kustoToFiles-fields').isVisible(), false);
    assert.equal(await view.locator('vscode-textfield#table').evaluate((el) => (el as HTMLInputElement).value), '');

    await pressRun();
    await view.locator('#table-error:has-text("Enter the target table name.")').waitFor({ timeout: 10_000 });
    await view.locator('#sourcePath-error:has-text("Choose the file or folder to ingest.")').waitFor();
    await browser.page.screenshot({ path: join(screenshots, 'wizard-direction-keyboard.png') });
    assert.equal(await rowCount('StormEvents'), 5000, 'the sample table is untouched');
    assert.equal(jobsInto('StormEvents'), 0, 'no job was created');

    // ArrowUp goes back, and the query typed before is still there for that direction.
    await view.locator('vscode-radio[value="filesToKusto"]').focus();
    await browser.page.keyboard.press('ArrowUp');
    await view.locator('#app[data-direction="kustoToFiles"]').waitFor({ timeout: 10_000 });
    assert.equal(await view.locator('vscode-textarea#query').evaluate((el) => (el as HTMLTextAreaElement).value), 'StormEvents | where State == "TEXAS"');
  });

  test('writing into a table that holds rows asks first; declining leaves the table as it was', async () => {
    await chooseDirection('filesToKusto');
    await view.locator('vscode-textfield#sourcePath input').fill(eventsCsv('ask-first.csv', 40));
    await view.locator('vscode-textfield#table input').fill('StormEvents');
    await pressRun();
    const dialog = browser.page.locator('.monaco-dialog-box');
    await dialog.locator(':text("already holds 5,000 rows")').waitFor({ timeout: 30_000 });
    await browser.page.keyboard.press('Escape');
    assert.match(await status(['declined']), /Nothing was ingested: table StormEvents was left as it is\./);
    assert.equal(await rowCount('StormEvents'), 5000);
    assert.equal(jobsInto('StormEvents'), 0);
  });

  test('Run is disabled while the form\'s job runs: a second press starts no duplicate', async () => {
    await chooseDirection('filesToKusto');
    await view.locator('vscode-textfield#sourcePath input').fill(eventsCsv('once.csv', 625));
    await view.locator('vscode-textfield#table input').fill('TexasCopy');
    await pressRun();
    // A second Enter on the same button while the first job runs.
    await browser.page.keyboard.press('Enter');
    assert.match(await status(['succeeded', 'failed']), /succeeded: 1 file ingested into TexasCopy/);
    assert.equal(await view.locator('vscode-button#create').evaluate((el) => (el as HTMLButtonElement).disabled), false, 'Run is enabled again');
    assert.equal(await rowCount('TexasCopy'), 625, 'every row once');
    assert.equal(jobsInto('TexasCopy'), 1, 'one job');
  });
});
