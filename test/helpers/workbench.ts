import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FrameLocator, Page } from 'playwright-core';

const run = promisify(execFile);
const WIZARD_TAB = '.tabs-container .tab:has-text("New Copy Job")';

/**
 * Packages the extension as a user installs it (`npm run package`) and returns the VSIX's path,
 * checked written. KDM_E2E_SKIP_PACKAGE=1 reuses the one packaged already (a file run again).
 */
export async function packageVsix(root: string): Promise<string> {
  if (process.env.KDM_E2E_SKIP_PACKAGE !== '1') await run('npm', ['run', '--silent', 'package'], { cwd: root, timeout: 180_000 });
  const vsixPath = join(root, 'dist', 'kusto-data-mover.vsix');
  assert.ok(statSync(vsixPath).size > 10_000, 'the VSIX was written');
  return vsixPath;
}

/** Page object for the VS Code workbench served by code-server. */
export class Workbench {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await this.page.locator('.part.statusbar').waitFor({ timeout: 60_000 });
  }

  /**
   * VS Code's own window reload ("Developer: Reload Window"), as a user reloads: it saves the
   * window's state (open editors among it) before the page goes, which a bare browser refresh does
   * not wait for (on a busy machine the editors opened last were not brought back).
   */
  async reloadWindow(): Promise<void> {
    const loaded = this.page.waitForEvent('load', { timeout: 60_000 });
    await this.runCommand('Developer: Reload Window');
    await loaded;
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await this.page.locator('.part.statusbar').waitFor({ timeout: 60_000 });
  }

  /** Runs a palette command by title, retrying while extension commands are still registering. */
  async runCommand(title: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.page.keyboard.press('Escape');
      await this.page.keyboard.press('F1');
      const input = this.page.locator('.quick-input-widget input');
      const row = this.page.locator(`.quick-input-list .monaco-list-row:has-text("${title}")`).first();
      try {
        // The palette can close as it opens (focus going back to a webview, or the workbench inert
        // for a moment under a closing dialog: CI saw "element is inert", then "not visible" for
        // 30 s): open it again rather than wait on a closed one.
        await input.fill(`>${title}`, { timeout: 5000 });
        await row.waitFor({ timeout: 3000 });
        await row.click();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
  }

  /** Shows a view container; clicking the icon of the one already shown would hide the side bar. */
  async openViewContainer(title: string): Promise<void> {
    const sidebar = this.page.locator('.part.sidebar');
    if (await sidebar.isVisible()) {
      const shown = (await sidebar.locator('.composite.title h2').first().textContent().catch(() => '')) ?? '';
      if (shown.toLowerCase().includes(title.toLowerCase())) return;
    }
    await this.page.locator(`.activitybar a.action-label[aria-label^="${title}"]`).first().click();
  }

  /** Opens New Copy Job from the palette; resolves with the wizard's webview once it says it is ready. */
  async openWizard(): Promise<FrameLocator> {
    await this.runCommand('Kusto Data Mover: New Copy Job');
    await this.page.locator(WIZARD_TAB).waitFor({ timeout: 30_000 });
    const view = this.webview();
    await view.locator('#app[data-ready="true"]').waitFor({ timeout: 30_000 });
    return view;
  }

  /** Closes every editor (an earlier wizard among them) and opens a new wizard: no field keeps an earlier value. */
  async freshWizard(): Promise<FrameLocator> {
    await this.closeAllEditors();
    return this.openWizard();
  }

  /**
   * "View: Close All Editors", answering "Don't Save" for an unsaved one (the Spark code the wizard
   * opens is an untitled document with text): VS Code asks first and closes nothing until answered.
   */
  async closeAllEditors(): Promise<void> {
    await this.runCommand('View: Close All Editors');
    const wizardTab = this.page.locator(WIZARD_TAB);
    const dontSave = this.page.locator('.monaco-dialog-box .monaco-button').filter({ hasText: /^Don.t Save$/ });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await wizardTab.count()) > 0) {
      if (await dontSave.first().isVisible().catch(() => false)) await dontSave.first().click();
      else await this.page.waitForTimeout(200);
    }
    await wizardTab.waitFor({ state: 'detached', timeout: 1000 });
  }

  /**
   * Answers VS Code's own file dialog (the simple one of the browser build) with `path`, then Enter.
   * The dialog fills in its default path once open, and can rewrite the value once more as its folder
   * listing arrives: the path is typed only after that, again until the field holds exactly it.
   */
  async answerPathDialog(path: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 15_000 });
    await this.page.waitForFunction(() => ((document.querySelector('.quick-input-widget input') as HTMLInputElement | null)?.value ?? '').startsWith('/'), undefined, { timeout: 15_000 });
    for (let i = 0; i < 5 && (await input.inputValue()) !== path; i++) {
      await input.fill(path);
      await this.page.waitForTimeout(200);
    }
    assert.equal(await input.inputValue(), path, 'the file dialog holds the typed path');
    await this.page.keyboard.press('Enter');
  }

  /** The content of the active webview panel (two nested iframes in VS Code's web build). */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  }
}

/** Types a Kusto → files job's query and output folder into the wizard, as a user does. */
export async function fillQueryAndOutput(view: FrameLocator, query: string, outputPath: string): Promise<void> {
  await view.locator('vscode-textarea#query textarea').fill(query);
  await view.locator('vscode-textfield#outputPath input').fill(outputPath);
}
