// The wizard's Review step: the column mapping with each conversion and its risk (a codicon and a
// word, never colour alone), the preview rows, the estimate and storage, the commands in a
// monospace block, the privilege pre-flight, and for a new table its schema, editable (rename,
// retype, drop). Runs in the webview bundle: DOM only, types from the engine, no vscode or Node.
// Text is set with textContent, never innerHTML: names and values come from the user's data.
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { type JobReview, REVIEW_COLUMN_TYPES, type ReviewColumn, type ReviewSchemaEdit } from '../../src/webviewProtocol/reviewProtocol';

export type { ReviewSchemaEdit };

const RISK_LOOK: Record<NonNullable<ReviewColumn['risk']> | 'none', { icon: string; word: string }> = {
  error: { icon: 'error', word: 'Error' },
  warn: { icon: 'warning', word: 'Warning' },
  info: { icon: 'info', word: 'Note' },
  none: { icon: 'pass', word: 'Exact' },
};

// Constructable style sheets are not inline styles, so the panel's strict CSP lets them in.
const STYLES = `
.review section { margin: 16px 0; }
.review h2 { font-size: 1.1em; font-weight: 600; display: flex; align-items: center; gap: 6px; }
.review table { border-collapse: collapse; width: 100%; }
.review th, .review td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); vertical-align: top; }
.review th { color: var(--vscode-descriptionForeground); font-weight: 600; }
.review .risk { display: inline-flex; align-items: center; gap: 4px; white-space: nowrap; }
.review .risk-error { color: var(--vscode-errorForeground); }
.review .risk-warn { color: var(--vscode-editorWarning-foreground, var(--vscode-foreground)); }
.review .risk-info, .review .risk-none { color: var(--vscode-descriptionForeground); }
.review .note { color: var(--vscode-descriptionForeground); }
.review pre.commands { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); background: var(--vscode-textCodeBlock-background); padding: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.review .preview { overflow-x: auto; max-height: 320px; }
.review .preview td { font-family: var(--vscode-editor-font-family); white-space: pre; }
.review .preflight-ok { color: var(--vscode-testing-iconPassed, var(--vscode-foreground)); }
.review .preflight-refused { color: var(--vscode-errorForeground); }
.review .dropped vscode-textfield, .review .dropped vscode-single-select { opacity: 0.5; }
`;

let stylesAdded = false;
function addStyles(doc: Document): void {
  if (stylesAdded) return;
  stylesAdded = true;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(STYLES);
  doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { className?: string; text?: string } = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  for (const child of children) node.append(child);
  return node;
}

function codicon(name: string): HTMLElement {
  const icon = el('span', { className: `codicon codicon-${name}` });
  icon.setAttribute('aria-hidden', 'true');
  return icon;
}

function section(title: string, icon: string, id: string): HTMLElement {
  const s = el('section');
  s.id = `review-${id}`;
  s.append(el('h2', {}, codicon(icon), title));
  return s;
}

function riskBadge(risk: ReviewColumn['risk']): HTMLElement {
  const look = RISK_LOOK[risk ?? 'none'];
  const badge = el('span', { className: `risk risk-${risk ?? 'none'}` }, codicon(look.icon), look.word);
  badge.dataset.risk = risk ?? 'none';
  return badge;
}

function table(headers: string[], rows: Array<Array<Node | string>>, className?: string): HTMLTableElement {
  const t = el('table', { className });
  const head = el('tr');
  for (const h of headers) {
    const th = el('th', { text: h });
    th.scope = 'col';
    head.append(th);
  }
  t.append(el('thead', {}, head));
  const body = el('tbody');
  for (const row of rows) body.append(el('tr', {}, ...row.map((cell) => el('td', {}, cell))));
  t.append(body);
  return t;
}

function mappingSection(review: JobReview): HTMLElement {
  const s = section('Column mapping', 'arrow-both', 'columns');
  if (review.columns.length === 0) {
    s.append(el('p', { className: 'note', text: 'No columns could be read (see the warnings).' }));
    return s;
  }
  s.append(
    table(
      ['Source', 'Source type', 'Target', 'Target type', 'Conversion', 'Risk', 'Note'],
      review.columns.map((c) => [c.source, c.sourceType, c.target === '' ? '(not ingested)' : c.target, c.targetType, c.conversion, riskBadge(c.risk), el('span', { className: 'note', text: c.note ?? '' })]),
      'columns',
    ),
  );
  return s;
}

function previewSection(review: JobReview): HTMLElement {
  const s = section('Preview', 'table', 'preview');
  const preview = review.preview;
  if ('error' in preview) {
    s.append(el('p', { className: 'risk risk-error' }, codicon('error'), `Error: ${preview.error}`));
    return s;
  }
  s.append(el('p', { className: 'note', text: preview.from === 'take' ? `The first ${preview.rows.length} row(s) of the query (take 10).` : `The first ${preview.rows.length} row(s) of the files.` }));
  s.append(el('div', { className: 'preview' }, table(preview.columns, preview.rows)));
  return s;
}

function estimateSection(review: JobReview): HTMLElement {
  const s = section('Estimate', 'dashboard', 'estimate');
  const facts: string[] = [];
  if (review.estimate.rows !== undefined) facts.push(`about ${review.estimate.rows.toLocaleString('en-US')} rows`);
  if (review.estimate.bytes !== undefined) facts.push(`${review.estimate.bytes.toLocaleString('en-US')} bytes`);
  if (review.estimate.readMode) facts.push(`read mode: ${review.estimate.readMode}`);
  s.append(el('p', { text: facts.length > 0 ? facts.join(' · ') : 'No estimate.' }), el('p', { className: 'note', text: review.estimate.why }));
  if (review.storage) {
    s.append(el('p', {}, codicon('database'), ` Export storage: ${review.storage.kind === 'cluster' ? "the cluster's own export containers" : 'your storage'}`), el('p', { className: 'note', text: review.storage.why }));
  }
  return s;
}

function commandsSection(review: JobReview): HTMLElement {
  const s = section('Commands the job sends', 'terminal', 'commands');
  const pre = el('pre', { className: 'commands', text: review.commands.join('\n') });
  pre.setAttribute('aria-label', 'Commands the job sends');
  pre.tabIndex = 0;
  s.append(pre);
  return s;
}

function preflightSection(review: JobReview): HTMLElement {
  const s = section('Privileges', 'shield', 'preflight');
  const p = review.preflight;
  if ('skipped' in p) s.append(el('p', { className: 'note' }, codicon('circle-slash'), ` Not checked: ${p.skipped}`));
  else if (p.ok) s.append(el('p', { className: 'preflight-ok' }, codicon('pass'), ` Allowed${p.roles?.length ? `: ${p.roles.join(', ')}` : ''}`));
  else s.append(el('p', { className: 'preflight-refused' }, codicon('error'), ` Refused: ${p.message}`));
  s.dataset.preflight = 'skipped' in p ? 'skipped' : p.ok ? 'ok' : 'refused';
  return s;
}

type Field = HTMLElement & { value: string; checked?: boolean; disabled?: boolean };

function newTableSection(review: JobReview, onSchemaEdit: (columns: ReviewSchemaEdit[]) => void): HTMLElement | undefined {
  const newTable = review.newTable;
  if (!newTable) return undefined;
  const s = section(`New table ${newTable.name}`, 'edit', 'new-table');
  s.append(el('p', { className: 'note', text: 'Inferred from the files. Rename a column, change its type, or clear "Keep" to leave it out.' }));
  // Every source column, whether or not an earlier edit dropped it (so it can be taken back).
  const rows = review.columns.map((c) => {
    const kept = newTable.columns.find((n) => n.source === c.source);
    return { source: c.source, name: kept?.name ?? c.source, type: kept?.type ?? (REVIEW_COLUMN_TYPES.includes(c.targetType as (typeof REVIEW_COLUMN_TYPES)[number]) ? c.targetType : 'string'), keep: kept !== undefined };
  });
  const controls: Array<{ source: string; name: Field; type: Field; keep: Field; row: HTMLTableRowElement }> = [];
  const emit = (): void => onSchemaEdit(controls.filter((c) => c.keep.checked).map((c) => ({ source: c.source, name: c.name.value.trim(), type: c.type.value })));
  const t = table(['Keep', 'Source column', 'Name in the table', 'Type'], []);
  const body = t.tBodies[0];
  for (const r of rows) {
    const keep = document.createElement('vscode-checkbox') as Field;
    keep.checked = r.keep;
    keep.setAttribute('aria-label', `Keep column ${r.source}`);
    const name = document.createElement('vscode-textfield') as Field;
    name.value = r.name;
    name.setAttribute('aria-label', `Name of column ${r.source} in the table`);
    const type = document.createElement('vscode-single-select') as Field;
    type.setAttribute('aria-label', `Type of column ${r.source}`);
    for (const option of REVIEW_COLUMN_TYPES) {
      const o = document.createElement('vscode-option') as HTMLElement & { value: string; selected: boolean };
      o.value = option;
      o.textContent = option;
      if (option === r.type) o.selected = true;
      type.append(o);
    }
    type.value = r.type;
    const row = el('tr', {}, el('td', {}, keep), el('td', { text: r.source }), el('td', {}, name), el('td', {}, type));
    row.dataset.source = r.source;
    if (!r.keep) row.classList.add('dropped');
    const control = { source: r.source, name, type, keep, row };
    controls.push(control);
    keep.addEventListener('change', () => {
      row.classList.toggle('dropped', !keep.checked);
      emit();
    });
    name.addEventListener('change', emit);
    type.addEventListener('change', emit);
    body.append(row);
  }
  s.append(t);
  return s;
}

/** Renders `review` into `container` (replacing what it held); schema edits of a new table call `onSchemaEdit`. */
export function renderReview(container: HTMLElement, review: JobReview, onSchemaEdit: (columns: ReviewSchemaEdit[]) => void): void {
  addStyles(container.ownerDocument);
  const root = el('div', { className: 'review' });
  root.append(preflightSection(review), mappingSection(review));
  const editor = newTableSection(review, onSchemaEdit);
  if (editor) root.append(editor);
  root.append(previewSection(review), estimateSection(review), commandsSection(review));
  if (review.warnings.length > 0) {
    const s = section('Warnings', 'warning', 'warnings');
    s.append(el('ul', {}, ...review.warnings.map((w) => el('li', {}, codicon('warning'), ` Warning: ${w}`))));
    root.append(s);
  }
  container.replaceChildren(root);
}
