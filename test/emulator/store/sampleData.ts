// Database `Samples` for the demo: StormEvents-like rows and a table with every Kusto type,
// generated deterministically in DuckDB (storage representation, see kql/contract.ts).
import type { KustoColumn } from '../kql/contract';
import type { Store } from './store';

const TICKS_2007 = 633_032_064_000_000_000n; // 2007-01-01T00:00:00Z
const TICKS_PER_MINUTE = 600_000_000n;

const STORM_COLUMNS: KustoColumn[] = [
  { name: 'StartTime', type: 'datetime' }, { name: 'EndTime', type: 'datetime' }, { name: 'EpisodeId', type: 'int' }, { name: 'EventId', type: 'int' },
  { name: 'State', type: 'string' }, { name: 'EventType', type: 'string' }, { name: 'InjuriesDirect', type: 'int' }, { name: 'DamageProperty', type: 'long' },
  { name: 'Latitude', type: 'real' }, { name: 'Longitude', type: 'real' }, { name: 'Source', type: 'string' }, { name: 'StormSummary', type: 'dynamic' },
];

const ALL_TYPES_COLUMNS: KustoColumn[] = [
  { name: 'Id', type: 'long' }, { name: 'Flag', type: 'bool' }, { name: 'Small', type: 'int' }, { name: 'Big', type: 'long' }, { name: 'Ratio', type: 'real' },
  { name: 'Amount', type: 'decimal' }, { name: 'Name', type: 'string' }, { name: 'At', type: 'datetime' }, { name: 'Took', type: 'timespan' },
  { name: 'Key', type: 'guid' }, { name: 'Props', type: 'dynamic' },
];

export const SAMPLE_STORM_ROWS = 5000;
export const SAMPLE_ALL_TYPES_ROWS = 1000;

export async function seedSamples(store: Store): Promise<void> {
  await store.write(async () => {
    const db = await store.createDatabase('Samples');
    const storm = await store.createTable(db, 'StormEvents', STORM_COLUMNS, { folder: 'Samples', docString: 'Storm events (synthetic, deterministic)' });
    await store.appendExtent(db, storm, `
      SELECT
        ${TICKS_2007}::BIGINT + i * 97 * ${TICKS_PER_MINUTE}::BIGINT AS StartTime,
        ${TICKS_2007}::BIGINT + i * 97 * ${TICKS_PER_MINUTE}::BIGINT + (i % 180) * ${TICKS_PER_MINUTE}::BIGINT AS EndTime,
        CAST(1000 + i // 7 AS INTEGER) AS EpisodeId,
        CAST(5000 + i AS INTEGER) AS EventId,
        ['TEXAS','KANSAS','IOWA','OHIO','FLORIDA','GEORGIA','NEBRASKA','MISSOURI'][i % 8 + 1] AS State,
        ['Hail','Thunderstorm Wind','Flash Flood','Tornado','Heavy Rain','Winter Storm'][i % 6 + 1] AS EventType,
        CAST(i % 5 AS INTEGER) AS InjuriesDirect,
        CAST((i % 13) * 2500 AS BIGINT) AS DamageProperty,
        25.0 + (i % 200) * 0.1 AS Latitude,
        -100.0 + (i % 300) * 0.1 AS Longitude,
        ['Trained Spotter','Public','Law Enforcement','Emergency Manager'][i % 4 + 1] AS Source,
        '{"TotalDamages":' || ((i % 13) * 2500) || ',"StartTime":"' || i || '","Details":{"Location":"L' || (i % 50) || '"}}' AS StormSummary
      FROM range(0, ${SAMPLE_STORM_ROWS}) AS r(i)`);
    const all = await store.createTable(db, 'AllTypes', ALL_TYPES_COLUMNS, { folder: 'Samples', docString: 'One column of every Kusto type' });
    await store.appendExtent(db, all, `
      SELECT
        i AS Id,
        CASE WHEN i % 7 = 0 THEN NULL ELSE i % 2 = 0 END AS Flag,
        CASE WHEN i % 11 = 0 THEN NULL ELSE CAST(i - 500 AS INTEGER) END AS Small,
        CASE WHEN i = 0 THEN 9223372036854775807 WHEN i = 1 THEN -9223372036854775807 ELSE i * 1000003 END AS Big,
        CASE WHEN i % 13 = 0 THEN NULL ELSE i / 8.0 END AS Ratio,
        CASE WHEN i = 0 THEN '79228162514264337593543950335' ELSE CAST(i AS VARCHAR) || '.' || lpad(CAST(i * 37 % 1000 AS VARCHAR), 3, '0') END AS Amount,
        CASE WHEN i % 17 = 0 THEN '' ELSE 'name-' || i END AS Name,
        CASE WHEN i = 0 THEN 0 WHEN i = 1 THEN 3155378975999999999 ELSE ${TICKS_2007}::BIGINT + i * 12345678901 END AS At,
        (i - 500) * 10000001 AS Took,
        CASE WHEN i % 19 = 0 THEN NULL ELSE lower(printf('%08x-0000-4000-8000-%012x', i, i * 7)) END AS "Key",
        CASE WHEN i % 23 = 0 THEN NULL ELSE '{"i":' || i || ',"tags":["t' || (i % 3) || '"]}' END AS Props
      FROM range(0, ${SAMPLE_ALL_TYPES_ROWS}) AS r(i)`);
  });
}
