import type { HostToWizardMessage, WizardToHostMessage } from '../../src/webviewProtocol/wizardProtocol';

interface VsCodeApi {
  postMessage(message: WizardToHostMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** acquireVsCodeApi may be called once per page load; keep the one handle here. */
export const vscodeApi: VsCodeApi = acquireVsCodeApi();

export function onHostMessage(handler: (message: HostToWizardMessage) => void): void {
  window.addEventListener('message', (event: MessageEvent<HostToWizardMessage>) => handler(event.data));
}
