import type { FrameLocator, Page } from 'playwright-core';

/** Page object for the VS Code workbench served by code-server. */
export class Workbench {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
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
      await input.waitFor();
      await input.fill(`>${title}`);
      const row = this.page.locator(`.quick-input-list .monaco-list-row:has-text("${title}")`).first();
      try {
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

  /** The content of the active webview panel (two nested iframes in VS Code's web build). */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  }
}
