import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

/** The extension's one log, created on first use so activation stays cheap. */
export function getLog(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('Kusto Data Mover', { log: true });
  return channel;
}
