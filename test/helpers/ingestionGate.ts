// Holds the local emulator's ingestion loop (it ingests queued messages one at a time) inside a
// blob download served here, so that no queued file can reach a final status until the gate opens.
// Opening answers the held download with a 404, so the gate message itself ingests nothing
// (ReportLevel 1: reported nowhere). Lets tests and benchmarks observe what a client does while
// ingestion is pending, without timing.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { QueueClient } from '@azure/storage-queue';
import { fetchIngestionResources } from '../../src/kusto/ingest/ingestionResources';

export interface IngestionGate {
  /** Lets the ingestion loop go on (idempotent). */
  open(): void;
  /** Opens the gate and stops its server. */
  close(): Promise<void>;
}

/** Resolves once the emulator's ingestion loop is held in the gate (fails after `timeoutMs`). */
export async function holdEmulatorIngestion(clusterUrl: string, database: string, timeoutMs = 30_000): Promise<IngestionGate> {
  const held: ServerResponse[] = [];
  let opened = false;
  let reached: () => void = () => undefined;
  const reachedGate = new Promise<void>((resolve) => (reached = resolve));
  const notFound = (res: ServerResponse): void => void res.writeHead(404, { 'x-ms-error-code': 'BlobNotFound' }).end();
  const server: Server = createServer((req, res) => {
    req.resume();
    if (opened) notFound(res);
    else held.push(res);
    reached();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('gate server has no address');
  const gate: IngestionGate = {
    open: () => {
      opened = true;
      for (const res of held.splice(0)) notFound(res);
    },
    close: () => {
      gate.open();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const resources = await fetchIngestionResources({ clusterUrl, database });
    const message = { Id: '00000000-0000-0000-0000-00000000ca7e', BlobPath: `http://127.0.0.1:${address.port}/gate/container/blob.csv`, DatabaseName: database, TableName: 'Gate', ReportLevel: 1, ReportMethod: 0, AdditionalProperties: { format: 'csv' } };
    await new QueueClient(resources.queues[0]).sendMessage(Buffer.from(JSON.stringify(message)).toString('base64'));
    await Promise.race([reachedGate, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the emulator's ingestion loop did not reach the gate within ${timeoutMs} ms`)), timeoutMs)))]);
  } catch (err) {
    await gate.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return gate;
}
