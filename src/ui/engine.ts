import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as vscode from 'vscode';

export type Engine = typeof import('../engineHost');
export type ConnectionTokenProvider = import('../engineHost').ConnectionTokenProvider;

let engine: Engine | undefined;

/** Loads dist/engineHost.js on first use; activation stays free of the SDKs. */
export function loadEngine(context: vscode.ExtensionContext): Engine {
  engine ??= createRequire(__filename)(join(context.extensionPath, 'dist', 'engineHost.js')) as Engine;
  return engine;
}

/** One jobs folder per VS Code profile: journals survive reloads so jobs can resume. */
export function jobsDir(context: vscode.ExtensionContext): string {
  return join(context.globalStorageUri.fsPath, 'jobs');
}
