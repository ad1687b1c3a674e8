// The VS Code Microsoft account kind, for real in code-server: code-server ships no Microsoft
// authentication provider, so a test-only extension (test/fixtures/microsoft-auth-provider) is
// installed beside ours and registers one with the id "microsoft". VS Code's own sign-in flow
// (its consent dialog, its session access rules) runs between our extension and that provider;
// the provider's account chooser is a quick pick, and it logs every call so the test sees prompts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type Browser, launchChromium } from '../helpers/browser';
import { type CodeServer, startCodeServer } from '../helpers/codeServer';
import { Workbench } from '../helpers/workbench';
import { answerStep, pickStep, runContextMenuAction } from '../helpers/connectionsUi';
import { adminToken, type RunningEmulator, startEmulator } from '../emulator/index';
import { executeManagementRecords } from '../../src/kusto/managementClient';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');
const screenshots = join(process.env.KDM_TEST_ARTIFACTS ?? join(root, 'test-artifacts'), 'screenshots');
const NAME = 'Mine (VS Code account)';

describe('the VS Code Microsoft account kind against a test authentication provider', () => {
  let server: CodeServer;
  let browser: Browser;
  let workbench: Workbench;
  let workspace: string;
  let work: string;
  let authLog: string;
  let emulator: RunningEmulator;
  const sidebar = () => browser.page.locator('.part.sidebar');
  const row = (text: string, level: number) => sidebar().locator(`.monaco-list-row[aria-level="${level}"]:has-text("${text}")`).first();
  const note = (text: string) => browser.page.locator(`.notification-list-item:has-text("${text}")`).first();
  const events = (): Array<{ event: string; account?: string | null }> =>
    existsSync(authLog) ? readFileSync(authLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string }) : [];
  const prompts = () => events().filter((e) => e.event === 'createSession').length;

  /** The stand-in provider's account chooser (a quick pick): choose `account` there. */
  const chooseAccount = (account: string) => pickStep(browser.page, 'pick an account', account);
  const chooserShown = () => browser.page.locator('.quick-input-widget .quick-input-title:has-text("pick an account")').isVisible();

  const contextMenu = (rowLocator: ReturnType<typeof row>, action: string) => runContextMenuAction(browser.page, rowLocator, action);

  /** VS Code's own consent dialog: allow the sign-in (the button that is not Cancel). */
  async function allowSignIn(): Promise<string> {
    const dialog = browser.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    const text = (await dialog.textContent()) ?? '';
    await dialog.locator('a.monaco-button:not(:has-text("Cancel"))').first().click();
    return text;
  }

  /** Expands a tree row (a click can land while the row is still being redrawn: try again). */
  async function expand(r: ReturnType<typeof row>): Promise<void> {
    for (let i = 0; i < 5 && (await r.getAttribute('aria-expanded', { timeout: 20_000 })) !== 'true'; i++) {
      await r.click();
      await browser.page.waitForTimeout(300);
    }
    assert.equal(await r.getAttribute('aria-expanded'), 'true');
  }

  async function clearNotifications(): Promise<void> {
    await workbench.runCommand('Notifications: Clear All Notifications');
    const hide = browser.page.locator('.notifications-center.visible .codicon-notifications-hide');
    if (await hide.count()) await hide.first().click();
  }

  async function testConnectionSays(): Promise<string> {
    await clearNotifications();
    await contextMenu(row(NAME, 1), 'Test Connection');
    const outcome = browser.page.locator(`.notification-list-item:has-text("\\"${NAME}\\": ")`).first();
    await outcome.waitFor({ timeout: 60_000 });
    return (await outcome.textContent()) ?? '';
  }

  before(async () => {
    emulator = await startEmulator({ seed: 'sample', auth: 'tokens', ingestionPollMs: 50 });
    for (const who of ['aaduser=ada@contoso.com', 'aaduser=bob@contoso.com']) {
      await executeManagementRecords({ clusterUrl: emulator.url, database: 'Samples', tokenProvider: { getToken: async () => adminToken() } }, `.add database Samples viewers ('${who}')`);
    }
    mkdirSync(screenshots, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'kdm-vscode-account-'));
    authLog = join(work, 'auth-calls.jsonl');
    await run('npm', ['run', '--silent', 'package'], { cwd: root, timeout: 180_000 });
    const fixture = join(root, 'test', 'fixtures', 'microsoft-auth-provider');
    await run(join(root, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', join(work, 'auth.vsix')], { cwd: fixture, timeout: 120_000 });
    workspace = mkdtempSync(join(tmpdir(), 'kdm-workspace-'));
    server = await startCodeServer({
      vsixPath: join(root, 'dist', 'kusto-data-mover.vsix'),
      extraVsixPaths: [join(work, 'auth.vsix')],
      workspace,
      env: { NODE_EXTRA_CA_CERTS: emulator.statusTable.caPemPath, KDM_TEST_AUTH_LOG: authLog },
      settings: { 'kustoDataMover.defaultClusterUrl': emulator.url },
    });
    browser = await launchChromium();
    workbench = new Workbench(browser.page);
    await workbench.open(server.url);
    await workbench.openViewContainer('Kusto Data Mover');
  });

  afterEach(async (t) => {
    if (browser && (t as { passed?: boolean }).passed === false) await browser.page.screenshot({ path: join(screenshots, `failed-account-${t.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}.png`) }).catch(() => undefined);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await emulator?.stop();
    for (const dir of [workspace, work]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('silent first: adding the connection, its live test and expanding it never prompt; the tree offers Sign In', async () => {
    await workbench.runCommand('Kusto Data Mover: Add Connection');
    await answerStep(browser.page, '1/5 name', NAME);
    await answerStep(browser.page, '2/5 cluster', emulator.url);
    await answerStep(browser.page, '3/5 database', 'Samples');
    await pickStep(browser.page, '4/5 sign-in', 'VS Code Microsoft account');
    await answerStep(browser.page, '(tenant)', ''); // optional
    const failed = note(`the test of \\"${NAME}\\" failed`);
    await failed.waitFor({ timeout: 60_000 });
    assert.match((await failed.textContent()) ?? '', /needs you to sign in with your Microsoft account/);
    await failed.locator('a.monaco-button:has-text("Save Anyway")').click();
    await expand(row(NAME, 1));
    const signIn = sidebar().locator('.monaco-list-row[aria-level="2"]:has-text("click to sign in")');
    await signIn.waitFor({ timeout: 30_000 });
    assert.equal(await browser.page.locator('.monaco-dialog-box').count(), 0, 'no sign-in dialog');
    assert.ok(events().some((e) => e.event === 'activate'), 'the stand-in provider is active');
    assert.equal(prompts(), 0, 'no account chooser was opened');
  });

  test('Sign In (a user action) prompts once and pins the chosen account; the cluster then sees that account', async () => {
    await sidebar().locator('.monaco-list-row[aria-level="2"]:has-text("click to sign in")').click();
    assert.match(await allowSignIn(), /wants to sign in using Microsoft/);
    await chooseAccount('ada@contoso.com');
    await row('Samples', 2).waitFor({ timeout: 30_000 });
    assert.equal(prompts(), 1);
    assert.match(await testConnectionSays(), /as aaduser=ada@contoso\.com\. Samples: read \(viewer\)/);
    await browser.page.screenshot({ path: join(screenshots, 'connections-vscode-account.png') });
  });

  // A job that is not started by a sign-in action: a job file (saved by the wizard, so it names
  // the connection) run from the palette while the connection is signed out.
  test('a job never prompts: signed out, a job file run from the palette fails resumably with "Sign In and Resume"; that click signs in and the resumed job writes the rows', async () => {
    const out = join(workspace, 'signed-out-export');
    const file = join(workspace, 'signed-out.kdm.json');
    await workbench.runCommand('Kusto Data Mover: New Copy Job');
    const view = workbench.webview();
    await view.locator('#app[data-ready="true"]').waitFor({ timeout: 30_000 });
    await view.locator('vscode-textfield#clusterUrl input').fill(emulator.url);
    await view.locator('vscode-textfield#database input').fill('Samples');
    await view.locator('vscode-textarea#query textarea').fill('StormEvents | take 10');
    await view.locator('vscode-textfield#outputPath input').fill(out);
    await view.locator('vscode-single-select#format').evaluate((el) => {
      (el as HTMLSelectElement).value = 'csv';
      el.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await view.locator('vscode-button#save-job').click();
    // VS Code's own save dialog (the simple one in the browser).
    await workbench.answerPathDialog(file);
    await view.locator('#status[data-state="saved"]').waitFor({ timeout: 30_000 });
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { source: { connection: { auth?: { kind: string } } } };
    assert.equal(saved.source.connection.auth?.kind, 'credential', 'the job file names the saved connection');

    await clearNotifications();
    await contextMenu(row(NAME, 1), 'Sign Out');
    await note(`signed out of \\"${NAME}\\"`).waitFor({ timeout: 20_000 });
    const before = prompts();
    await sidebar().locator('.monaco-list-row[aria-level="2"]:has-text("click to sign in")').waitFor({ timeout: 30_000 });

    // Open the job file (Quick Open) and run it from the palette.
    await browser.page.keyboard.press('Control+P');
    await browser.page.locator('.quick-input-widget input').fill('signed-out.kdm.json');
    await browser.page.locator('.quick-input-list .monaco-list-row:has-text("signed-out.kdm.json")').first().click();
    await browser.page.locator('.tabs-container .tab.active:has-text("signed-out.kdm.json")').waitFor({ timeout: 30_000 });
    await workbench.runCommand('Kusto Data Mover: Run Copy Job from JSON File');
    const failed = note('Sign In and Resume');
    await failed.waitFor({ timeout: 120_000 });
    assert.match((await failed.textContent()) ?? '', /signed out/i);
    assert.equal(await browser.page.locator('.monaco-dialog-box').count(), 0, 'the job opened no sign-in dialog');
    assert.equal(prompts(), before, 'the job opened no account chooser');
    assert.equal(existsSync(out), false, 'nothing was written');
    await failed.locator('a.monaco-button:has-text("Sign In and Resume")').click();
    // VS Code may ask (its consent dialog, the stand-in's account chooser) or reuse the session it granted: answer what comes.
    const csvRows = () => (existsSync(out) ? readdirSync(out).filter((f) => f.endsWith('.csv')).reduce((n, f) => n + readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean).length - 1, 0) : 0);
    for (let i = 0; i < 120 && csvRows() === 0; i++) {
      if (await browser.page.locator('.monaco-dialog-box').count()) await allowSignIn();
      if (await chooserShown()) await chooseAccount('ada@contoso.com');
      await browser.page.waitForTimeout(500);
    }
    assert.equal(csvRows(), 10, 'the resumed job wrote the 10 rows');
  });

  test('Switch Account asks for a new sign-in and pins the other account', async () => {
    // Its own start: signed in as ada (Sign In answers whatever VS Code asks, or nothing when the session is there).
    await clearNotifications();
    await contextMenu(row(NAME, 1), 'Sign In');
    for (let i = 0; i < 20 && !(await row('Samples', 2).isVisible()); i++) {
      if (await browser.page.locator('.monaco-dialog-box').count()) await allowSignIn();
      if (await chooserShown()) await chooseAccount('ada@contoso.com');
      await browser.page.waitForTimeout(500);
    }
    assert.match(await testConnectionSays(), /as aaduser=ada@contoso\.com\./);
    const from = events().length;
    await clearNotifications();
    await contextMenu(row(NAME, 1), 'Switch Account');
    await allowSignIn();
    await chooseAccount('bob@contoso.com');
    assert.match(await testConnectionSays(), /as aaduser=bob@contoso\.com\. Samples: read \(viewer\)/);
    assert.deepEqual(events().slice(from).filter((e) => e.event === 'signedIn').map((e) => e.account), ['bob@contoso.com']);
  });
});
