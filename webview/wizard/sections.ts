// The wizard's markup: four sections (Source, Destination, Options, Review) over one form. Blocks
// with `data-for` belong to one direction; the cluster fields move between Source (Kusto → files)
// and Destination (files → Kusto). Every option says in one line why one would change it.

function group(id: string, label: string, control: string, why = ''): string {
  return `
    <vscode-form-group variant="vertical">
      <vscode-label for="${id}">${label}</vscode-label>
      ${control}
      ${why ? `<vscode-form-helper class="why">${why}</vscode-form-helper>` : ''}
      <vscode-form-helper id="${id}-error" class="error" role="alert"></vscode-form-helper>
    </vscode-form-group>`;
}

function select(id: string, options: Array<[string, string]>): string {
  return `<vscode-single-select id="${id}">${options.map(([value, text]) => `<vscode-option value="${value}">${text}</vscode-option>`).join('')}</vscode-single-select>`;
}

const clusterFields = `
  <div id="cluster-fields">
    ${group('connection', 'Connection', '<vscode-single-select id="connection"></vscode-single-select>', 'A saved connection signs in as it says; add one in the Connections view.')}
    ${group('clusterUrl', 'Cluster URL', '<vscode-textfield id="clusterUrl" placeholder="https://mycluster.westeurope.kusto.windows.net"></vscode-textfield>')}
    ${group('database', 'Database', '<vscode-textfield id="database" placeholder="Type to search the cluster\'s databases"></vscode-textfield><ul id="database-list" class="suggestions" hidden></ul><p id="databases-lookup" class="hint"></p>')}
  </div>`;

export function renderSections(): string {
  return `
    <header class="wizard-header">
      <h1><span class="codicon codicon-arrow-swap" aria-hidden="true"></span> New Copy Job</h1>
      <p class="subtitle">Default cluster: <code id="cluster-hint"></code></p>
    </header>
    <nav class="section-nav" aria-label="Sections">
      <a href="#section-source">Source</a> · <a href="#section-destination">Destination</a> · <a href="#section-options">Options</a> · <a href="#section-review">Review</a>
    </nav>
    <vscode-form-container id="form">
      <vscode-form-group variant="vertical">
        <vscode-label>Direction</vscode-label>
        <vscode-radio-group id="direction">
          <vscode-radio name="direction" value="kustoToFiles" label="Kusto → files (query results to Parquet, CSV or JSON)"></vscode-radio>
          <vscode-radio name="direction" value="filesToKusto" label="Files → Kusto (a file or Spark output folder into a table)"></vscode-radio>
        </vscode-radio-group>
      </vscode-form-group>

      <section id="section-source" aria-labelledby="source-title">
        <h2 id="source-title"><span class="codicon codicon-database" aria-hidden="true"></span> Source</h2>
        <div id="source-cluster-slot">${clusterFields}</div>
        <div id="kustoToFiles-fields" data-for="kustoToFiles">
          ${group('sourceTable', 'Table', '<vscode-textfield id="sourceTable" placeholder="Type to search the database\'s tables"></vscode-textfield><ul id="sourceTable-list" class="suggestions" hidden></ul><p id="tables-lookup" class="hint"></p>', 'Pick a table to copy it whole, or write a query below.')}
          ${group('query', 'Query (KQL or a table name)', '<vscode-textarea id="query" rows="5" monospace></vscode-textarea>', 'Checked against the cluster as you type (<code>| take 0</code>: no rows are read).')}
        </div>
        <div id="filesToKusto-fields" data-for="filesToKusto">
          ${group('sourcePath', 'File or folder to ingest', '<div class="with-button"><vscode-textfield id="sourcePath"></vscode-textfield><vscode-button id="browse-source-folder" secondary>Browse Folder…</vscode-button><vscode-button id="browse-source-file" secondary>Browse File…</vscode-button></div>')}
          <div id="source-summary" class="summary-box" role="status" aria-live="polite"></div>
          ${group('sourceFormat', 'Source format', select('sourceFormat', [['auto', 'Detect from the files'], ['parquet', 'Parquet'], ['csv', 'CSV'], ['tsv', 'TSV'], ['json', 'JSON lines'], ['multijson', 'Multi-line JSON']]), 'Detection reads each file\'s first bytes; name the format only when files lack a telling extension.')}
        </div>
      </section>

      <section id="section-destination" aria-labelledby="destination-title">
        <h2 id="destination-title"><span class="codicon codicon-folder-opened" aria-hidden="true"></span> Destination</h2>
        <div data-for="kustoToFiles">
          ${group('outputPath', 'Output folder', '<div class="with-button"><vscode-textfield id="outputPath"></vscode-textfield><vscode-button id="browse-output" secondary>Browse…</vscode-button></div><vscode-button id="replace-output" secondary hidden>Replace the existing output</vscode-button>')}
          ${group('format', 'File format', select('format', [['parquet', "Parquet (Spark's native format)"], ['csv', 'CSV'], ['json', 'JSON lines']]), 'Parquet keeps the column types; CSV and JSON lines suit tools that read text.')}
        </div>
        <div id="destination-cluster-slot" data-for="filesToKusto"></div>
        <div data-for="filesToKusto">
          ${group('table', 'Target table', '<vscode-textfield id="table" placeholder="Type to search, or name a new table"></vscode-textfield><ul id="table-list" class="suggestions" hidden></ul><p id="table-note" class="hint"></p>')}
        </div>
      </section>

      <section id="section-options" aria-labelledby="options-title">
        <h2 id="options-title"><span class="codicon codicon-settings" aria-hidden="true"></span> Options</h2>
        <div data-for="kustoToFiles">
          ${group('compression', 'Compression', select('compression', [['default', 'Default (snappy for Parquet, none for text)'], ['none', 'None'], ['snappy', 'Snappy (Parquet)'], ['gzip', 'Gzip']]), 'Snappy is fast to read; gzip makes smaller files at more CPU.')}
          <vscode-form-group variant="vertical">
            <vscode-label>Partition columns</vscode-label>
            <div id="partitionBy" class="checklist" role="group" aria-label="Partition columns"></div>
            <vscode-form-helper class="why">Writes col=value/ folders as Spark does, so readers can skip what they do not need.</vscode-form-helper>
            <vscode-form-helper id="partitionBy-error" class="error" role="alert"></vscode-form-helper>
          </vscode-form-group>
          ${group('maxRowsPerFile', 'Rows per file', '<vscode-textfield id="maxRowsPerFile" placeholder="No limit"></vscode-textfield>', 'Smaller files let more Spark tasks read at once; blank: one file per partition.')}
          ${group('ifExists', 'If the output exists', select('ifExists', [['fail', 'Stop (keep what is there)'], ['replace', 'Replace it when the job succeeds']]), 'Replace swaps the folder at the end, so readers never see half of it.')}
          ${group('readMode', 'Read mode', select('readMode', [['auto', 'Auto (estimate rows, export when large)'], ['stream', 'Stream the query result'], ['export', 'Export on the cluster (.export)']]), 'Auto estimates the rows first and exports to Parquet above 1,000,000 rows.')}
          <div id="staging-group">
            ${group('stagingUrl', 'Staging container (optional)', '<vscode-textfield id="stagingUrl" placeholder="Blank: the cluster\'s own export containers"></vscode-textfield>', 'Bring your own storage for network rules or retention you control.')}
            ${group('stagingSecretRef', 'Secret name for the staging SAS or key', '<vscode-textfield id="stagingSecretRef" placeholder="e.g. env:STAGING_SAS"></vscode-textfield>', 'The name of the secret only; the secret itself never enters the job.')}
            <vscode-checkbox id="keepExportedFiles" label="Keep the exported files in the staging container"></vscode-checkbox>
          </div>
        </div>
        <div data-for="filesToKusto">
          ${group('ingestMode', 'Ingest mode', select('ingestMode', [['queued', 'Queued (the service batches; best for volume)'], ['streaming', 'Streaming (low latency, small files)'], ['transactional', 'Transactional (all files or none)']]), 'Transactional lands through a temp table and one move, so readers never see part of the job.')}
          ${group('tableCreation', 'Table creation', select('tableCreation', [['createIfNotExists', 'Create the table if it does not exist'], ['createMerge', 'Create, or add new columns (create-merge)'], ['failIfNotExists', 'The table must exist']]), 'Create-merge adds columns the files bring that the table lacks.')}
          ${group('mappingReference', 'Ingestion mapping (optional)', '<vscode-textfield id="mappingReference" placeholder="Blank: columns matched by name"></vscode-textfield>', 'Name a mapping defined on the table when file columns and table columns differ.')}
          <vscode-checkbox id="continuous" label="Keep ingesting newly committed files (continuous)"></vscode-checkbox>
          <div id="pollInterval-group">
            ${group('pollIntervalSeconds', 'Seconds between two looks', '<vscode-textfield id="pollIntervalSeconds"></vscode-textfield>', 'For a streaming writer: each look ingests the batches committed since the last.')}
          </div>
        </div>
      </section>

      <section id="section-review" aria-labelledby="review-title">
        <h2 id="review-title"><span class="codicon codicon-checklist" aria-hidden="true"></span> Review</h2>
        <ul id="summary" class="summary-list"></ul>
        <div id="review"></div>
      </section>

      <div class="actions">
        <vscode-button id="create"><span class="codicon codicon-play" slot="content-before"></span>Run Job</vscode-button>
        <vscode-button id="save-job" secondary>Save as Job File…</vscode-button>
        <vscode-button id="open-job" secondary>Open Job File…</vscode-button>
        <vscode-button id="spark-pyspark" secondary>Spark Code (PySpark)</vscode-button>
        <vscode-button id="spark-scala" secondary>Spark Code (Scala)</vscode-button>
        <vscode-button id="cancel" secondary>Close</vscode-button>
      </div>
      <p id="status" role="status" aria-live="polite"></p>
    </vscode-form-container>`;
}
