import type { ColumnSchema } from '../../src/engine/rows';

/** One column of every Kusto type, as the writers' tests use them. */
export const EVERY_KUSTO_TYPE: ColumnSchema[] = [
  { name: 'b', type: 'bool' },
  { name: 'i', type: 'int' },
  { name: 'l', type: 'long' },
  { name: 'r', type: 'real' },
  { name: 'd', type: 'decimal' },
  { name: 's', type: 'string' },
  { name: 't', type: 'datetime' },
  { name: 'ts', type: 'timespan' },
  { name: 'g', type: 'guid' },
  { name: 'dyn', type: 'dynamic' },
];
