// Bundles the extension host code (node, cjs, vscode external), the headless CLI and the
// webview (browser, its own bundle) into dist/.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'info',
  legalComments: 'none',
};

// The Azure SDKs ship ESM that reads import.meta.url at load; a CJS bundle has no import.meta, so
// give it the bundle file's own URL.
const importMetaShim = "const __kdmImportMetaUrl = require('node:url').pathToFileURL(__filename).href;";

/** A Node (cjs, node20) bundle into dist/ with the import.meta shim; `bannerPrefix` goes before the shim. */
function nodeBundle(entryPoints, { bannerPrefix = '', ...extra } = {}) {
  return {
    ...common,
    entryPoints,
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    define: { 'import.meta.url': '__kdmImportMetaUrl' },
    banner: { js: `${bannerPrefix}${importMetaShim}` },
    ...extra,
  };
}

const targets = [
  nodeBundle({ extension: 'src/extension.ts' }, { external: ['vscode'] }),
  // Loaded by the extension on the first job (src/ui/engine.ts), so activation stays small.
  // Its worker threads are files of their own next to it (pageCompressor.ts and rowSpanEncoding.ts start them).
  nodeBundle({
    engineHost: 'src/engineHost.ts',
    compressionWorker: 'src/formats/parquet/compressionWorker.ts',
    rowSpanWorker: 'src/formats/parquet/rowSpanWorker.ts',
  }),
  // One copy of the engine in the VSIX: the CLI requires dist/engineHost.js at run time.
  nodeBundle({ cli: 'src/cli.ts' }, { bannerPrefix: '#!/usr/bin/env node\n', external: ['./engineHost'] }),
  // The job process a window starts for each job (src/jobHost): the same engine bundle.
  nodeBundle({ jobProcess: 'src/jobProcess.ts' }, { external: ['./engineHost'] }),
  {
    ...common,
    entryPoints: { wizard: 'webview/wizard/main.ts' },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
  },
];

// A production build starts clean so no stale source map or bundle slips into the VSIX.
if (production) rmSync('dist', { recursive: true, force: true });
mkdirSync('dist/webview', { recursive: true });
cpSync('node_modules/@vscode/codicons/dist/codicon.css', 'dist/webview/codicon.css', { force: true });
cpSync('node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/webview/codicon.ttf', { force: true });
cpSync('webview/wizard/wizard.css', 'dist/webview/wizard.css', { force: true });

// The engine's WebAssembly modules (the row parser and writer, the Snappy compressor, the partition gather of
// src/formats/parquet/*.c), beside the bundles that load them. clang with the wasm32 target and
// wasm-ld (Debian: clang, lld) come from `scripts/setup.sh wasm`.
const clang = ['clang', 'clang-14', 'clang-15', 'clang-16'].find((c) => spawnSync(c, ['--version']).status === 0);
if (!clang) throw new Error('clang is missing (it builds the engine\'s WebAssembly modules): run `bash scripts/setup.sh wasm`');
for (const name of ['rowSpanWasm', 'snappyWasm', 'rowTextWasm', 'rowGatherWasm']) {
  const source = `src/formats/parquet/${name}.c`;
  const args = ['--target=wasm32', '-O3', '-mbulk-memory', '-nostdlib', '-Wall', '-Wextra', '-Werror', '-Wl,--no-entry', '-Wl,--export=__heap_base', '-o', `dist/${name}.wasm`, source];
  if (spawnSync(clang, args, { stdio: 'inherit' }).status !== 0) throw new Error(`compiling ${source} failed`);
}

if (watch) {
  for (const t of targets) await (await esbuild.context(t)).watch();
} else {
  await Promise.all(targets.map((t) => esbuild.build(t)));
}
