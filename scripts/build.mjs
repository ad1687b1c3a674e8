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

// The Azure SDKs the engine uses (storage, queues, tables, identity, Key Vault) and the Parquet
// reader, in a bundle of their own (dist/azureSdk.js) that the engine loads on the first use of
// one of their exports, not when it loads: a job that does not touch Azure storage (a query to
// local files) never runs their 1 MB of module code. That keeps its heap at about 4 MB instead of
// 8 MB: above about 8 MB V8 keeps starting incremental marking as the job's buffers churn (a 1 M-row
// Parquet job: 7-8 full collections with the SDKs loaded, 1 without; see docs/benchmarks.md).
const lazyPackages = ['@azure/storage-blob', '@azure/storage-queue', '@azure/data-tables', '@azure/identity', '@azure/keyvault-secrets', 'hyparquet'];
const lazyEntry = lazyPackages.map((name, k) => `export * as p${k} from '${name}';`).join('\n');
const sdkBundle = {
  ...nodeBundle([]),
  entryPoints: undefined,
  stdin: { contents: lazyEntry, resolveDir: process.cwd(), sourcefile: 'azureSdk.js' },
  outdir: undefined,
  outfile: 'dist/azureSdk.js',
};
/** Export names of each lazy package, read from the SDK bundle once it is built. */
let lazyExports;
const lazySdkPlugin = {
  name: 'lazy-azure-sdk',
  setup(build) {
    const filter = new RegExp(`^(${lazyPackages.map((p) => p.replace(/[/.]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'lazy-sdk' }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-sdk' }, (args) => {
      const k = lazyPackages.indexOf(args.path);
      const names = lazyExports[k];
      // Getters that load the SDK bundle when first read; esbuild's named imports read them at use.
      return {
        loader: 'js',
        contents: [
          'let sdk;',
          `const load = () => (sdk ??= require('./azureSdk.js')).p${k};`,
          'const lazy = {};',
          `for (const name of ${JSON.stringify(names)}) Object.defineProperty(lazy, name, { enumerable: true, get: () => load()[name] });`,
          'module.exports = lazy;',
        ].join('\n'),
      };
    });
  },
};

const targets = [
  nodeBundle({ extension: 'src/extension.ts' }, { external: ['vscode'] }),
  // Loaded by the extension on the first job (src/ui/engine.ts), so activation stays small.
  // Its worker threads are files of their own next to it (pageCompressor.ts and rowSpanEncoding.ts start them).
  nodeBundle(
    {
      engineHost: 'src/engineHost.ts',
      compressionWorker: 'src/formats/parquet/compressionWorker.ts',
      rowSpanWorker: 'src/formats/parquet/rowSpanWorker.ts',
    },
    { plugins: [lazySdkPlugin], external: ['./azureSdk.js'] },
  ),
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

// The SDK bundle first: the engine's lazy stand-ins list its export names.
await esbuild.build(sdkBundle);
{
  const { createRequire } = await import('node:module');
  const sdk = createRequire(import.meta.url)('../dist/azureSdk.js');
  lazyExports = lazyPackages.map((_, k) => Object.keys(sdk[`p${k}`]));
}
if (watch) {
  for (const t of targets) await (await esbuild.context(t)).watch();
} else {
  await Promise.all(targets.map((t) => esbuild.build(t)));
}
