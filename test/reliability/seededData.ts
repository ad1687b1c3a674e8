// Data and faults drawn from one seed, and the checksum both sides are judged by. The source's
// checksum is computed from the generated literal rows, never read back from the emulator.
import { createHash } from 'node:crypto';
import { seededRandom } from '../unit/seededRandom';
import type { FaultRule } from '../emulator/server/faults';

export interface Row { id: number; name: string }

/** A seeded source of choices (an LCG, stirred so that nearby seeds differ). */
export class Draw {
  private readonly next: () => number;
  constructor(seed: number) {
    const base = seededRandom((seed * 2654435761) % 2147483647 || 1);
    for (let i = 0; i < 3; i++) base();
    this.next = base;
  }
  float(): number { return this.next(); }
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  pick<T>(items: readonly T[]): T { return items[Math.floor(this.next() * items.length)] as T; }
  chance(p: number): boolean { return this.next() < p; }
}

// Quotes, commas, a backslash, a tab-free unicode mix: what CSV, JSON and KQL literals must carry.
const ALPHABET = ['a', 'b', 'z', 'Q', '0', '9', ' ', ',', '"', "'", '\\', 'é', 'ü', '漢', '😀', '-', '_', ';', '|'];

export function generateRows(draw: Draw, count: number, firstId = 1): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    const len = draw.int(0, 12);
    let name = 'n';
    for (let c = 0; c < len; c++) name += draw.pick(ALPHABET);
    rows.push({ id: firstId + i, name });
  }
  return rows;
}

export interface Content { count: number; sha256: string }

/** Row count and sha256 over the rows sorted by id: equal only when no row is lost, changed or doubled. */
export function contentOf(rows: Iterable<{ id: number | bigint; name: string }>): Content {
  const list = [...rows].map((r) => ({ id: Number(r.id), name: r.name })).sort((a, b) => a.id - b.id || (a.name < b.name ? -1 : 1));
  return { count: list.length, sha256: createHash('sha256').update(list.map((r) => `${r.id}\t${r.name}`).join('\n')).digest('hex') };
}

export function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function toCsv(rows: Row[]): string {
  return `id,name\n${rows.map((r) => `${r.id},${csvField(r.name)}`).join('\n')}\n`;
}

export function kqlString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Splits rows into `parts` nearly equal consecutive slices. */
export function split<T>(rows: T[], parts: number): T[][] {
  const out: T[][] = [];
  const size = Math.ceil(rows.length / parts);
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

export type Scenario = 'stream' | 'export' | 'queued' | 'streaming' | 'transactional';

export interface DrawnFault { label: string; rule: FaultRule }

/** Faults one scenario may meet; a seed draws one to three of them. */
export function faultCatalog(scenario: Scenario, draw: Draw): DrawnFault[] {
  const nth = (): number => draw.int(1, 3);
  const common: DrawnFault[] = [
    { label: 'slow management answers', rule: { endpoint: 'v1/rest/mgmt', delayMs: draw.int(50, 400), times: draw.int(1, 3) } },
  ];
  switch (scenario) {
    case 'stream':
      return [
        { label: 'query 429 with Retry-After', rule: { endpoint: 'v2/rest/query', status: 429, retryAfterSeconds: 1, times: 1 } },
        { label: 'query 500', rule: { endpoint: 'v2/rest/query', status: 500, times: 1 } },
        { label: 'query 503', rule: { endpoint: 'v2/rest/query', status: 503, times: draw.int(1, 2) } },
        { label: 'query reset mid-stream', rule: { endpoint: 'v2/rest/query', resetAfterBytes: draw.int(200, 3000), times: 1 } },
        { label: 'query slow', rule: { endpoint: 'v2/rest/query', delayMs: draw.int(100, 600), times: 2 } },
      ];
    case 'export':
      return [
        ...common,
        { label: '.export lost reply', rule: { endpoint: 'v1/rest/mgmt', command: '^\\s*\\.export', resetAfterBytes: 0, times: 1 } },
        { label: '.export 503', rule: { endpoint: 'v1/rest/mgmt', command: '^\\s*\\.export', status: 503, times: 1 } },
        { label: '.export 429', rule: { endpoint: 'v1/rest/mgmt', command: '^\\s*\\.export', status: 429, retryAfterSeconds: 1, times: 1 } },
        { label: 'operation poll 500', rule: { endpoint: 'v1/rest/mgmt', command: '\\.show operation', status: 500, everyNth: nth(), times: 2 } },
        { label: 'operation poll reset', rule: { endpoint: 'v1/rest/mgmt', command: '\\.show operation', resetAfterBytes: draw.int(0, 200), times: 1 } },
        { label: 'estimate 503', rule: { endpoint: 'v2/rest/query', command: 'estimate|count', status: 503, times: 1 } },
      ];
    case 'queued':
    case 'transactional':
    case 'streaming': {
      const sink: DrawnFault[] = [
        ...common,
        { label: 'ingestion resources 429', rule: { endpoint: 'v1/rest/mgmt', command: 'get ingestion resources', status: 429, retryAfterSeconds: 1, times: 1 } },
        { label: 'ingestion resources 503', rule: { endpoint: 'v1/rest/mgmt', command: 'get ingestion resources', status: 503, times: 1 } },
        { label: '.show extents lost reply', rule: { endpoint: 'v1/rest/mgmt', command: 'extents', resetAfterBytes: 0, everyNth: nth(), times: 1 } },
        { label: '.create table lost reply', rule: { endpoint: 'v1/rest/mgmt', command: '\\.create', resetAfterBytes: 0, times: 1 } },
        { label: 'management 500', rule: { endpoint: 'v1/rest/mgmt', status: 500, everyNth: draw.int(2, 5), times: 1 } },
        { label: 'management reset after bytes', rule: { endpoint: 'v1/rest/mgmt', resetAfterBytes: draw.int(10, 300), everyNth: draw.int(2, 5), times: 1 } },
      ];
      if (scenario === 'transactional') {
        sink.push({ label: '.move extents lost reply', rule: { endpoint: 'v1/rest/mgmt', command: '\\.move', resetAfterBytes: 0, times: 1 } });
        sink.push({ label: '.move extents 503', rule: { endpoint: 'v1/rest/mgmt', command: '\\.move', status: 503, times: 1 } });
        sink.push({ label: '.drop table 503', rule: { endpoint: 'v1/rest/mgmt', command: '\\.drop', status: 503, times: 1 } });
      }
      if (scenario === 'streaming') {
        sink.push({ label: 'streaming ingest lost reply', rule: { endpoint: 'rest/ingest', resetAfterBytes: 0, times: 1 } });
        sink.push({ label: 'streaming ingest 503', rule: { endpoint: 'rest/ingest', status: 503, times: 1 } });
        sink.push({ label: 'streaming ingest 429', rule: { endpoint: 'rest/ingest', status: 429, retryAfterSeconds: 1, times: 1 } });
        sink.push({ label: 'streaming ingest slow', rule: { endpoint: 'rest/ingest', delayMs: draw.int(100, 500), times: 2 } });
      }
      return sink;
    }
  }
}

export function drawFaults(scenario: Scenario, draw: Draw): DrawnFault[] {
  const catalog = faultCatalog(scenario, draw);
  const chosen: DrawnFault[] = [];
  // Half the seeds meet a lost reply first: the fault that duplicates or loses rows when mishandled.
  const lost = catalog.filter((f) => f.label.includes('lost reply'));
  if (lost.length > 0 && draw.chance(0.5)) chosen.push(draw.pick(lost));
  const n = draw.int(1, 3);
  for (let i = 0; i < n; i++) {
    const f = draw.pick(catalog);
    if (!chosen.includes(f)) chosen.push(f);
  }
  return chosen;
}
