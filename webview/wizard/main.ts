// The "New Copy Job" wizard: Source, Destination, Options and Review sections over one form. It
// renders with @vscode-elements/elements (the maintained successor of the archived
// webview-ui-toolkit), keeps its draft with setState so a hidden or reloaded panel comes back as it
// was, asks the host to check the form as the user types, and talks to the host only through the
// typed protocol.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-form-container/index.js';
import '@vscode-elements/elements/dist/vscode-form-group/index.js';
import '@vscode-elements/elements/dist/vscode-form-helper/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import {
  type ConnectionChoice,
  type HostToWizardMessage,
  type CopyDirection,
  type FileFormat,
  type SourceSummary,
  type WizardField,
  type WizardForm,
  type WizardOptions,
  type TableColumnChoice,
  type WizardPrefill,
  type WizardValidation,
  defaultWizardOptions,
  validateWizardForm,
} from '../../src/webviewProtocol/wizardProtocol';
import { renderReview } from './review';
import { renderSections } from './sections';
import { keepSelectAllInTextFields } from './selectAllOnce';
import { attachSuggestions, type SuggestionList } from './suggestions';
import { onHostMessage, vscodeApi } from './vscodeApi';

type FieldElement = HTMLElement & { value: string };
type CheckElement = HTMLElement & { checked: boolean };
type ButtonElement = HTMLElement & { disabled: boolean };

const app = document.getElementById('app') as HTMLElement;

const textFields = ['clusterUrl', 'database', 'query', 'outputPath', 'format', 'sourcePath', 'table'] as const;
const optionTextFields = ['compression', 'maxRowsPerFile', 'ifExists', 'readMode', 'stagingUrl', 'stagingSecretRef', 'sourceFormat', 'ingestMode', 'tableCreation', 'mappingReference', 'pollIntervalSeconds'] as const;
const optionChecks = ['keepExportedFiles', 'continuous'] as const;
const errorFields: WizardField[] = ['clusterUrl', 'database', 'query', 'outputPath', 'format', 'sourcePath', 'table', 'maxRowsPerFile', 'stagingUrl', 'pollIntervalSeconds', 'mappingReference', 'partitionBy'];

/** What the page keeps between hide/show and reloads (vscode state). Never a secret: the form holds none. */
interface PageState {
  form: WizardForm;
  connections: ConnectionChoice[];
  defaultClusterUrl: string;
  columns: string[];
}

let connections: ConnectionChoice[] = [];
let defaultClusterUrl = '';
/** The query's columns as the host last found them: what partition columns are picked from. */
let columns: string[] = [];
let partitionBy: string[] = [];
/** A new table's columns as edited in the Review; dropped when the source or table changes (they describe another schema). */
let tableColumns: TableColumnChoice[] | undefined;
let tableColumnsFor = '';
let databases: string[] = [];
let tables: string[] = [];
let seq = 0;
/** A check of the form is on its way to the host and back. */
let checkPending = false;
/** Run was pressed while a check was under way: it runs if that check says it can. */
let runRequested = false;
let running = false;
let canRun = false;
/** The cluster URL the user left last: its host name is looked up in every check until it changes. */
let hostLeftFor = '';
let validateTimer: ReturnType<typeof setTimeout> | undefined;
let databaseSuggestions: SuggestionList | undefined;
let tableSuggestions: SuggestionList | undefined;
let sourceTableSuggestions: SuggestionList | undefined;

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

function field(id: string): FieldElement {
  return el<FieldElement>(id);
}

function render(state: PageState): void {
  connections = state.connections;
  defaultClusterUrl = state.defaultClusterUrl;
  columns = state.columns;
  app.innerHTML = renderSections();
  el('cluster-hint').textContent = defaultClusterUrl;
  fillConnections();
  writeForm(state.form);
  followDirection();
  wireEvents();
  renderPartitionColumns();
  app.setAttribute('aria-busy', 'false');
  app.dataset.ready = 'true';
  focusFirstField();
  // The webview gets the focus after it renders (and back after a hide): give it to the first field then too.
  window.addEventListener('focus', () => {
    if (document.activeElement === document.body || document.activeElement === null) focusFirstField();
  });
}

/**
 * Focus starts in the first field: the checked direction. The radio delegates focus into its
 * shadow DOM, which exists only once the element has rendered, so wait for that first.
 */
function focusFirstField(): void {
  const radio = radios().find((r) => r.checked) as (RadioElement & { updateComplete?: Promise<unknown> }) | undefined;
  if (!radio) return;
  void Promise.resolve(radio.updateComplete).then(() => {
    if (document.activeElement === document.body || document.activeElement === null) radio.focus();
  });
}

function fillConnections(): void {
  const select = field('connection');
  const typed = document.createElement('vscode-option');
  typed.setAttribute('value', '');
  typed.textContent = 'None: the cluster URL below';
  select.replaceChildren(typed);
  for (const c of connections) {
    const option = document.createElement('vscode-option');
    option.setAttribute('value', c.id);
    option.textContent = `${c.name} (${c.clusterUrl}, ${c.authLabel})`;
    select.append(option);
  }
}

type RadioElement = HTMLElement & { checked: boolean; value: string };

function radios(): RadioElement[] {
  return Array.from(document.querySelectorAll<RadioElement>('vscode-radio[name="direction"]'));
}

function checkRadio(direction: CopyDirection): void {
  radios().forEach((radio) => (radio.checked = radio.value === direction));
}

/**
 * The form follows the checked radio however it changes. The radio group's arrow keys set
 * `checked` without a change event; the element reflects `checked` to its attribute, so the
 * attribute is what is watched, besides the events a click or Space sends.
 */
function followDirection(): void {
  let shown = readForm().direction;
  const sync = () => {
    const direction = readForm().direction;
    if (direction === shown) return;
    shown = direction;
    showDirection(direction);
    formChanged();
  };
  const observer = new MutationObserver(sync);
  for (const radio of radios()) observer.observe(radio, { attributes: true, attributeFilter: ['checked'] });
  field('direction').addEventListener('change', sync);
}

/** Shows the fields of one direction; the cluster fields move to its Kusto side (Source or Destination). */
function showDirection(direction: CopyDirection): void {
  for (const block of Array.from(document.querySelectorAll<HTMLElement>('[data-for]'))) block.hidden = block.dataset.for !== direction;
  const cluster = el('cluster-fields');
  const home = el(direction === 'kustoToFiles' ? 'source-cluster-slot' : 'destination-cluster-slot');
  if (cluster.parentElement !== home) home.append(cluster);
  app.dataset.direction = direction;
}

function readOptions(): WizardOptions {
  const options: WizardOptions = { ...defaultWizardOptions, partitionBy: [...partitionBy] };
  for (const key of optionTextFields) (options[key] as string) = field(key).value;
  for (const key of optionChecks) options[key] = el<CheckElement>(key).checked;
  return options;
}

function readForm(): WizardForm {
  // `checked` is a property the element does not reflect to an attribute: read the property.
  const checked = radios().find((radio) => radio.checked);
  return {
    direction: (checked?.value ?? 'kustoToFiles') as CopyDirection,
    connectionId: field('connection').value,
    clusterUrl: field('clusterUrl').value,
    database: field('database').value,
    query: field('query').value,
    outputPath: field('outputPath').value,
    format: field('format').value as FileFormat,
    sourcePath: field('sourcePath').value,
    table: field('table').value,
    options: readOptions(),
    ...(tableColumns ? { tableColumns: tableColumns.map((c) => ({ ...c })) } : {}),
  };
}

/** What a new table's edited columns were made for: another source or table makes them stale. */
function schemaKey(): string {
  return [field('sourcePath').value.trim(), field('table').value.trim(), field('sourceFormat').value].join('|');
}

/** Sets the fields a (partial) form holds; others keep their values. */
function writeForm(form: WizardPrefill): void {
  if (typeof form.connectionId === 'string') field('connection').value = form.connectionId;
  for (const key of textFields) {
    const value = form[key];
    if (typeof value === 'string') field(key).value = value;
  }
  const options = form.options ?? {};
  for (const key of optionTextFields) {
    const value = options[key];
    if (typeof value === 'string') field(key).value = value;
  }
  for (const key of optionChecks) {
    const value = options[key];
    if (typeof value === 'boolean') el<CheckElement>(key).checked = value;
  }
  if (Array.isArray(options.partitionBy)) {
    partitionBy = [...options.partitionBy];
    for (const c of partitionBy) if (!columns.includes(c)) columns = [...columns, c];
    renderPartitionColumns();
  }
  if (Array.isArray(form.tableColumns)) {
    tableColumns = form.tableColumns.map((c) => ({ ...c }));
    tableColumnsFor = schemaKey();
  }
  if (form.direction) checkRadio(form.direction);
  showDirection(form.direction ?? readForm().direction);
  showContinuous();
  showStaging();
}

function showErrors(errors: Partial<Record<WizardField, string>>): void {
  for (const key of errorFields) {
    const helper = document.getElementById(`${key}-error`);
    if (helper) helper.textContent = errors[key] ?? '';
    const input = document.getElementById(key);
    if (input) input.toggleAttribute('invalid', Boolean(errors[key]));
  }
}

function saveDraft(): void {
  const state: PageState = { form: readForm(), connections, defaultClusterUrl, columns };
  vscodeApi.setState(state);
}

function setStatus(text: string, state: string): void {
  const status = el('status');
  status.textContent = text;
  status.dataset.state = state;
}

/** Run is enabled when the last check found nothing wrong (or a check is under way) and no job from this form runs. */
function updateRunButton(): void {
  const button = el<ButtonElement>('create');
  button.disabled = running || (!checkPending && !canRun);
  app.dataset.canRun = String(canRun && !checkPending && !running);
}

/** Something in the form changed: keep the draft, show the field rules at once, and ask the host (debounced). */
function formChanged(): void {
  if (tableColumns && schemaKey() !== tableColumnsFor) tableColumns = undefined;
  saveDraft();
  const form = readForm();
  showErrors(validateWizardForm(form));
  renderSummary(form);
  checkPending = true;
  updateRunButton();
  if (validateTimer) clearTimeout(validateTimer);
  validateTimer = setTimeout(requestValidation, 350);
}

function requestValidation(): void {
  validateTimer = undefined;
  const form = readForm();
  seq += 1;
  checkPending = true;
  app.dataset.checking = 'true';
  vscodeApi.postMessage({ type: 'validate', seq, form, resolveHost: hostLeftFor !== '' && hostLeftFor === form.clusterUrl.trim() });
}

function onValidation(validation: WizardValidation | undefined, errors: Partial<Record<WizardField, string>>): void {
  if (validation && validation.seq !== -1 && validation.seq !== seq) return; // an older check
  showErrors(errors);
  if (!validation) return;
  if (validation.seq === seq) {
    checkPending = Boolean(validateTimer);
    app.dataset.checking = String(checkPending);
  }
  canRun = validation.canRun;
  if (validation.columns) {
    columns = validation.columns;
    partitionBy = partitionBy.filter((c) => columns.includes(c));
    renderPartitionColumns();
  }
  renderSource(validation.source);
  el('replace-output').hidden = !(validation.outputExists && field('ifExists').value !== 'replace');
  const note = el('table-note');
  note.textContent = validation.tableExists === undefined ? '' : validation.tableExists ? 'The table exists: rows are appended.' : 'A new table: the job creates it with the schema inferred from the files.';
  updateRunButton();
  saveDraft();
  if (validation.seq === seq) requestReview();
  if (runRequested && !checkPending) {
    runRequested = false;
    if (canRun) submit();
    else setStatus('Fix the fields marked above, then run the job.', 'declined');
  }
}

/** The Review is built host-side by the engine once the form's own rules pass; a newer form replaces it. */
function requestReview(): void {
  const form = readForm();
  const box = el('review');
  if (Object.keys(validateWizardForm(form)).length > 0) {
    box.dataset.state = 'incomplete';
    box.replaceChildren(Object.assign(document.createElement('p'), { className: 'hint', textContent: 'Complete the fields marked above to see the review.' }));
    return;
  }
  box.dataset.state = 'loading';
  vscodeApi.postMessage({ type: 'review', seq, form });
}

function onReview(message: Extract<HostToWizardMessage, { type: 'review' }>): void {
  if (message.seq !== seq) return; // the review of an older form
  const box = el('review');
  if (!message.review) {
    box.dataset.state = 'error';
    box.replaceChildren(Object.assign(document.createElement('p'), { className: 'error', textContent: message.error ?? 'No review.' }));
    return;
  }
  renderReview(box, message.review, (columns) => {
    tableColumns = columns.map((c) => ({ source: c.source, name: c.name, type: c.type }));
    tableColumnsFor = schemaKey();
    formChanged();
  });
  box.dataset.state = 'ready';
}

function renderPartitionColumns(): void {
  const list = el('partitionBy');
  list.replaceChildren();
  if (columns.length === 0) {
    const empty = document.createElement('p');
    empty.className = 'hint';
    empty.textContent = 'The query\'s columns appear here once the query checks out.';
    list.append(empty);
    return;
  }
  for (const column of columns) {
    const box = document.createElement('vscode-checkbox') as CheckElement;
    box.setAttribute('label', column);
    box.dataset.column = column;
    box.checked = partitionBy.includes(column);
    box.addEventListener('change', () => {
      partitionBy = box.checked ? [...partitionBy.filter((c) => c !== column), column] : partitionBy.filter((c) => c !== column);
      formChanged();
    });
    list.append(box);
  }
}

function renderSource(summary: SourceSummary | undefined): void {
  const box = el('source-summary');
  box.replaceChildren();
  box.dataset.layout = summary?.layout ?? '';
  if (!summary) return;
  const lines: string[] = [];
  const kind = { single: 'A single file', plain: 'A folder of files', spark: 'A Spark output folder', sparkStreaming: 'A Spark Structured Streaming output folder' }[summary.layout];
  lines.push(`${kind}: ${summary.files.toLocaleString('en-US')} ${summary.layout === 'single' ? 'file' : 'part files'} (${summary.formats.join(', ') || 'no data'}), ${formatBytes(summary.bytes)}.`);
  if (summary.layout === 'spark') lines.push(summary.successMarker ? '_SUCCESS is present: the Spark job that wrote it finished.' : 'No _SUCCESS: the Spark job that wrote it may not have finished.');
  if (summary.layout === 'sparkStreaming') lines.push(`${summary.batches ?? 0} committed batches in _spark_metadata (latest ${summary.latestBatchId ?? '–'}); only committed files are ingested.`);
  for (const p of summary.partitions) lines.push(`Partition column ${p.column}: ${p.values.slice(0, 12).join(', ')}${p.values.length > 12 ? `, … (${p.values.length} values)` : ''}`);
  for (const w of summary.warnings.slice(0, 3)) lines.push(`Note: ${w}`);
  for (const line of lines) {
    const p = document.createElement('p');
    p.textContent = line;
    box.append(p);
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** The Review section's plain account of what Run will do. */
function renderSummary(form: WizardForm): void {
  const o = { ...defaultWizardOptions, ...form.options };
  const lines: string[] = [];
  const where = `${form.database.trim() || '(database)'} on ${form.clusterUrl.trim() || '(cluster)'}`;
  if (form.direction === 'kustoToFiles') {
    lines.push(`Reads: ${form.query.trim() || '(query)'} from ${where}.`);
    lines.push(`Read mode: ${o.readMode}${o.readMode === 'stream' ? '' : o.stagingUrl.trim() ? `, exporting through your storage ${o.stagingUrl.trim()}${o.keepExportedFiles ? ' (files kept)' : ' (cleaned up after)'}` : ', exporting (when it does) through the cluster\'s own export containers'}.`);
    const compression = o.compression === 'default' ? (form.format === 'parquet' ? 'snappy' : 'none') : o.compression;
    lines.push(`Writes: a Spark folder of ${form.format} part files (${compression} compression) at ${form.outputPath.trim() || '(folder)'}${o.partitionBy.length ? `, partitioned by ${o.partitionBy.join(', ')}` : ''}${o.maxRowsPerFile.trim() ? `, at most ${o.maxRowsPerFile.trim()} rows per file` : ''}; ${o.ifExists === 'replace' ? 'replaces what is there' : 'refuses to write over existing output'}.`);
  } else {
    lines.push(`Reads: ${form.sourcePath.trim() || '(file or folder)'} (${o.sourceFormat === 'auto' ? 'format detected' : o.sourceFormat}).`);
    lines.push(`Writes: table ${form.table.trim() || '(table)'} in ${where}, ${o.ingestMode} ingestion, ${{ createIfNotExists: 'created if it does not exist', createMerge: 'created or extended with new columns', failIfNotExists: 'must exist already' }[o.tableCreation]}${o.mappingReference.trim() ? `, mapping ${o.mappingReference.trim()}` : ''}.`);
    if (o.continuous) lines.push(`Keeps watching the source every ${o.pollIntervalSeconds.trim()} s for newly committed files, until cancelled.`);
  }
  const box = el('summary');
  box.replaceChildren(...lines.map((line) => Object.assign(document.createElement('li'), { textContent: line })));
}

function showContinuous(): void {
  el('pollInterval-group').hidden = !el<CheckElement>('continuous').checked;
}

function showStaging(): void {
  const readMode = field('readMode').value;
  el('staging-group').hidden = readMode === 'stream';
}

function lookup(what: 'databases' | 'tables'): void {
  const form = readForm();
  vscodeApi.postMessage({ type: 'lookup', what, clusterUrl: form.clusterUrl, database: form.database, connectionId: form.connectionId ?? '' });
}

function quoteTable(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `['${name.replace(/'/g, "\\'")}']`;
}

function wireEvents(): void {
  app.addEventListener('input', formChanged);
  // Selects and checkboxes: their change events do not all bubble.
  for (const id of ['format', ...optionTextFields, 'connection']) field(id).addEventListener('change', formChanged);
  for (const id of optionChecks) el(id).addEventListener('change', formChanged);
  el('continuous').addEventListener('change', showContinuous);
  field('readMode').addEventListener('change', showStaging);
  field('connection').addEventListener('change', () => {
    const picked = connections.find((c) => c.id === field('connection').value);
    if (!picked) return;
    field('clusterUrl').value = picked.clusterUrl;
    if (picked.defaultDatabase) field('database').value = picked.defaultDatabase;
    hostLeftFor = picked.clusterUrl.trim();
    lookup('databases');
    formChanged();
  });
  field('clusterUrl').addEventListener('focusout', () => {
    hostLeftFor = field('clusterUrl').value.trim();
    lookup('databases');
    if (validateTimer) clearTimeout(validateTimer);
    requestValidation();
  });
  field('database').addEventListener('focusout', () => lookup('tables'));
  field('clusterUrl').addEventListener('focusin', () => {
    if (databases.length === 0) lookup('databases');
  });
  databaseSuggestions = attachSuggestions(field('database'), el('database-list'), () => databases, (name) => {
    field('database').value = name;
    lookup('tables');
    formChanged();
  });
  const pickTable = (target: FieldElement) => (name: string) => {
    target.value = target.id === 'query' ? quoteTable(name) : name;
    formChanged();
  };
  tableSuggestions = attachSuggestions(field('table'), el('table-list'), () => tables, pickTable(field('table')));
  sourceTableSuggestions = attachSuggestions(field('sourceTable'), el('sourceTable-list'), () => tables, (name) => {
    field('sourceTable').value = name;
    pickTable(field('query'))(name);
  });
  field('database').addEventListener('focusin', () => {
    if (databases.length === 0) lookup('databases');
  });
  for (const id of ['table', 'sourceTable']) {
    field(id).addEventListener('focusin', () => {
      if (tables.length === 0) lookup('tables');
    });
  }
  el('browse-output').addEventListener('click', () => vscodeApi.postMessage({ type: 'browse', field: 'outputPath' }));
  el('browse-source-folder').addEventListener('click', () => vscodeApi.postMessage({ type: 'browse', field: 'sourcePath' }));
  el('browse-source-file').addEventListener('click', () => vscodeApi.postMessage({ type: 'browse', field: 'sourceFile' }));
  el('replace-output').addEventListener('click', () => {
    field('ifExists').value = 'replace';
    formChanged();
  });
  el('create').addEventListener('click', submit);
  el('save-job').addEventListener('click', () => vscodeApi.postMessage({ type: 'saveJobFile', form: readForm() }));
  el('open-job').addEventListener('click', () => vscodeApi.postMessage({ type: 'openJobFile' }));
  el('spark-pyspark').addEventListener('click', () => vscodeApi.postMessage({ type: 'generateSparkCode', form: readForm(), language: 'pyspark' }));
  el('spark-scala').addEventListener('click', () => vscodeApi.postMessage({ type: 'generateSparkCode', form: readForm(), language: 'scala' }));
  el('cancel').addEventListener('click', () => vscodeApi.postMessage({ type: 'cancel' }));
}

function submit(): void {
  if (running) return;
  const form = readForm();
  const errors = validateWizardForm(form);
  if (Object.keys(errors).length > 0) {
    showErrors(errors);
    setStatus('Fix the fields marked above, then run the job.', 'declined');
    return;
  }
  if (checkPending) {
    // The host is still checking what was typed: run when it says the job can start.
    runRequested = true;
    setStatus('Checking the form…', 'checking');
    return;
  }
  if (!canRun) {
    setStatus('Fix the fields marked above, then run the job.', 'declined');
    return;
  }
  running = true;
  updateRunButton();
  setStatus('Starting the job…', 'starting');
  vscodeApi.postMessage({ type: 'submit', form });
}

/** Fields a command set (a query from an editor, a folder from the Explorer, a job file) replace the form's; the draft keeps them. */
function applyPrefill(prefill: WizardPrefill): void {
  writeForm(prefill);
  setStatus('', 'prefilled');
  formChanged();
  vscodeApi.postMessage({ type: 'prefillApplied' });
}

onHostMessage((message) => {
  switch (message.type) {
    case 'init': {
      const draft = vscodeApi.getState() as Partial<PageState> | undefined;
      const form = draft?.form && isCurrentForm(draft.form) ? draft.form : message.state.form;
      render({ form, connections: message.state.connections, defaultClusterUrl: message.state.defaultClusterUrl, columns: Array.isArray(draft?.columns) ? draft.columns : [] });
      if (message.state.prefill) applyPrefill(message.state.prefill);
      else formChanged();
      lookup('databases');
      if (form.database.trim()) lookup('tables');
      return;
    }
    case 'prefill':
      applyPrefill(message.prefill);
      return;
    case 'validation':
      onValidation(message.validation, message.errors);
      return;
    case 'review':
      onReview(message);
      return;
    case 'lookupResult': {
      const form = readForm();
      if (message.clusterUrl !== form.clusterUrl) return;
      if (message.what === 'databases') {
        databases = message.items;
        databaseSuggestions?.refresh();
      } else if (message.database === form.database) {
        tables = message.items;
        tableSuggestions?.refresh();
        sourceTableSuggestions?.refresh();
      }
      el(`${message.what}-lookup`).textContent = message.error ? `Could not list the ${message.what}: ${message.error}` : '';
      return;
    }
    case 'browsed':
      field(message.field === 'sourceFile' ? 'sourcePath' : message.field).value = message.path;
      formChanged();
      return;
    case 'notice':
      setStatus(message.summary, message.state);
      return;
    case 'jobCreated':
      setStatus(message.summary, 'running');
      return;
    case 'jobFinished':
      running = false;
      setStatus(message.summary, message.state);
      updateRunButton();
      formChanged();
      return;
    case 'submitDeclined':
      running = false;
      setStatus(message.summary, 'declined');
      updateRunButton();
      return;
  }
});

/** A draft saved by an older version of the page (other fields) is dropped, not half-read. */
function isCurrentForm(form: WizardForm): boolean {
  return textFields.every((key) => typeof form[key] === 'string') && (form.options === undefined || typeof form.options === 'object');
}

keepSelectAllInTextFields(document);
vscodeApi.postMessage({ type: 'ready' });
