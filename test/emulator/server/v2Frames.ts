// The frames of a v2 query response (kusto-protocol.md §2). Rows are written by the caller as
// they stream out of DuckDB; these helpers produce the fixed frames around them.
import type { KustoColumn } from '../kql/contract';
import type { OneApiError, RequestIds } from './errors';

export interface FrameMode {
  progressive: boolean;
  fragmented: boolean;
  /** Frames separated by "\n," instead of ",". */
  newlines: boolean;
}

export function dataSetHeader(mode: FrameMode): string {
  return JSON.stringify({
    FrameType: 'DataSetHeader', IsProgressive: mode.progressive, Version: 'v2.0', IsFragmented: mode.fragmented, ErrorReportingPlacement: 'EndOfTable',
  });
}

export function columnsJson(columns: KustoColumn[]): string {
  return JSON.stringify(columns.map((c) => ({ ColumnName: c.name, ColumnType: c.type })));
}

export function extendedPropertiesTable(tableId: number): string {
  return JSON.stringify({
    FrameType: 'DataTable', TableId: tableId, TableKind: 'QueryProperties', TableName: '@ExtendedProperties',
    Columns: [{ ColumnName: 'TableId', ColumnType: 'int' }, { ColumnName: 'Key', ColumnType: 'string' }, { ColumnName: 'Value', ColumnType: 'dynamic' }],
    Rows: [[1, 'Visualization', { Visualization: null, Title: null, XColumn: null, Series: null, YColumns: null, AnomalyColumns: null, XTitle: null, YTitle: null, XAxis: null, YAxis: null, Legend: null, YSplit: null, Accumulate: false, IsQuerySorted: false, Kind: null, Ymin: 'NaN', Ymax: 'NaN', Xmin: null, Xmax: null }]],
  });
}

/** Opening text of a whole DataTable frame, up to and including `"Rows":[`. */
export function dataTableStart(tableId: number, name: string, columns: KustoColumn[]): string {
  return `{"FrameType":"DataTable","TableId":${tableId},"TableKind":"PrimaryResult","TableName":${JSON.stringify(name)},"Columns":${columnsJson(columns)},"Rows":[`;
}

export function tableHeader(tableId: number, name: string, columns: KustoColumn[]): string {
  return `{"FrameType":"TableHeader","TableId":${tableId},"TableKind":"PrimaryResult","TableName":${JSON.stringify(name)},"Columns":${columnsJson(columns)}}`;
}

export function tableFragment(tableId: number, rowsJson: string[]): string {
  return `{"FrameType":"TableFragment","TableFragmentType":"DataAppend","TableId":${tableId},"Rows":[${rowsJson.join(',')}]}`;
}

export function tableProgress(tableId: number, percent: number): string {
  return JSON.stringify({ FrameType: 'TableProgress', TableId: tableId, TableProgress: percent });
}

export function tableCompletion(tableId: number, rowCount: number, errors: OneApiError[]): string {
  return JSON.stringify({ FrameType: 'TableCompletion', TableId: tableId, RowCount: rowCount, ...(errors.length ? { OneApiErrors: errors } : {}) });
}

export interface CompletionEvent {
  level: number; // 4 Info, 2 Error
  statusCode: number;
  statusName: string;
  payload: string;
}

export function queryCompletionTable(tableId: number, ids: RequestIds, events: CompletionEvent[]): string {
  const now = new Date().toISOString();
  return JSON.stringify({
    FrameType: 'DataTable', TableId: tableId, TableName: 'QueryCompletionInformation', TableKind: 'QueryCompletionInformation',
    Columns: [
      ['Timestamp', 'datetime'], ['ClientRequestId', 'string'], ['ActivityId', 'guid'], ['SubActivityId', 'guid'], ['ParentActivityId', 'guid'],
      ['Level', 'int'], ['LevelName', 'string'], ['StatusCode', 'int'], ['StatusCodeName', 'string'], ['EventType', 'int'], ['EventTypeName', 'string'], ['Payload', 'string'],
    ].map(([ColumnName, ColumnType]) => ({ ColumnName, ColumnType })),
    Rows: events.map((e) => [
      now, ids.clientRequestId, ids.activityId, ids.activityId, ids.activityId,
      e.level, e.level <= 2 ? 'Error' : 'Info', e.statusCode, e.statusName, 4, 'QueryInfo', e.payload,
    ]),
  });
}

export function dataSetCompletion(errors: OneApiError[]): string {
  return JSON.stringify({ FrameType: 'DataSetCompletion', HasErrors: errors.length > 0, Cancelled: false, ...(errors.length ? { OneApiErrors: errors } : {}) });
}
