// Activation cost of the built extension (dist/extension.js) in a fresh Node process: require the
// bundle and call activate() with a minimal stand-in for the `vscode` module. This is the part of
// VS Code's "activation time" that our code controls (module load + activate), measured cold.
import Module from 'node:module';
import { join, resolve } from 'node:path';
import { repoRoot } from './builtEngine';

class EventEmitter<T> {
  private listeners: Array<(e: T) => void> = [];
  event = (listener: (e: T) => void) => {
    this.listeners.push(listener);
    return { dispose: () => undefined };
  };
  fire(e: T): void {
    for (const l of this.listeners) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

class TreeItem {
  constructor(readonly label: string) {}
}

const disposable = { dispose: () => undefined };
// Anything activation touches that the stand-in does not model (status-bar items, watchers, enums)
// is a no-op that returns itself, so adding a UI part does not break the measurement.
const inert: unknown = new Proxy(function inertMember() {}, {
  get: (_target, key) => (key === 'then' ? undefined : key === Symbol.toPrimitive ? () => 0 : inert),
  apply: () => inert,
  construct: () => inert as object,
});
const withFallback = <T extends object>(known: T): T =>
  new Proxy(known, { get: (target, key) => (key in target ? withFallback2((target as Record<string | symbol, unknown>)[key]) : inert) });
const withFallback2 = (value: unknown): unknown => (value && typeof value === 'object' && !Array.isArray(value) ? withFallback(value) : value);
const vscodeStub = withFallback({
  EventEmitter,
  TreeItem,
  window: {
    registerTreeDataProvider: () => disposable,
    createOutputChannel: () => ({ info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, show: () => undefined }),
  },
  commands: { registerCommand: () => disposable, executeCommand: async () => undefined },
  // Listed because the bundle copies the module's own top-level names (esbuild's ESM interop).
  ...Object.fromEntries(['workspace', 'env', 'authentication', 'Uri', 'Disposable', 'MarkdownString', 'ThemeIcon', 'ThemeColor', 'ProgressLocation', 'StatusBarAlignment', 'TreeItemCollapsibleState', 'ViewColumn', 'RelativePattern', 'l10n'].map((name) => [name, inert])),
});

type Resolver = (request: string, ...rest: unknown[]) => string;
const moduleInternals = Module as unknown as { _resolveFilename: Resolver; _cache: Record<string, unknown> };
const original = moduleInternals._resolveFilename;
moduleInternals._resolveFilename = (request, ...rest) => (request === 'vscode' ? 'vscode' : original(request, ...rest));
moduleInternals._cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscodeStub };

const bundle = resolve(repoRoot(), 'dist', 'extension.js');
const memento = { get: () => undefined, update: async () => undefined, keys: () => [] };
const secrets = { get: async () => undefined, store: async () => undefined, delete: async () => undefined, onDidChange: () => disposable };
const context = { subscriptions: [] as unknown[], extensionPath: repoRoot(), globalStorageUri: { fsPath: join('/tmp', 'kdm-bench-storage') }, globalState: memento, workspaceState: memento, secrets };
const started = performance.now();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const extension = require(bundle) as { activate(ctx: unknown): void };
extension.activate(context);
const ms = performance.now() - started;
const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify({ rows: context.subscriptions.length, bytesOut: 0, seconds: ms / 1000, maxRssMB, note: `${ms.toFixed(1)} ms; ${context.subscriptions.length} disposables registered` }));
