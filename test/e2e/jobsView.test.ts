// The Jobs view in code-server against the emulator, through the real UI: jobs run in job
// processes of their own; Cancel from the view stops one with nothing partial and Resume finishes
// it with every row once; a job survives a page reload; a job started by the CLI on the same jobs
// folder shows as running; a job process killed with SIGKILL shows interrupted and Resume
// completes it; a sink job with a bad file lists its files with the service's reason, and
// selecting it opens its details.
// The test hook (kustoDataMover.test.state) only READS the view's items (for the job's pid).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type Browser, launchChromium } from '../helpers/browser';
import { type CodeServer, startCodeServer } from '../helpers/codeServer';
import { runContextMenuAction } from '../helpers/connectionsUi';
import { sumCsvFolder } from '../helpers/csvFolder';
import { Workbench } from '../helpers/workbench';
import { type RunningEmulator, startEmulator } from '../emulator/index';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');
const screenshots = join(process.env.KDM_TEST_ARTIFACTS ?? join(root, 'test-artifacts'), 'screenshots');
const LONG_QUERY = (n: number): string => `range i from 1 to ${n} step 1 | extend s = strcat("r", tostring(i))`;

async function snap(page: Browser['page'], name: string): Promise<void> {
  const path = join(screenshots, name);
  await page.screenshot({ path });
  if (process.env.KDM_UPDATE_DOCS_IMAGES === '1') copyFileSync(path, join(root, 'docs', 'images', name));
}

const triangle = (n: number): bigint => (BigInt(n) * BigInt(n + 1)) / 2n;

describe('the Jobs view inside code-server', () => {
  let server: CodeServer;
  let browser: Browser;
  let workbench: Workbench;
  let workspace: string;
  let emulator: RunningEmulator;
  let jobsDir: string;

  before(async () => {
    emulator = await startEmulator({ seed: 'sample', auth: 'open', ingestionPollMs: 50 });
    mkdirSync(screenshots, { recursive: true });
    if (process.env.KDM_E2E_SKIP_PACKAGE !== '1') await run('npm', ['run', '--silent', 'package'], { cwd: root, timeout: 180_000 });
    workspace = mkdtempSync(join(tmpdir(), 'kdm-jobs-workspace-'));
    server = await startCodeServer({
      vsixPath: join(root, 'dist', 'kusto-data-mover.vsix'),
      workspace,
      env: { KDM_TEST_HOOKS: '1', NODE_EXTRA_CA_CERTS: emulator.statusTable.caPemPath },
      settings: { 'kustoDataMover.defaultClusterUrl': emulator.url },
    });
    jobsDir = join(server.userDataDir, 'User', 'globalStorage', 'kusto-data-mover.kusto-data-mover', 'jobs');
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

  const row = (text: string, state?: string) => browser.page.locator(`.part.sidebar .monaco-list-row:has-text("${text}")${state ? `:has-text("${state}")` : ''}`).first();

  async function startFromWizard(query: string, out: string, direction: 'kustoToFiles' | 'filesToKusto' = 'kustoToFiles'): Promise<void> {
    await workbench.runCommand('Kusto Data Mover: New Copy Job');
    const view = workbench.webview();
    await view.locator('#app[data-ready="true"]').waitFor({ timeout: 30_000 });
    if ((await view.locator('#app').getAttribute('data-direction')) !== direction) {
      await view.locator(`vscode-radio[value="${direction}"]`).click();
      await view.locator(`#app[data-direction="${direction}"]`).waitFor({ timeout: 10_000 });
    }
    // Each direction has its own fields: the query and output folder, or the target table and the source.
    if (direction === 'kustoToFiles') {
      await view.locator('vscode-textarea#query textarea').fill(query);
      await view.locator('vscode-textfield#outputPath input').fill(out);
    } else {
      await view.locator('vscode-textfield#table input').fill(query);
      await view.locator('vscode-textfield#sourcePath input').fill(out);
    }
    if (direction === 'kustoToFiles') {
      await view.locator('vscode-single-select#format').evaluate((el) => {
        (el as HTMLSelectElement).value = 'csv';
      });
    }
    await view.locator('vscode-button#create').click();
    await workbench.openViewContainer('Kusto Data Mover');
  }

  async function clickAction(text: string, action: string): Promise<void> {
    const r = row(text);
    await r.hover();
    await r.locator(`.action-label[aria-label="${action}"]`).click({ timeout: 10_000 });
  }

  /** The journal of the job whose output folder is `name` (read from disk, as the view reads it). */
  function journalOf(name: string): { pid?: number; state: string } | undefined {
    for (const id of existsSync(jobsDir) ? readdirSync(jobsDir) : []) {
      const path = join(jobsDir, id, 'journal.json');
      if (!existsSync(path)) continue;
      const record = JSON.parse(readFileSync(path, 'utf8')) as { pid?: number; state: string; spec: { name?: string } };
      if (record.spec.name?.endsWith(`→ ${name}`)) return record;
    }
    return undefined;
  }

  test('Cancel from the Jobs view stops a long job with no partial output and shows cancelled; Resume writes every row once', async () => {
    const out = join(workspace, 'cancelme');
    const ROWS = 3_000_000;
    // The job is still running when Cancel is clicked, whatever the machine's speed: the emulator
    // sends this query's answer slowly (a write per 100 ms, so rows are written and the progress
    // moves) and holds it after 4 MB until the view shows the job cancelled. Before, a fast run
    // could end before the click landed (CI saw no "cancelled" within 15 s once).
    let release: () => void = () => undefined;
    const released = new Promise<void>((done) => (release = done));
    const fault = emulator.addFault({ endpoint: 'v2/rest/query', command: `to ${ROWS} step 1 \\| extend s = strcat\\("r", tostring\\(i\\)\\)$`, slowUntil: { until: released, delayMs: 100, holdAfterBytes: 4 * 1024 * 1024 } });
    try {
      await startFromWizard(LONG_QUERY(ROWS), out);
      // Live progress: the row shows a row count while it runs.
      await row('cancelme', 'rows/s').waitFor({ timeout: 90_000 }).catch(async (err: unknown) => {
        await snap(browser.page, 'failure-jobs-running.png');
        throw err;
      });
      await snap(browser.page, 'jobs-running.png');
      assert.equal(journalOf('cancelme')?.state, 'running', 'the job is running when Cancel is clicked');
      await clickAction('cancelme', 'Cancel Job');
      await row('cancelme', 'cancelled').waitFor({ timeout: 15_000 }).catch(async (err: unknown) => {
        await snap(browser.page, 'failure-cancel.png');
        throw new Error(`${(err as Error).message}\nrow: ${await row('cancelme').textContent({ timeout: 1000 }).catch(() => 'none')}\njournal: ${JSON.stringify(journalOf('cancelme'))}`);
      });
    } finally {
      release();
      emulator.removeFault(fault);
    }
    assert.ok(!existsSync(out), 'nothing under the final name');
    assert.deepEqual(readdirSync(workspace).filter((n) => n.startsWith('.cancelme')), [], 'no hidden temporary output left');
    await clickAction('cancelme', 'Resume Job');
    await row('cancelme', 'succeeded').waitFor({ timeout: 180_000 }).catch(async (err: unknown) => {
      await snap(browser.page, 'failure-cancel-resume.png');
      throw new Error(`${(err as Error).message}\nrow: ${await row('cancelme').textContent({ timeout: 1000 }).catch(() => 'none')}\njournal: ${JSON.stringify(journalOf('cancelme'))}`);
    });
    assert.deepEqual(await sumCsvFolder(out), { rows: ROWS, sum: triangle(ROWS) });
  });

  test('a job started by the CLI on the same jobs folder shows as running, then succeeded', async () => {
    const out = join(workspace, 'fromcli');
    // The copy itself now takes a few seconds: the emulator holds this query's answer back 8 s, so
    // the job is still running whatever the machine's speed when the view looks.
    const ROWS = 2_000_001;
    emulator.addFault({ endpoint: 'v2/rest/query', command: `to ${ROWS} step`, delayMs: 8000, times: 1 });
    const cli = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'copy', '--cluster', emulator.url, '--db', 'Samples', '--query', LONG_QUERY(ROWS), '--out', out, '--format', 'csv', '--read-mode', 'stream', '--job-id', 'fromcli-1', '--jobs-dir', jobsDir, '--progress', 'none'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((done) => cli.once('exit', (code) => done(code)));
    await workbench.openViewContainer('Kusto Data Mover');
    await row('fromcli-1', 'running').waitFor({ timeout: 60_000 });
    assert.equal(await exited, 0);
    await row('fromcli-1', 'succeeded').waitFor({ timeout: 30_000 });
    assert.deepEqual(await sumCsvFolder(out), { rows: ROWS, sum: triangle(ROWS) });
  });

  test('a finished job\'s row is not redrawn by the polls that follow a change of the jobs folder: its inline actions stay under the mouse', async () => {
    // A redraw replaces a row's inline actions; a click landing on the old ones does nothing (a
    // Resume clicked right after a cancel was lost this way). Polls that find nothing new must
    // leave the rows as drawn.
    const out = join(workspace, 'steady');
    await run(process.execPath, [join(root, 'dist', 'cli.js'), 'copy', '--cluster', emulator.url, '--db', 'Samples', '--query', LONG_QUERY(10), '--out', out, '--format', 'csv', '--read-mode', 'stream', '--job-id', 'steady-1', '--jobs-dir', jobsDir, '--progress', 'none']);
    await workbench.openViewContainer('Kusto Data Mover');
    const steady = row('steady-1', 'succeeded');
    await steady.waitFor({ timeout: 60_000 });
    await steady.hover();
    const marked = await steady.locator('.action-item').evaluateAll((items) => {
      for (const item of items) (item as HTMLElement).dataset.kdmDrawn = 'before';
      return items.length;
    });
    assert.ok(marked > 0, 'the row shows inline actions');
    // A new folder in the jobs folder (a job's journal comes a moment after its folder) makes the
    // view poll for a while: the polls read the same jobs again.
    mkdirSync(join(jobsDir, 'not-a-job-yet'));
    try {
      await new Promise((done) => setTimeout(done, 7_000));
      const kept = await steady.locator('.action-item[data-kdm-drawn="before"]').count();
      assert.equal(kept, marked, 'the inline actions drawn before the polls are still the ones shown');
    } finally {
      rmSync(join(jobsDir, 'not-a-job-yet'), { recursive: true, force: true });
    }
    assert.deepEqual(await sumCsvFolder(out), { rows: 10, sum: triangle(10) });
  });

  test('a job running while the page reloads shows running after the reload and ends succeeded with the complete output', async () => {
    const out = join(workspace, 'reloadme');
    // The job outlasts the reload for sure, whatever the machine's speed, and stays small: the
    // emulator sends this query's answer slowly (a write per 200 ms, so the progress moves) and
    // holds it after 2 MB until the view has shown the job running again after the reload; then the
    // rest leaves at full speed. Only the job's own query ends with this text (not its `| take`,
    // `| count` or `| evaluate` probes).
    const ROWS = 1_000_000;
    let release: () => void = () => undefined;
    const released = new Promise<void>((done) => (release = done));
    const fault = emulator.addFault({ endpoint: 'v2/rest/query', command: `to ${ROWS} step 1 \\| extend s = strcat\\("r", tostring\\(i\\)\\)$`, slowUntil: { until: released, delayMs: 200, holdAfterBytes: 2 * 1024 * 1024 } });
    try {
      await startFromWizard(LONG_QUERY(ROWS), out);
      await row('reloadme', 'rows/s').waitFor({ timeout: 60_000 });
      await browser.page.reload();
      await browser.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      // The side bar comes back as it was; clicking its icon too early would hide it.
      await browser.page.locator('.part.sidebar .pane-header:has-text("Jobs")').waitFor({ timeout: 20_000 }).catch(() => workbench.openViewContainer('Kusto Data Mover'));
      await row('reloadme', 'running').waitFor({ timeout: 60_000 }).catch(async (err: unknown) => {
        await snap(browser.page, 'failure-after-reload.png');
        throw new Error(`${(err as Error).message}\nrow: ${await row('reloadme').textContent({ timeout: 1000 }).catch(() => 'none')}\njournal: ${JSON.stringify(journalOf('reloadme'))}`);
      });
      // Still held: the job cannot have ended while the page was away.
      assert.equal(journalOf('reloadme')?.state, 'running', 'the job is still running after the reload');
    } finally {
      release();
      emulator.removeFault(fault);
    }
    await row('reloadme', 'succeeded').waitFor({ timeout: 90_000 });
    assert.deepEqual(await sumCsvFolder(out), { rows: ROWS, sum: triangle(ROWS) });
  });

  test('SIGKILL of the job process shows interrupted; Resume completes the output exactly', async () => {
    const out = join(workspace, 'killme');
    await startFromWizard(LONG_QUERY(2_000_000), out);
    await row('killme', 'rows/s').waitFor({ timeout: 90_000 });
    const pid = journalOf('killme')?.pid;
    assert.ok(pid && pid !== process.pid, 'the journal names the job process');
    process.kill(pid, 'SIGKILL');
    await row('killme', 'interrupted').waitFor({ timeout: 30_000 });
    assert.ok(!existsSync(out), 'nothing under the final name');
    await clickAction('killme', 'Resume Job');
    await row('killme', 'succeeded').waitFor({ timeout: 180_000 });
    assert.deepEqual(await sumCsvFolder(out), { rows: 2_000_000, sum: triangle(2_000_000) });
  });

  test('Discard on an interrupted job removes its hidden temporary output and its journal, says what it removed, and leaves no output', async () => {
    const out = join(workspace, 'discardme');
    await startFromWizard(LONG_QUERY(2_000_000), out);
    await row('discardme', 'rows/s').waitFor({ timeout: 90_000 });
    const pid = journalOf('discardme')?.pid;
    assert.ok(pid && pid !== process.pid, 'the journal names the job process');
    process.kill(pid, 'SIGKILL');
    await row('discardme', 'interrupted').waitFor({ timeout: 30_000 });
    const temps = readdirSync(workspace).filter((n) => n.startsWith('.discardme.kdm-tmp-'));
    assert.equal(temps.length, 1, 'the killed run left its hidden temporary output');
    await runContextMenuAction(browser.page, row('discardme'), 'Discard Job');
    const dialog = browser.page.locator('.monaco-dialog-box');
    await dialog.locator(':text("hidden temporary output")').waitFor({ timeout: 15_000 });
    await dialog.locator('a.monaco-button:has-text("Discard")').click();
    const toast = browser.page.locator('.notifications-toasts .notification-toast:has-text("Discarded job")');
    await toast.waitFor({ timeout: 15_000 });
    assert.match((await toast.textContent()) ?? '', /removed .*\.discardme\.kdm-tmp-/);
    await row('discardme').waitFor({ state: 'detached', timeout: 15_000 });
    assert.deepEqual(readdirSync(workspace).filter((n) => n.startsWith('.discardme')), [], 'no hidden temporary output left');
    assert.ok(!existsSync(out), 'nothing under the final name');
    assert.equal(journalOf('discardme'), undefined, 'the journal is gone');
  });

  test('a sink job with one bad file ends failed and lists each file, the bad one with the service\'s reason', async () => {
    const folder = join(workspace, 'badfiles');
    mkdirSync(folder);
    writeFileSync(join(folder, 'good1.json'), '{"id":1}\n');
    writeFileSync(join(folder, 'good2.json'), '{"id":2}\n');
    writeFileSync(join(folder, 'broken.json'), '{"id": 3, "oops\n');
    await startFromWizard('PartlyBad', folder, 'filesToKusto');
    const job = row('badfiles → PartlyBad', 'failed');
    await job.waitFor({ timeout: 120_000 });
    await snap(browser.page, 'jobs-failed.png');
    await job.click();
    // Selecting the job opens its details (a read-only document): its state reads "failed", and
    // the cause and what to do follow (Monaco renders the spaces as no-break spaces).
    const details = browser.page.locator('.editor-instance .view-lines');
    await details.filter({ hasText: /State:\*\*\sfailed/ }).first().waitFor({ timeout: 15_000 });
    await details.filter({ hasText: /Likely\scause:\*\*\s1\sfile\sfailed\sto\singest/ }).first().waitFor({ timeout: 5_000 });
    // The row gets its files (a twistie) once the job's result is written, which can be a moment
    // after its state reads "failed": wait for the twistie, then open it by a click on it.
    const expandable = browser.page.locator('.part.sidebar .monaco-list-row[aria-expanded]:has-text("badfiles → PartlyBad")').first();
    await expandable.waitFor({ timeout: 15_000 });
    if ((await expandable.getAttribute('aria-expanded')) !== 'true') await expandable.locator('.monaco-tl-twistie').click();
    const broken = browser.page.locator('.part.sidebar .monaco-list-row:has-text("broken.json")');
    await broken.waitFor({ timeout: 10_000 });
    assert.match((await broken.textContent()) ?? '', /failed · .+/);
    assert.match((await row('good1.json').textContent()) ?? '', /ingested/);
    assert.match((await row('good2.json').textContent()) ?? '', /ingested/);
    await snap(browser.page, 'jobs-finished.png');
  });
});
