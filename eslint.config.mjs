// One lint config for the extension, the webview, the engine and the tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import { noTypeImportCycles } from './scripts/eslint/noTypeImportCycles.mjs';

// The layers (docs/architecture): each imports only the ones below it.
const engineLayer = ['src/engine/**/*.ts', 'src/kusto/**/*.ts', 'src/storage/**/*.ts', 'src/formats/**/*.ts', 'src/spark/**/*.ts', 'src/cli.ts', 'src/engineHost.ts'];
const aboveTheEngine = ['**/ui', '**/ui/*', '**/webviewProtocol', '**/webviewProtocol/*'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-artifacts/**', '.vscode-test/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // No import cycles in the product code: import-x/no-cycle for value imports, our own rule
    // for the cycles it skips, through type-only imports (a cycle of types is still two modules
    // that cannot be understood one without the other).
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    plugins: { 'import-x': importX, layers: { rules: { 'no-type-import-cycles': noTypeImportCycles } } },
    settings: {
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json', '.node'] })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'layers/no-type-import-cycles': 'error',
    },
  },
  {
    // The engine and everything below it run headless (the CLI, the job process): no VS Code API,
    // nothing of the extension's UI or of the webview's protocol.
    files: engineLayer,
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The engine layer must not import vscode.' }],
        patterns: [{ group: aboveTheEngine, message: 'The engine layer must not import the extension UI (src/ui) or the webview protocol (src/webviewProtocol): imports point down only.' }],
      }],
    },
  },
  {
    // The webview is its own bundle in a browser: of the extension's sources it shares only the message protocol.
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The webview runs in a browser: no VS Code API (use acquireVsCodeApi).' }],
        patterns: [{ regex: '(^|/)src(/(?!webviewProtocol(/|$))|$)', message: 'The webview imports nothing from src/ but src/webviewProtocol.' }],
      }],
    },
  },
);
