// Ctrl/Cmd+A in a text field selects its text once. VS Code sends every key pressed in a webview
// on to the workbench as well, whose "Select All" answers Ctrl/Cmd+A by sending a select-all back
// to the page, a round trip later. The field has selected its text by then already; when the
// second select-all lands after the user has started typing, it selects what was typed so far and
// the next key replaces it (an output folder lost its first characters: the job wrote elsewhere).
// In a text field the field's own select-all is all the user asked for, so the key goes no further.

const textInputTypes = new Set(['text', 'search', 'url', 'tel', 'email', 'password', 'number']);

function isTextField(target: EventTarget | undefined): boolean {
  if (target instanceof HTMLTextAreaElement) return true;
  if (target instanceof HTMLInputElement) return textInputTypes.has(target.type);
  return target instanceof HTMLElement && target.isContentEditable;
}

function isSelectAll(event: KeyboardEvent): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && (event.code === 'KeyA' || event.key.toLowerCase() === 'a');
}

/** Stops Ctrl/Cmd+A typed in a text field before it reaches the window, where VS Code's webview host forwards keys. */
export function keepSelectAllInTextFields(doc: Document): void {
  doc.addEventListener('keydown', (event) => {
    // The vscode-elements fields keep their <input> in a shadow root: the first of the composed path is it.
    if (isSelectAll(event) && isTextField(event.composedPath()[0])) event.stopPropagation();
  });
}
