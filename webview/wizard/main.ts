// The "New Copy Job" wizard page. It renders with @vscode-elements/elements (the maintained
// successor of the archived webview-ui-toolkit), keeps its draft with setState so a hidden panel
// comes back as it was, and talks to the host only through the typed protocol.
import '@vscode-elements/elements/dist/vscode-button/index.js';
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
  type CopyDirection,
  type FileFormat,
  type WizardForm,
  type WizardPrefill,
  validateWizardForm,
} from '../../src/webviewProtocol/wizardProtocol';
import { onHostMessage, vscodeApi } from './vscodeApi';

type FieldElement = HTMLElement & { value: string };

const app = document.getElementById('app') as HTMLElement;

function field(id: keyof WizardForm): FieldElement {
  return document.getElementById(id) as FieldElement;
}

function render(form: WizardForm, clusterHint: string): void {
  app.innerHTML = `
    <header class="wizard-header">
      <h1><span class="codicon codicon-arrow-swap" aria-hidden="true"></span> New Copy Job</h1>
      <p class="subtitle">Default cluster: <code id="cluster-hint"></code></p>
    </header>
    <vscode-form-container id="form">
      <vscode-form-group variant="vertical">
        <vscode-label>Direction</vscode-label>
        <vscode-radio-group id="direction">
          <vscode-radio name="direction" value="kustoToFiles" label="Kusto → files (query results to Parquet, CSV or JSON)"></vscode-radio>
          <vscode-radio name="direction" value="filesToKusto" label="Files → Kusto (a file or Spark output folder into a table)"></vscode-radio>
        </vscode-radio-group>
      </vscode-form-group>
      <vscode-form-group variant="vertical">
        <vscode-label for="clusterUrl">Cluster URL</vscode-label>
        <vscode-textfield id="clusterUrl" placeholder="https://mycluster.westeurope.kusto.windows.net"></vscode-textfield>
        <vscode-form-helper id="clusterUrl-error" class="error"></vscode-form-helper>
      </vscode-form-group>
      <vscode-form-group variant="vertical">
        <vscode-label for="database">Database</vscode-label>
        <vscode-textfield id="database"></vscode-textfield>
        <vscode-form-helper id="database-error" class="error"></vscode-form-helper>
      </vscode-form-group>
      <div id="kustoToFiles-fields">
        <vscode-form-group variant="vertical">
          <vscode-label for="query">Query (KQL or a table name)</vscode-label>
          <vscode-textarea id="query" rows="5" monospace></vscode-textarea>
          <vscode-form-helper id="query-error" class="error"></vscode-form-helper>
        </vscode-form-group>
        <vscode-form-group variant="vertical">
          <vscode-label for="outputPath">Output folder</vscode-label>
          <vscode-textfield id="outputPath"></vscode-textfield>
          <vscode-form-helper id="outputPath-error" class="error"></vscode-form-helper>
        </vscode-form-group>
        <vscode-form-group variant="vertical">
          <vscode-label for="format">File format</vscode-label>
          <vscode-single-select id="format">
            <vscode-option value="parquet">Parquet (Spark's native format)</vscode-option>
            <vscode-option value="csv">CSV</vscode-option>
            <vscode-option value="json">JSON lines</vscode-option>
          </vscode-single-select>
        </vscode-form-group>
      </div>
      <div id="filesToKusto-fields">
        <vscode-form-group variant="vertical">
          <vscode-label for="sourcePath">File or folder to ingest</vscode-label>
          <vscode-textfield id="sourcePath"></vscode-textfield>
          <vscode-form-helper id="sourcePath-error" class="error"></vscode-form-helper>
        </vscode-form-group>
        <vscode-form-group variant="vertical">
          <vscode-label for="table">Target table</vscode-label>
          <vscode-textfield id="table"></vscode-textfield>
          <vscode-form-helper id="table-error" class="error"></vscode-form-helper>
        </vscode-form-group>
      </div>
      <div class="actions">
        <vscode-button id="create"><span class="codicon codicon-play" slot="content-before"></span>Run Job</vscode-button>
        <vscode-button id="cancel" secondary>Cancel</vscode-button>
      </div>
      <p id="status" role="status" aria-live="polite"></p>
    </vscode-form-container>`;
  (document.getElementById('cluster-hint') as HTMLElement).textContent = clusterHint;
  for (const key of textFields) field(key).value = form[key];
  checkRadio(form.direction);
  showDirection(form.direction);
  followDirection();
  app.addEventListener('input', saveDraft);
  document.getElementById('create')?.addEventListener('click', submit);
  document.getElementById('cancel')?.addEventListener('click', () => vscodeApi.postMessage({ type: 'cancel' }));
  app.setAttribute('aria-busy', 'false');
  app.dataset.ready = 'true';
}

const textFields = ['clusterUrl', 'database', 'query', 'outputPath', 'format', 'sourcePath', 'table'] as const;

type RadioElement = HTMLElement & { checked: boolean; value: string };

function radios(): RadioElement[] {
  return Array.from(document.querySelectorAll<RadioElement>('vscode-radio'));
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
    saveDraft();
  };
  const observer = new MutationObserver(sync);
  for (const radio of radios()) observer.observe(radio, { attributes: true, attributeFilter: ['checked'] });
  field('direction').addEventListener('change', sync);
}

function showDirection(direction: CopyDirection): void {
  (document.getElementById('kustoToFiles-fields') as HTMLElement).hidden = direction !== 'kustoToFiles';
  (document.getElementById('filesToKusto-fields') as HTMLElement).hidden = direction !== 'filesToKusto';
  app.dataset.direction = direction;
}

function readForm(): WizardForm {
  // `checked` is a property the element does not reflect to an attribute: read the property.
  const checked = radios().find((radio) => radio.checked);
  return {
    direction: (checked?.value ?? 'kustoToFiles') as CopyDirection,
    clusterUrl: field('clusterUrl').value,
    database: field('database').value,
    query: field('query').value,
    outputPath: field('outputPath').value,
    format: field('format').value as FileFormat,
    sourcePath: field('sourcePath').value,
    table: field('table').value,
  };
}

function showErrors(errors: Partial<Record<keyof WizardForm, string>>): void {
  for (const key of ['clusterUrl', 'database', 'query', 'outputPath', 'sourcePath', 'table'] as const) {
    const helper = document.getElementById(`${key}-error`);
    if (helper) helper.textContent = errors[key] ?? '';
  }
}

function saveDraft(): void {
  vscodeApi.setState({ form: readForm() });
}

/** Run is disabled from the press until the host says the job ended or was not started. */
function setRunning(running: boolean): void {
  const button = document.getElementById('create') as HTMLElement & { disabled: boolean };
  button.disabled = running;
}

function setStatus(text: string, state: string): void {
  const status = document.getElementById('status') as HTMLElement;
  status.textContent = text;
  status.dataset.state = state;
}

function submit(): void {
  const button = document.getElementById('create') as HTMLElement & { disabled: boolean };
  if (button.disabled) return;
  const form = readForm();
  const errors = validateWizardForm(form);
  showErrors(errors);
  if (Object.keys(errors).length > 0) return;
  setRunning(true);
  setStatus('Starting the job…', 'starting');
  vscodeApi.postMessage({ type: 'submit', form });
}

/** Fields a command set (a query from an editor, a folder from the Explorer) replace the form's; the draft keeps them. */
function applyPrefill(prefill: WizardPrefill): void {
  for (const key of textFields) {
    const value = prefill[key];
    if (typeof value === 'string') field(key).value = value;
  }
  if (prefill.direction) {
    checkRadio(prefill.direction);
    showDirection(prefill.direction);
  }
  showErrors({});
  setStatus('', 'prefilled');
  saveDraft();
  vscodeApi.postMessage({ type: 'prefillApplied' });
}

onHostMessage((message) => {
  switch (message.type) {
    case 'init': {
      const draft = vscodeApi.getState() as { form?: WizardForm } | undefined;
      render(draft?.form && isCurrentForm(draft.form) ? draft.form : message.state.form, message.state.defaultClusterUrl);
      if (message.state.prefill) applyPrefill(message.state.prefill);
      return;
    }
    case 'prefill':
      applyPrefill(message.prefill);
      return;
    case 'validation':
      showErrors(message.errors);
      return;
    case 'jobCreated':
      setStatus(message.summary, 'running');
      return;
    case 'jobFinished':
      setStatus(message.summary, message.state);
      setRunning(false);
      return;
    case 'submitDeclined':
      setStatus(message.summary, 'declined');
      setRunning(false);
      return;
  }
});

/** A draft saved by an older version of the page (other fields) is dropped, not half-read. */
function isCurrentForm(form: WizardForm): boolean {
  return textFields.every((key) => typeof form[key] === 'string');
}

vscodeApi.postMessage({ type: 'ready' });
