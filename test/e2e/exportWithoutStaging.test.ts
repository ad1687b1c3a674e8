// A large read with no storage of the user's, built through the wizard in code-server: a query
// above the export threshold (1,000,001 rows, the default threshold being 1,000,000), with no
// staging location anywhere, is exported by the emulated cluster into its own export container
// (`.show export containers`, in Azurite) and lands complete in a local Spark folder.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { FrameLocator } from 'playwright-core';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../helpers/azurite';
import { type Browser, launchChromium } from '../helpers/browser';
import { type CodeServer, startCodeServer } from '../helpers/codeServer';
import { Workbench } from '../helpers/workbench';
import { type RunningEmulator, startEmulator } from '../emulator/index';
import { readBackParquet } from '../unit/parquetReadBack';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');
const screenshots = join(process.env.KDM_TEST_ARTIFACTS ?? join(root, 'test-artifacts'), 'screenshots');
const ROWS = 1_000_001;

interface JournalView {
  spec: { id: string; source: { staging?: unknown } };
  state: string;
  readMode?: string;
  estimatedRows?: number;
  export?: { storage?: { kind: string; reason: string }; files?: Array<{ url: string; rows: number }> };
}

describe('a large query with no staging configured, through the wizard', () => {
  let server: CodeServer;
  let browser: Browser;
  let workbench: Workbench;
  let workspace: string;
  let emulator: RunningEmulator;
  let view: FrameLocator;

  /** The journal of the one job this window ran into `out` (read from the extension's global storage). */
  function journalFor(out: string): JournalView | undefined {
    const storage = join(server.userDataDir, 'User', 'globalStorage');
    const jobs = readdirSync(storage).map((ext) => join(storage, ext, 'jobs')).find((dir) => existsSync(dir));
    if (!jobs) return undefined;
    const journals = readdirSync(jobs)
      .map((id) => join(jobs, id, 'journal.json'))
      .filter((p) => existsSync(p))
      .map((p) => JSON.parse(readFileSync(p, 'utf8')) as JournalView & { spec: { destination: { location?: { path?: string } } } })
      .filter((j) => j.spec.destination.location?.path === out);
    assert.equal(journals.length, 1, 'one job wrote into the folder');
    return journals[0];
  }

  before(async () => {
    emulator = await startEmulator({ seed: 'sample', auth: 'open' });
    mkdirSync(screenshots, { recursive: true });
    await run('npm', ['run', '--silent', 'package'], { cwd: root, timeout: 180_000 });
    const vsixPath = join(root, 'dist', 'kusto-data-mover.vsix');
    assert.ok(statSync(vsixPath).size > 10_000, 'the VSIX was written');
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
    await workbench.runCommand('Kusto Data Mover: New Copy Job');
    view = workbench.webview();
    await view.locator('#app[data-ready="true"]').waitFor({ timeout: 30_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await emulator?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  test('1,000,001 rows to Parquet: exported through the cluster\'s own export container, every row in the local Spark folder', async () => {
    assert.equal(await view.locator('#app').getAttribute('data-direction'), 'kustoToFiles');
    assert.equal(await view.locator('vscode-single-select#format').evaluate((el) => (el as HTMLSelectElement).value), 'parquet');
    const out = join(workspace, 'big');
    await view.locator('vscode-textarea#query textarea').fill(`range i from 1 to ${ROWS} step 1`);
    await view.locator('vscode-textfield#outputPath input').fill(out);
    await view.locator('vscode-button#create').focus();
    await browser.page.keyboard.press('Enter');
    await view.locator('#status[data-state="succeeded"], #status[data-state="failed"]').waitFor({ timeout: 180_000 });
    const status = (await view.locator('#status').textContent()) ?? '';
    await browser.page.screenshot({ path: join(screenshots, 'wizard-export-without-staging.png') });
    assert.match(status, /succeeded: 1,000,001 rows/);

    // The plan and its outcome, from the job's journal: exported (not streamed), through the cluster's storage.
    const journal = journalFor(out);
    assert.equal(journal?.state, 'succeeded');
    assert.equal(journal?.spec.source.staging, undefined, 'the wizard configured no staging');
    assert.equal(journal?.readMode, 'export');
    assert.equal(journal?.estimatedRows, ROWS);
    assert.equal(journal?.export?.storage?.kind, 'cluster');
    const jobId = journal?.spec.id as string;

    // The exported parts are in the container `.show export containers` hands out, under the job's folder.
    const exportContainer = new BlobServiceClient(emulator.azurite.blobUrl, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).getContainerClient('exportstorage');
    const exported: string[] = [];
    for await (const blob of exportContainer.listBlobsFlat({ prefix: `kusto-data-mover/Samples/${jobId}/` })) exported.push(blob.name);
    assert.ok(exported.length >= 1 && exported.every((n) => n.endsWith('.parquet')), exported.join(', '));

    // On disk: a complete Spark folder; every row once (count and the sum of i, n(n+1)/2).
    const names = readdirSync(out).sort();
    assert.ok(names.includes('_SUCCESS'), names.join(', '));
    const parts = names.filter((n) => n.endsWith('.parquet'));
    assert.equal(parts.length, exported.length);
    let rows = 0;
    let sum = 0n;
    for (const part of parts) {
      const back = await readBackParquet(readFileSync(join(out, part)));
      rows += back.rows.length;
      for (const row of back.rows) sum += BigInt(row.i as bigint);
    }
    assert.equal(rows, ROWS);
    assert.equal(sum, (BigInt(ROWS) * BigInt(ROWS + 1)) / 2n);
    const marker = JSON.parse(readFileSync(join(out, '_kdm_output.json'), 'utf8')) as { rows: number; jobId: string };
    assert.deepEqual([marker.rows, marker.jobId], [ROWS, jobId]);
  });
});
