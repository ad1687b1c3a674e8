import assert from 'node:assert/strict';
import { StringDecoder } from 'node:string_decoder';
import { describe, test } from 'node:test';
import { KustoError } from '../../../src/kusto/kustoError';
import { type V2Event, V2ResponseParser } from '../../../src/kusto/v2ResponseParser';

// A progressive, fragmented response as the service sends it: frames separated by ",\n".
const progressive = [
  '[{"FrameType":"DataSetHeader","IsProgressive":true,"Version":"v2.0","IsFragmented":true,"ErrorReportingPlacement":"EndOfTable"}',
  ',\n{"FrameType":"DataTable","TableId":0,"TableKind":"QueryProperties","TableName":"@ExtendedProperties","Columns":[{"ColumnName":"TableId","ColumnType":"int"},{"ColumnName":"Key","ColumnType":"string"},{"ColumnName":"Value","ColumnType":"dynamic"}],"Rows":[[1,"Visualization",{"Visualization":null,"Title":"[Rows]"}]]}',
  ',\n{"FrameType":"TableHeader","TableId":1,"TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":[{"ColumnName":"l","ColumnType":"long"},{"ColumnName":"r","ColumnType":"real"},{"ColumnName":"d","ColumnType":"decimal"},{"ColumnName":"t","ColumnType":"datetime"},{"ColumnName":"dyn","ColumnType":"dynamic"},{"ColumnName":"s","ColumnType":"string"},{"ColumnName":"b","ColumnType":"bool"},{"ColumnName":"i","ColumnType":"int"},{"ColumnName":"ts","ColumnType":"timespan"},{"ColumnName":"g","ColumnType":"guid"}]}',
  ',\n{"FrameType":"TableFragment","TableFragmentType":"DataAppend","TableId":1,"Rows":[' +
    '[9223372036854775807,"NaN","79228162514264337593543950335","0001-01-01T00:00:00.0000000Z",{"a":[1,{"b":"x\\"]}"}],"c":null},"line\\nbreak \\"q\\" \\\\ \\u00e9 \\ud83d\\ude00 ✓",true,2147483647,"-2.00:00:02.0020002","123e27de-1e4e-49d9-b579-fe0b331d3642"],\n' +
    '[-9223372036854775808,"-Infinity","-0.0000000000000000000000000001","9999-12-31T23:59:59.9999999Z","str\\"ing",null,false,-2147483648,"00:00:00","00000000-0000-0000-0000-000000000000"]]}',
  ',\n{"FrameType":"TableProgress","TableId":1,"TableProgress":50.0}',
  ',\n{"FrameType":"TableFragment","TableFragmentType":"DataAppend","TableId":1,"Rows":[[null,"Infinity",null,null,null,"",null,null,null,null],[0,0.5,"2.00000000000001","2020-03-04T14:05:01.3109965Z",[],"",true,0,"1.00:00:00","123e27de-1e4e-49d9-b579-fe0b331d3642"]]}',
  ',\n{"FrameType":"TableCompletion","TableId":1,"RowCount":4}',
  ',\n{"FrameType":"DataTable","TableId":2,"TableKind":"QueryCompletionInformation","TableName":"QueryCompletionInformation","Columns":[{"ColumnName":"Level","ColumnType":"int"},{"ColumnName":"LevelName","ColumnType":"string"},{"ColumnName":"Payload","ColumnType":"string"}],"Rows":[[4,"Info","{\\"Count\\":1}"]]}',
  ',\n{"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}\n]',
].join('');

const expectedRows = [
  [9223372036854775807n, NaN, '79228162514264337593543950335', '0001-01-01T00:00:00.0000000Z', '{"a":[1,{"b":"x\\"]}"}],"c":null}', 'line\nbreak "q" \\ é 😀 ✓', true, 2147483647, '-2.00:00:02.0020002', '123e27de-1e4e-49d9-b579-fe0b331d3642'],
  [-9223372036854775808n, -Infinity, '-0.0000000000000000000000000001', '9999-12-31T23:59:59.9999999Z', '"str\\"ing"', '', false, -2147483648, '00:00:00', '00000000-0000-0000-0000-000000000000'],
  [null, Infinity, null, null, null, '', null, null, null, null],
  [0, 0.5, '2.00000000000001', '2020-03-04T14:05:01.3109965Z', '[]', '', true, 0, '1.00:00:00', '123e27de-1e4e-49d9-b579-fe0b331d3642'],
];

// The same result without progressive mode: one DataTable holding all rows.
const whole =
  '[{"FrameType":"DataSetHeader","IsProgressive":false,"Version":"v2.0"},\n' +
  '{"FrameType":"DataTable","TableId":1,"TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":[{"ColumnName":"n","ColumnType":"long"},{"ColumnName":"s","ColumnType":"string"}],"Rows":[[1,"a,b"],[2,"[\\"]"],[3,"}"]]},\n' +
  '{"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}]';

function parseChunks(chunks: Buffer[], batchRows = 5000): V2Event[] {
  const parser = new V2ResponseParser(batchRows);
  const decoder = new StringDecoder('utf8');
  const events: V2Event[] = [];
  for (const chunk of chunks) events.push(...parser.push(decoder.write(chunk)));
  events.push(...parser.push(decoder.end()));
  events.push(...parser.end());
  return events;
}

function rowsOf(events: V2Event[]): unknown[][] {
  return events.flatMap((e) => (e.kind === 'rows' ? e.rows : []));
}

function splitAt(text: string, ...cuts: number[]): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const points = [0, ...cuts, bytes.length];
  return points.slice(1).map((end, i) => bytes.subarray(points[i], end));
}

describe('V2ResponseParser', () => {
  test('decodes every type exactly from a progressive response in one chunk', () => {
    const events = parseChunks([Buffer.from(progressive)]);
    const table = events.find((e) => e.kind === 'table');
    assert.deepEqual(table, {
      kind: 'table', tableId: 1, name: 'PrimaryResult',
      columns: [
        { name: 'l', type: 'long' }, { name: 'r', type: 'real' }, { name: 'd', type: 'decimal' }, { name: 't', type: 'datetime' }, { name: 'dyn', type: 'dynamic' },
        { name: 's', type: 'string' }, { name: 'b', type: 'bool' }, { name: 'i', type: 'int' }, { name: 'ts', type: 'timespan' }, { name: 'g', type: 'guid' },
      ],
    });
    assert.deepEqual(rowsOf(events), expectedRows);
    assert.deepEqual(events.map((e) => e.kind), ['table', 'rows', 'progress', 'rows', 'tableEnd', 'done']);
  });

  test('gives the same rows whatever byte the body is cut at (two chunks, every boundary)', () => {
    const length = Buffer.byteLength(progressive);
    for (let cut = 1; cut < length; cut++) {
      assert.deepEqual(rowsOf(parseChunks(splitAt(progressive, cut))), expectedRows, `cut at byte ${cut}`);
    }
  });

  test('gives the same rows when fed one byte at a time', () => {
    const bytes = Buffer.from(progressive);
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    assert.deepEqual(rowsOf(parseChunks(chunks)), expectedRows);
  });

  test('streams rows out of one whole DataTable frame in batches, at every cut', () => {
    const expected = [[1, 'a,b'], [2, '["]'], [3, '}']];
    const events = parseChunks([Buffer.from(whole)], 2);
    assert.deepEqual(events.filter((e) => e.kind === 'rows').map((e) => (e.kind === 'rows' ? e.rows.length : 0)), [2, 1]);
    for (let cut = 1; cut < whole.length; cut++) assert.deepEqual(rowsOf(parseChunks(splitAt(whole, cut), 2)), expected, `cut at ${cut}`);
  });

  test('throws a KustoError for a OneApiErrors row in the middle of a table', () => {
    const body =
      '[{"FrameType":"DataSetHeader","IsProgressive":false,"Version":"v2.0"},' +
      '{"FrameType":"DataTable","TableId":1,"TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":[{"ColumnName":"n","ColumnType":"long"}],"Rows":[[1],' +
      '{"OneApiErrors":[{"error":{"code":"LimitsExceeded","message":"Request is invalid and cannot be executed.","@type":"Kusto.Data.Exceptions.KustoServicePartialQueryFailureLimitsExceededException","@message":"Query execution has exceeded the allowed limits (80DA0003): The results of this query exceed the set limit of 1 records, so not all records were returned (E_QUERY_RESULT_SET_TOO_LARGE, 0x80DA0003).","@permanent":false}}]}]},' +
      '{"FrameType":"DataSetCompletion","HasErrors":true,"Cancelled":false}]';
    const parser = new V2ResponseParser();
    assert.throws(() => parser.push(body), (err: unknown) => {
      assert.ok(err instanceof KustoError);
      assert.equal(err.code, 'LimitsExceeded');
      assert.match(err.message, /E_QUERY_RESULT_SET_TOO_LARGE/);
      assert.match(err.message, /set notruncation;/);
      assert.match(err.message, /export read mode/);
      return true;
    });
  });

  test('throws for DataSetCompletion HasErrors with OneApiErrors', () => {
    const body =
      '[{"FrameType":"DataSetHeader","IsProgressive":true,"Version":"v2.0"},' +
      '{"FrameType":"DataSetCompletion","HasErrors":true,"Cancelled":false,"OneApiErrors":[{"error":{"code":"Internal","@message":"boom","@permanent":true}}]}]';
    assert.throws(() => new V2ResponseParser().push(body), (err: unknown) => err instanceof KustoError && err.message === 'boom' && err.permanent === true);
  });

  test('reports a body cut short as ResponseTruncated (retryable)', () => {
    const parser = new V2ResponseParser();
    parser.push(progressive.slice(0, 700));
    assert.throws(() => parser.end(), (err: unknown) => err instanceof KustoError && err.code === 'ResponseTruncated' && err.transient);
  });

  test('emits replace for a DataReplace fragment', () => {
    const body =
      '[{"FrameType":"DataSetHeader","IsProgressive":true,"Version":"v2.0"},' +
      '{"FrameType":"TableHeader","TableId":1,"TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":[{"ColumnName":"n","ColumnType":"long"}]},' +
      '{"FrameType":"TableFragment","TableFragmentType":"DataAppend","TableId":1,"Rows":[[1]]},' +
      '{"FrameType":"TableFragment","TableFragmentType":"DataReplace","TableId":1,"Rows":[[2],[3]]},' +
      '{"FrameType":"TableCompletion","TableId":1,"RowCount":2},' +
      '{"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}]';
    const events = parseChunks([Buffer.from(body)]);
    assert.deepEqual(events, [
      { kind: 'table', tableId: 1, name: 'PrimaryResult', columns: [{ name: 'n', type: 'long' }] },
      { kind: 'rows', tableId: 1, rows: [[1]] },
      { kind: 'replace', tableId: 1 },
      { kind: 'rows', tableId: 1, rows: [[2], [3]] },
      { kind: 'tableEnd', tableId: 1, rowCount: 2 },
      { kind: 'done', cancelled: false },
    ]);
  });
});
