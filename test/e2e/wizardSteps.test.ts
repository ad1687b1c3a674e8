// The wizard's sections driven through code-server as a user would, each outcome checked on disk:
// a query to a Spark Parquet folder partitioned by a column picked from the query's columns, errors
// shown inline before Run, a whole job done by keyboard alone, and the theme's colours read from
// the webview itself in light, dark and high contrast (with screenshots of each section).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { type Browser, launchChromium } from '../helpers/browser';
import { type CodeServer, startCodeServer } from '../helpers/codeServer';
import { runContextMenuAction } from '../helpers/connectionsUi';
import { packageVsix, Workbench } from '../helpers/workbench';
import { type RunningEmulator, startEmulator } from '../emulator/index';
import { readBackParquet } from '../unit/parquetReadBack';

const root = resolve(__dirname, '..', '..');
const screenshots = join(process.env.KDM_TEST_ARTIFACTS ?? join(root, 'test-artifacts'), 'screenshots');

describe('the wizard, section by section, in code-server', () => {
  let server: CodeServer;
  let browser: Browser;
  let workbench: Workbench;
  let workspace: string;
  let emulator: RunningEmulator;

  /** Journals of the jobs this window ran (the extension's global storage). */
  function jobCount(): number {
    const storage = join(server.userDataDir, 'User', 'globalStorage');
    if (!existsSync(storage)) return 0;
    const jobs = readdirSync(storage).map((ext) => join(storage, ext, 'jobs')).find((dir) => existsSync(dir));
    return jobs ? readdirSync(jobs).filter((id) => existsSync(join(jobs, id, 'journal.json'))).length : 0;
  }

  async function kusto(path: string, csl: string): Promise<unknown[][]> {
    const response = await fetch(`${emulator.url}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db: 'Samples', csl }) });
    assert.ok(response.ok, `${csl}: HTTP ${response.status}`);
    const body = (await response.json()) as { Tables: Array<{ Rows: unknown[][] }> };
    return body.Tables[0].Rows;
  }
  const mgmt = (csl: string) => kusto('v1/rest/mgmt', csl);
  const query = (csl: string) => kusto('v1/rest/query', csl);

  async function finished(view: FrameLocator): Promise<string> {
    await view.locator('#status[data-state="succeeded"], #status[data-state="failed"], #status[data-state="canceled"]').waitFor({ timeout: 120_000 });
    return (await view.locator('#status').textContent()) ?? '';
  }

  /** The id of the element focused in the webview (a vscode-elements host, or a list item's value). */
  async function focusedId(view: FrameLocator): Promise<string> {
    return view.locator('body').evaluate(() => {
      const active = document.activeElement as HTMLElement | null;
      return active?.id || active?.dataset.value || active?.getAttribute('value') || active?.tagName.toLowerCase() || '';
    });
  }

  /** Presses Tab until `id` has the focus: the keyboard, not a click, moves through the form. */
  async function tabTo(view: FrameLocator, id: string): Promise<void> {
    for (let i = 0; i < 40; i++) {
      if ((await focusedId(view)) === id) return;
      await browser.page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached #${id} (focus is on ${await focusedId(view)})`);
  }

  async function pickTheme(name: string): Promise<void> {
    await workbench.runCommand('Preferences: Color Theme');
    const input = browser.page.locator('.quick-input-widget input');
    await input.fill(name);
    await browser.page.locator(`.quick-input-list .monaco-list-row[aria-label^="${name}"]`).first().waitFor({ timeout: 10_000 });
    await browser.page.keyboard.press('Enter');
    await browser.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
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
      settings: { 'kustoDataMover.defaultClusterUrl': emulator.url, 'workbench.colorTheme': 'Default Dark Modern' },
    });
    browser = await launchChromium();
    workbench = new Workbench(browser.page);
    await workbench.open(server.url);
  });

  // What the page showed when a test failed: the first thing to look at in a CI run.
  afterEach(async (t) => {
    if (browser && (t as { passed?: boolean }).passed === false) await browser.page.screenshot({ path: join(screenshots, `failed-wizard-${t.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}.png`) }).catch(() => undefined);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await emulator?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  test('query → Spark Parquet folder partitioned by a column picked from the query\'s own columns', async () => {
    const view = await workbench.freshWizard();
    const output = join(workspace, 'storm-by-state');
    await view.locator('vscode-textarea#query textarea').fill('StormEvents | project EventId, State, EventType');
    await view.locator('vscode-textfield#outputPath input').fill(output);
    // The columns come from the host's `| take 0` of the query: the list is the query's, not typed.
    const state = view.locator('vscode-checkbox[data-column="State"]');
    await state.waitFor({ timeout: 30_000 });
    assert.deepEqual(await view.locator('#partitionBy vscode-checkbox').evaluateAll((boxes) => boxes.map((b) => b.getAttribute('label'))), ['EventId', 'State', 'EventType']);
    await state.click();
    await view.locator('#app[data-can-run="true"]').waitFor({ timeout: 30_000 });
    await view.locator('#summary:has-text("partitioned by State")').waitFor();
    await view.locator('vscode-button#create').click();
    assert.match(await finished(view), /succeeded: 5,000 rows/);

    const folders = readdirSync(output).filter((name) => name.startsWith('State=')).sort();
    assert.equal(folders.length, 8, folders.join(', '));
    assert.ok(existsSync(join(output, '_SUCCESS')));
    let total = 0;
    for (const folder of folders) {
      const parts = readdirSync(join(output, folder)).filter((name) => name.endsWith('.snappy.parquet'));
      assert.ok(parts.length >= 1, folder);
      for (const part of parts) {
        const { rows } = await readBackParquet(readFileSync(join(output, folder, part)));
        assert.ok(rows.every((r) => !('State' in r)), 'the partition column lives in the folder name, as Spark writes it');
        total += rows.length;
        if (folder === 'State=TEXAS') assert.equal(rows.length, 625);
      }
    }
    assert.equal(total, 5000);
  });

  test('a Spark folder → a new table with one column renamed in the Review: the table has the new name and every row', async () => {
    const spark = join(workspace, 'spark-events');
    for (const [state, ids] of [['TEXAS', [1, 2, 3]], ['OHIO', [4, 5]]] as const) {
      mkdirSync(join(spark, `State=${state}`), { recursive: true });
      writeFileSync(join(spark, `State=${state}`, 'part-00000-5f1e.c000.csv'), `EventId,EventType\n${ids.map((id) => `${id},Hail`).join('\n')}\n`);
    }
    writeFileSync(join(spark, '_SUCCESS'), '');
    const view = await workbench.freshWizard();
    await view.locator('vscode-radio[value="filesToKusto"]').click();
    await view.locator('#app[data-direction="filesToKusto"]').waitFor({ timeout: 10_000 });
    await view.locator('vscode-textfield#sourcePath input').fill(spark);
    await view.locator('vscode-textfield#table input').fill('WizardEvents');
    // The folder is recognised as Spark output, with its partition column and values.
    await view.locator('#source-summary[data-layout="spark"]:has-text("Partition column State: OHIO, TEXAS")').waitFor({ timeout: 30_000 });
    await view.locator('#source-summary:has-text("_SUCCESS is present")').waitFor();
    await view.locator('#table-note:has-text("A new table")').waitFor({ timeout: 30_000 });
    // The Review (built by the engine) offers the new table's schema for editing.
    const row = view.locator('#review tr[data-source="EventType"]');
    await row.waitFor({ timeout: 60_000 });
    await row.locator('vscode-textfield input').fill('Kind');
    await browser.page.keyboard.press('Tab');
    await view.locator('#review[data-state="ready"] tr[data-source="EventType"]').waitFor({ timeout: 60_000 });
    assert.equal(await view.locator('#review tr[data-source="EventType"] vscode-textfield').evaluate((el) => (el as HTMLInputElement).value), 'Kind', 'the edit survives the review it triggers');
    await browser.page.screenshot({ path: join(screenshots, 'wizard-review-new-table.png') });
    await view.locator('#app[data-can-run="true"]').waitFor({ timeout: 30_000 });
    await view.locator('vscode-button#create').click();
    assert.match(await finished(view), /succeeded: 2 files ingested into WizardEvents/);

    const schema = await mgmt('.show database Samples schema as json');
    const tables = (JSON.parse(String(schema[0][0])) as { Databases: Record<string, { Tables: Record<string, { OrderedColumns: Array<{ Name: string }> }> }> }).Databases.Samples.Tables;
    assert.deepEqual(tables.WizardEvents.OrderedColumns.map((c) => c.Name).sort(), ['EventId', 'Kind', 'State']);
    assert.equal(Number((await query('WizardEvents | count'))[0][0]), 5);
    assert.equal(Number((await query('WizardEvents | where Kind == "Hail" and State == "TEXAS" | count'))[0][0]), 3);
  });

  test('invalid inputs show inline errors before Run, and Run starts nothing', async () => {
    const view = await workbench.freshWizard();
    const jobsBefore = jobCount();
    await view.locator('vscode-textfield#clusterUrl input').fill('https://no-such-cluster.invalid');
    await browser.page.keyboard.press('Tab'); // leaving the field looks its host name up
    await view.locator('#clusterUrl-error:has-text("No cluster answers to \\"no-such-cluster.invalid\\"")').waitFor({ timeout: 30_000 });
    assert.doesNotMatch((await view.locator('#clusterUrl-error').textContent()) ?? '', /ENOTFOUND|getaddrinfo/);
    await view.locator('vscode-button#create[disabled]').waitFor({ timeout: 10_000 });

    await view.locator('vscode-textfield#clusterUrl input').fill(emulator.url);
    await view.locator('vscode-textarea#query textarea').fill('StormEvnts | take 10');
    await view.locator('#query-error:has-text("StormEvnts")').waitFor({ timeout: 30_000 });
    assert.equal(await view.locator('#clusterUrl-error').textContent(), '');
    await view.locator('vscode-button#create[disabled]').waitFor({ timeout: 10_000 });
    await browser.page.screenshot({ path: join(screenshots, 'wizard-inline-errors.png') });

    await view.locator('vscode-radio[value="filesToKusto"]').click();
    await view.locator('vscode-textfield#sourcePath input').fill(join(workspace, 'no-such-folder'));
    await view.locator('vscode-textfield#table input').fill('Events');
    await view.locator('#sourcePath-error:has-text("does not exist")').waitFor({ timeout: 30_000 });
    // Run stays disabled while a problem is left: it cannot be clicked nor reached by Tab.
    await view.locator('vscode-button#create[disabled]').waitFor({ timeout: 10_000 });
    assert.equal(await view.locator('vscode-button#create').evaluate((el) => getComputedStyle(el).pointerEvents), 'none');
    assert.equal(await view.locator('vscode-button#create').evaluate((el) => (el as HTMLElement).tabIndex), -1);
    assert.equal(jobCount(), jobsBefore, 'no job was created');
  });

  test('a whole job by keyboard alone: focus starts in the first field, a table picked from the list, Run by Enter', async () => {
    const view = await workbench.freshWizard();
    // The webview takes the focus once shown; the page then gives it to its first field.
    const deadline = Date.now() + 10_000;
    while ((await focusedId(view)) !== 'kustoToFiles' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.equal(await focusedId(view), 'kustoToFiles', 'focus starts on the first field, the direction');
    await tabTo(view, 'sourceTable');
    await browser.page.keyboard.type('storm');
    await view.locator('#sourceTable-list li[data-value="StormEvents"]').waitFor({ timeout: 30_000 });
    await browser.page.keyboard.press('ArrowDown');
    assert.equal(await focusedId(view), 'StormEvents');
    await browser.page.keyboard.press('Enter');
    assert.equal(await view.locator('vscode-textarea#query').evaluate((el) => (el as HTMLTextAreaElement).value), 'StormEvents');
    const output = join(workspace, 'by-keyboard');
    await tabTo(view, 'outputPath');
    await browser.page.keyboard.press('Control+A');
    await browser.page.keyboard.type(output);
    // Every key typed is in the field (none lost to a late select-all): the job writes where typed.
    assert.equal(await view.locator('vscode-textfield#outputPath').evaluate((el) => (el as HTMLInputElement).value), output, 'the Output folder holds what was typed');
    await tabTo(view, 'format');
    // The format list opens with Enter and moves with the arrows: CSV is the second choice.
    await browser.page.keyboard.press('Enter');
    await browser.page.keyboard.press('ArrowDown');
    await browser.page.keyboard.press('Enter');
    assert.equal(await view.locator('vscode-single-select#format').evaluate((el) => (el as HTMLSelectElement).value), 'csv');
    await view.locator('#app[data-can-run="true"]').waitFor({ timeout: 30_000 });
    assert.equal(await view.locator('vscode-textfield#outputPath').evaluate((el) => (el as HTMLInputElement).value), output, 'the Output folder still holds what was typed at Run');
    await tabTo(view, 'create');
    await browser.page.keyboard.press('Enter');
    assert.match(await finished(view), /succeeded: 5,000 rows in 1 file/);
    const part = readdirSync(output).find((name) => name.endsWith('.csv'));
    assert.ok(part, readdirSync(output).join(', '));
    assert.equal(readFileSync(join(output, part), 'utf8').trim().split('\n').length, 5001, 'a header and 5,000 rows');
  });

  test('Ctrl+A in a text field is the field\'s own select-all: nothing selects the text again a moment later, when the user is typing', async () => {
    const view = await workbench.freshWizard();
    const input = view.locator('vscode-textfield#outputPath input');
    await input.fill(join(workspace, 'select-all'));
    await input.focus();
    await input.evaluate((field: HTMLInputElement) => {
      field.setSelectionRange(field.value.length, field.value.length);
      // The browser's own select-all for the key is held back here, once, so that only a second
      // select-all (VS Code's answer to the key it was sent, a round trip later) could select the text.
      let held = false;
      field.addEventListener('keydown', (event) => {
        if (held || event.key.toLowerCase() !== 'a') return; // Control goes down first
        held = true;
        event.preventDefault();
      });
    });
    await browser.page.keyboard.press('Control+A');
    await browser.page.waitForTimeout(1500);
    const selection = await input.evaluate((field: HTMLInputElement) => [field.selectionStart, field.selectionEnd, field.value.length]);
    const end = selection[2];
    assert.deepEqual(selection.slice(0, 2), [end, end], 'the caret is where it was: no late select-all selected the field');
  });

  test('what was typed survives hiding the tab and a window reload', async () => {
    const view = await workbench.freshWizard();
    await view.locator('vscode-textarea#query textarea').fill('StormEvents | take 7');
    await view.locator('vscode-textfield#outputPath input').fill(join(workspace, 'kept'));
    await view.locator('vscode-textfield#maxRowsPerFile input').fill('3');
    await view.locator('#app[data-checking="false"]').waitFor({ timeout: 30_000 });
    const read = async (v: FrameLocator) => ({
      query: await v.locator('vscode-textarea#query').evaluate((el) => (el as HTMLTextAreaElement).value),
      output: await v.locator('vscode-textfield#outputPath').evaluate((el) => (el as HTMLInputElement).value),
      rows: await v.locator('vscode-textfield#maxRowsPerFile').evaluate((el) => (el as HTMLInputElement).value),
    });
    const typed = { query: 'StormEvents | take 7', output: join(workspace, 'kept'), rows: '3' };
    // Hidden: another editor in front (the page is discarded: no retainContextWhenHidden).
    await workbench.runCommand('File: New Untitled Text File');
    await browser.page.locator('.tabs-container .tab:has-text("New Copy Job")').click();
    const shown = workbench.webview();
    await shown.locator('#app[data-ready="true"]').waitFor({ timeout: 30_000 });
    assert.deepEqual(await read(shown), typed);
    // A window reload: the serializer brings the panel back and the page its draft.
    await workbench.reloadWindow();
    await browser.page.locator('.tabs-container .tab:has-text("New Copy Job")').click({ timeout: 60_000 });
    const reloaded = workbench.webview();
    await reloaded.locator('#app[data-ready="true"]').waitFor({ timeout: 60_000 });
    assert.deepEqual(await read(reloaded), typed);
  });

  test('Edit in Wizard on a job in the Jobs view opens the wizard with that job\'s settings', async () => {
    await workbench.closeAllEditors();
    await workbench.openViewContainer('Kusto Data Mover');
    const row = browser.page.locator('.part.sidebar .monaco-list-row:has-text("storm-by-state")').first();
    await row.waitFor({ timeout: 30_000 });
    await runContextMenuAction(browser.page, row, 'Edit in Wizard');
    const view = workbench.webview();
    await view.locator('#app[data-ready="true"][data-direction="kustoToFiles"]').waitFor({ timeout: 30_000 });
    await view.locator('vscode-checkbox[data-column="State"]').waitFor({ timeout: 30_000 });
    assert.equal(await view.locator('vscode-textarea#query').evaluate((el) => (el as HTMLTextAreaElement).value), 'StormEvents | project EventId, State, EventType');
    assert.equal(await view.locator('vscode-textfield#outputPath').evaluate((el) => (el as HTMLInputElement).value), join(workspace, 'storm-by-state'));
    assert.equal(await view.locator('vscode-checkbox[data-column="State"]').evaluate((el) => (el as HTMLInputElement).checked), true);
    // Its output is there now: the wizard says so before Run.
    await view.locator('#outputPath-error:has-text("exists already")').waitFor({ timeout: 30_000 });
  });

  test('Save as Job File writes a *.kdm.json without id or createdAt; Open Job File brings it back; Spark code opens in an editor', async () => {
    const view = await workbench.freshWizard();
    await view.locator('vscode-textarea#query textarea').fill('StormEvents | where State == "OHIO"');
    await view.locator('vscode-textfield#outputPath input').fill(join(workspace, 'ohio'));
    await view.locator('vscode-single-select#format').evaluate((el) => {
      (el as HTMLSelectElement).value = 'json';
      el.dispatchEvent(new Event('change'));
    });
    await view.locator('#app[data-can-run="true"]').waitFor({ timeout: 30_000 });
    const file = join(workspace, 'ohio.kdm.json');
    await view.locator('vscode-button#save-job').click();
    // VS Code's own save dialog (the simple one in the browser).
    await workbench.answerPathDialog(file);
    await view.locator('#status[data-state="saved"]').waitFor({ timeout: 30_000 });
    assert.ok(existsSync(file), `${await view.locator('#status').textContent()} | ${readdirSync(workspace).join(', ')}`);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & { source: { query: string }; destination: { format: string } };
    assert.equal('id' in saved, false);
    assert.equal('createdAt' in saved, false);
    assert.equal(saved.source.query, 'StormEvents | where State == "OHIO"');
    assert.equal(saved.destination.format, 'json');

    // A fresh form, then the file opened into it.
    const fresh = await workbench.freshWizard();
    await fresh.locator('vscode-button#open-job').click();
    await workbench.answerPathDialog(file);
    await fresh.locator('#status[data-state="opened"]').waitFor({ timeout: 30_000 });
    assert.equal(await fresh.locator('vscode-textarea#query').evaluate((el) => (el as HTMLTextAreaElement).value), 'StormEvents | where State == "OHIO"');
    assert.equal(await fresh.locator('vscode-single-select#format').evaluate((el) => (el as HTMLSelectElement).value), 'json');

    await fresh.locator('vscode-button#spark-pyspark').click();
    await fresh.locator('#status[data-state="generated"]').waitFor({ timeout: 30_000 });
    const editor = browser.page.locator('.editor-instance .view-lines').last();
    await editor.locator(':text("com.microsoft.kusto.spark.datasource")').first().waitFor({ timeout: 30_000 });
    assert.match((await editor.textContent()) ?? '', /kustoQuery/);
  });

  test('the theme\'s colours reach the webview in dark, light and high contrast; each section is photographed', async () => {
    // Expected values: the editor background and foreground each built-in theme defines.
    const themes = [
      { name: 'Dark Modern', file: 'dark', background: 'rgb(31, 31, 31)', foreground: 'rgb(204, 204, 204)' },
      { name: 'Light Modern', file: 'light', background: 'rgb(255, 255, 255)', foreground: 'rgb(59, 59, 59)' },
      { name: 'Dark High Contrast', file: 'high-contrast', background: 'rgb(0, 0, 0)', foreground: 'rgb(255, 255, 255)' },
    ];
    for (const theme of themes) {
      await pickTheme(theme.name);
      const view = await workbench.freshWizard();
      await view.locator('vscode-textarea#query textarea').fill('StormEvnts');
      await view.locator('#query-error:has-text("StormEvnts")').waitFor({ timeout: 30_000 });
      const colours = await view.locator('body').evaluate(() => {
        const body = getComputedStyle(document.body);
        const error = getComputedStyle(document.getElementById('query-error') as HTMLElement);
        const root = getComputedStyle(document.documentElement);
        return { background: body.backgroundColor, foreground: body.color, error: error.color, errorVariable: root.getPropertyValue('--vscode-errorForeground').trim() };
      });
      assert.equal(colours.background, theme.background, theme.name);
      assert.equal(colours.foreground, theme.foreground, theme.name);
      assert.ok(colours.errorVariable, `${theme.name} defines an error colour`);
      assert.notEqual(colours.error, colours.foreground, `${theme.name}: errors stand out from the text`);
      for (const section of ['source', 'destination', 'options', 'review']) {
        await view.locator(`#section-${section}`).evaluate((el) => el.scrollIntoView({ block: 'start' }));
        await browser.page.screenshot({ path: join(screenshots, `wizard-${section}-${theme.file}.png`) });
      }
    }
    await pickTheme('Dark Modern');
  });
});
