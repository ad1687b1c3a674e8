// UI steps of the e2e tests (the Connections and Jobs views, the editor, the Explorer) that hold on
// a loaded machine: a context-menu action run through the keyboard, and quick-input answers typed
// only once their own step is on screen.
import type { Locator, Page } from 'playwright-core';

/**
 * Right-clicks `target` and runs the menu item labelled `label` with Enter.
 *
 * Not with a click: VS Code's menu listens for a mouse release on an item only 100 ms (a timer)
 * after drawing it, so that the release of the right-click itself runs nothing. Under load the
 * browser handles a test's click before that timer, and the menu stays open with the item merely
 * highlighted. Keyboard handling is there from the start: hover the item (the menu focuses the
 * item under the moving mouse), check it is the focused one, and press Enter. `position`: where in
 * `target` to right-click (an editor's line, say), else its middle.
 */
export async function runContextMenuAction(page: Page, target: Locator, label: string, position?: { x: number; y: number }): Promise<void> {
  const menu = page.locator('.monaco-menu').first();
  const item = menu.locator('.action-item').filter({ hasText: label }).first();
  const focused = () => item.evaluate((el) => el.classList.contains('focused')).catch(() => false);
  for (let attempt = 0; ; attempt++) {
    // A menu left open (by an earlier step, or drawn for another row) is closed first.
    if (await menu.isVisible().catch(() => false)) {
      await page.keyboard.press('Escape');
      await menu.waitFor({ state: 'hidden', timeout: 10_000 });
    }
    await target.click({ button: 'right', position });
    await item.waitFor({ timeout: 10_000 });
    // The menu focuses an item on a mouse move with a non-zero movement: a new spot each try.
    for (let i = 0; i < 5 && !(await focused()); i++) await item.hover({ position: { x: 12 + 4 * i, y: 6 + (i % 3) } });
    if (await focused()) break;
    if (attempt >= 2) throw new Error(`the context menu item "${label}" could not be focused`);
  }
  await page.keyboard.press('Enter');
  await menu.waitFor({ state: 'hidden', timeout: 10_000 });
}

/** The quick input's title while it shows `step` (a part of the title, e.g. "2/3 access"). */
function stepTitle(page: Page, step: string): Locator {
  return page.locator('.quick-input-widget .quick-input-title').filter({ hasText: step });
}

/**
 * Answers one input-box step of a multi-step quick input: waits for the step's own title (the
 * previous step can still be on screen under load, and an answer typed into it is lost), types
 * `text` until the field holds it, presses Enter, and waits for the step to be gone (a refused
 * answer keeps it on screen: the error then names the step and its validation message).
 */
export async function answerStep(page: Page, step: string, text: string): Promise<void> {
  await stepTitle(page, step).waitFor({ timeout: 30_000 });
  const input = page.locator('.quick-input-widget input');
  for (let i = 0; i < 5 && (await input.inputValue()) !== text; i++) await input.fill(text);
  await input.press('Enter');
  await leaveStep(page, step);
}

/** Answers one quick-pick step: waits for its title, filters by `label`, and clicks the item with that label. */
export async function pickStep(page: Page, step: string, label: string): Promise<void> {
  await stepTitle(page, step).waitFor({ timeout: 30_000 });
  await page.locator('.quick-input-widget input').fill(label);
  await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: label }).first().click();
  await leaveStep(page, step);
}

async function leaveStep(page: Page, step: string): Promise<void> {
  try {
    await stepTitle(page, step).waitFor({ state: 'hidden', timeout: 20_000 });
  } catch {
    const message = await page.locator('.quick-input-widget .quick-input-message').textContent().catch(() => '');
    throw new Error(`the quick input stayed on step "${step}"${message ? `: ${message}` : ''}`);
  }
}

