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
      <vscode-form-group variant="vertical">
        <vscode-label for="queryOrTable" id="queryOrTable-label">Query</vscode-label>
        <vscode-textarea id="queryOrTable" rows="5" monospace></vscode-textarea>
        <vscode-form-helper id="queryOrTable-error" class="error"></vscode-form-helper>
      </vscode-form-group>
      <vscode-form-group variant="vertical">
        <vscode-label for="localPath" id="localPath-label">Output folder</vscode-label>
        <vscode-textfield id="localPath"></vscode-textfield>
        <vscode-form-helper id="localPath-error" class="error"></vscode-form-helper>
      </vscode-form-group>
      <vscode-form-group variant="vertical" id="format-group">
        <vscode-label for="format">File format</vscode-label>
        <vscode-single-select id="format">
          <vscode-option value="parquet">Parquet (Spark's native format)</vscode-option>
          <vscode-option value="csv">CSV</vscode-option>
          <vscode-option value="json">JSON lines</vscode-option>
        </vscode-single-select>
      </vscode-form-group>
      <div class="actions">
        <vscode-button id="create"><span class="codicon codicon-play" slot="content-before"></span>Run Job</vscode-button>
        <vscode-button id="cancel" secondary>Cancel</vscode-button>
      </div>
      <p id="status" role="status" aria-live="polite"></p>
    </vscode-form-container>`;
  (document.getElementById('cluster-hint') as HTMLElement).textContent = clusterHint;
  for (const key of ['clusterUrl', 'database', 'queryOrTable', 'localPath', 'format'] as const) field(key).value = form[key];
  setDirection(form.direction);
  field('direction').addEventListener('change', () => {
    setDirection(readForm().direction);
    saveDraft();
  });
  app.addEventListener('input', saveDraft);
  document.getElementById('create')?.addEventListener('click', submit);
  document.getElementById('cancel')?.addEventListener('click', () => vscodeApi.postMessage({ type: 'cancel' }));
  app.setAttribute('aria-busy', 'false');
  app.dataset.ready = 'true';
}

function setDirection(direction: CopyDirection): void {
  const radios = document.querySelectorAll<HTMLElement & { checked: boolean; value: string }>('vscode-radio');
  radios.forEach((radio) => (radio.checked = radio.value === direction));
  const toFiles = direction === 'kustoToFiles';
  (document.getElementById('queryOrTable-label') as HTMLElement).textContent = toFiles ? 'Query (KQL or a table name)' : 'Target table';
  (document.getElementById('localPath-label') as HTMLElement).textContent = toFiles ? 'Output folder' : 'File or folder to ingest';
  // Ingestion detects each file's format (Parquet, CSV, JSON, gzip) from its bytes.
  (document.getElementById('format-group') as HTMLElement).hidden = !toFiles;
}

function readForm(): WizardForm {
  // `checked` is a property the element does not reflect to an attribute: read the property.
  const radios = Array.from(document.querySelectorAll<HTMLElement & { checked: boolean; value: string }>('vscode-radio'));
  const checked = radios.find((radio) => radio.checked);
  return {
    direction: (checked?.value ?? 'kustoToFiles') as CopyDirection,
    clusterUrl: field('clusterUrl').value,
    database: field('database').value,
    queryOrTable: field('queryOrTable').value,
    localPath: field('localPath').value,
    format: field('format').value as FileFormat,
  };
}

function showErrors(errors: Partial<Record<keyof WizardForm, string>>): void {
  for (const key of ['clusterUrl', 'database', 'queryOrTable', 'localPath'] as const) {
    const helper = document.getElementById(`${key}-error`);
    if (helper) helper.textContent = errors[key] ?? '';
  }
}

function saveDraft(): void {
  vscodeApi.setState({ form: readForm() });
}

function submit(): void {
  const form = readForm();
  const errors = validateWizardForm(form);
  showErrors(errors);
  if (Object.keys(errors).length > 0) return;
  const status = document.getElementById('status') as HTMLElement;
  status.textContent = 'Starting the job…';
  status.dataset.state = 'starting';
  vscodeApi.postMessage({ type: 'submit', form });
}

onHostMessage((message) => {
  switch (message.type) {
    case 'init': {
      const draft = vscodeApi.getState() as { form?: WizardForm } | undefined;
      render(draft?.form ?? message.state.form, message.state.defaultClusterUrl);
      return;
    }
    case 'validation':
      showErrors(message.errors);
      return;
    case 'jobCreated': {
      const status = document.getElementById('status') as HTMLElement;
      status.textContent = message.summary;
      status.dataset.state = 'running';
      return;
    }
    case 'jobFinished': {
      const status = document.getElementById('status') as HTMLElement;
      status.textContent = message.summary;
      status.dataset.state = message.state;
      return;
    }
  }
});

vscodeApi.postMessage({ type: 'ready' });
