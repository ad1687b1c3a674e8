// A job file opened in a workspace the user has not trusted (code-server with workspace trust on,
// no --disable-workspace-trust: the folder opens in Restricted Mode): "Run Copy Job from JSON File" asks
// first. Cancel runs nothing; "Run Job" runs it, and the rows land on disk, from one run only.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
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

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a job file in an untrusted workspace', () => {
  let server: CodeServer;
  let browser: Browser;
  let workbench: Workbench;
  let emulator: RunningEmulator;
  let out: string;
  const jobId = 'untrusted-job-1';

  before(async () => {
    emulator = await startEmulator({ seed: 'sample', auth: 'open' });
    await run('npm', ['run', '--silent', 'package'], { cwd: root, timeout: 180_000 });
    const vsixPath = join(root, 'dist', 'kusto-data-mover.vsix');
    assert.ok(statSync(vsixPath).size > 10_000, 'the VSIX was written');
    const workspace = mkdtempSync(join(tmpdir(), 'kdm-untrusted-'));
    out = join(mkdtempSync(join(tmpdir(), 'kdm-untrusted-out-')), 'storms.jsonl');
    writeFileSync(join(workspace, 'job.json'), JSON.stringify({
      version: 1, id: jobId, name: 'five storms', createdAt: '2026-01-01T00:00:00Z',
      source: { kind: 'kustoQuery', connection: { clusterUrl: emulator.url, database: 'Samples' }, query: 'StormEvents | take 5', readMode: 'stream' },
      destination: { kind: 'files', location: { kind: 'local', path: out }, format: 'json', layout: 'singleFile' },
    }, null, 2));
    server = await startCodeServer({ vsixPath, workspace, workspaceTrust: true });
    browser = await launchChromium();
    workbench = new Workbench(browser.page);
    await workbench.open(server.url);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await emulator?.stop();
  });

  test('in Restricted Mode, running job.json asks first; Cancel runs nothing, "Run Job" runs it once', async () => {
    const page = browser.page;
    // code-server's web build opens a folder it has never trusted straight in Restricted Mode (no startup prompt).
    await page.locator('.statusbar-item:has-text("Restricted Mode")').waitFor({ timeout: 60_000 });

    // Open job.json (Quick Open) and run it from the palette.
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('job.json');
    await page.locator('.quick-input-list .monaco-list-row:has-text("job.json")').first().click();
    await page.locator('.tabs-container .tab:has-text("job.json")').waitFor({ timeout: 30_000 });

    await workbench.runCommand('Kusto Data Mover: Run Copy Job from JSON File');
    const ask = page.locator('.monaco-dialog-box:has-text("This workspace is not trusted")');
    await ask.waitFor({ timeout: 30_000 });
    assert.match((await ask.textContent()) ?? '', /Run the copy job "five storms" from it\?/);
    assert.match((await ask.textContent()) ?? '', new RegExp(`writes ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await ask.locator('a.monaco-button:has-text("Cancel")').click();
    await ask.waitFor({ state: 'detached', timeout: 10_000 });

    // Asked again, the user runs it: the rows land, and the job's journal counts a single run.
    await page.locator('.tabs-container .tab:has-text("job.json")').click();
    await workbench.runCommand('Kusto Data Mover: Run Copy Job from JSON File');
    await ask.waitFor({ timeout: 30_000 });
    await ask.locator('a.monaco-button:has-text("Run Job")').click();
    await until(() => existsSync(out), 90_000, `the output ${out}`);
    const rows = readFileSync(out, 'utf8').split('\n').filter((l) => l.length > 0);
    assert.equal(rows.length, 5);
    const storage = join(server.userDataDir, 'User', 'globalStorage');
    const own = readdirSync(storage).find((n) => n.toLowerCase() === 'kusto-data-mover.kusto-data-mover');
    assert.ok(own, 'the extension keeps its jobs in its global storage');
    const journal = JSON.parse(readFileSync(join(storage, own, 'jobs', jobId, 'journal.json'), 'utf8')) as { runs: number; state: string };
    assert.equal(journal.runs, 1, 'the cancelled attempt did not run');
  });
});
