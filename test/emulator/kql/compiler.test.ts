// The KQL compiler against DuckDB: each query is compiled, run on a 10-row table holding every
// Kusto type with nulls and edge values, and its rows compared, as v2 JSON text, with literals.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DuckDBConnection } from '@duckdb/node-api';
import { compileQuery } from './compiler';
import { catalog, openTestDb, runQuery, type QueryOutput } from './testTable';

let db: { connection: DuckDBConnection; close(): void };
before(async () => { db = await openTestDb(); });
after(() => db?.close());

const run = (query: string, parameters?: Record<string, string>): Promise<QueryOutput> => runQuery(db.connection, query, parameters);

async function rows(query: string, parameters?: Record<string, string>): Promise<string[]> {
  return (await run(query, parameters)).rows;
}

describe('sources', () => {
  test('a table reference returns every row with every type encoded as Kusto writes it', async () => {
    const out = await run('T | sort by id asc');
    assert.deepEqual(out.columns, ['id:long', 'i:int', 'r:real', 'dec:decimal', 's:string', 't:datetime', 'ts:timespan', 'g:guid', 'b:bool', 'd:dynamic']);
    assert.deepEqual(out.rows, [
      '[-9223372036854775807,-2147483648,0,"-1234567890123456789012345.678","gamma delta","0001-01-01T00:00:00Z","00:00:00",null,false,"not json"]',
      '[1,10,1.5,"1.50","alpha","2020-01-01T00:00:00Z","01:00:00","11111111-2222-3333-4444-555555555555",true,{"a":1,"tags":["x","y"]}]',
      '[2,20,-2.25,"79228162514264337593543950335","Beta","2020-01-01T06:30:00.1234567Z","-2.00:00:02.0020002","aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",false,{"a":{"b":[1,2,{"c":9223372036854775807}]}}]',
      '[5,null,null,null,"",null,null,null,null,null]',
      '[6,6,6,"6","x6","2020-01-02T00:00:00Z","1.00:00:00",null,true,{"a":6}]',
      '[7,7,7.5,"7","x7","2020-01-02T12:00:00Z","00:30:00",null,false,{"a":7}]',
      '[8,8,8.25,"8","x8","2020-01-03T00:00:00Z","00:00:01",null,true,{"a":8}]',
      '[9,9,9,"9","x9","2020-01-03T23:59:59Z","00:00:00.001",null,false,{"a":null}]',
      '[10,10,10,"10","x10","2020-01-04T00:00:00Z","-00:00:01",null,true,[]]',
      '[9223372036854775807,2147483647,1e+300,"0.0000000000000000000000000001","ünïcødé 😀","9999-12-31T23:59:59.9999999Z","10675199.02:48:05.4775807",null,true,[1,2,3]]',
    ]);
  });

  test('bracketed table names and an unknown table', async () => {
    assert.deepEqual(await rows("['T'] | count"), ['[10]']);
    assert.throws(() => compileQuery('t | count', catalog), { message: "Semantic error: SEM0100: Failed to resolve table or column expression named 't'", kqlCode: 'SEM0100' });
  });

  test('datatable with typed columns, negative numbers and nulls', async () => {
    const out = await run('datatable(a:long, b:string, c:real, d:datetime)[1, "x", 2, datetime(2020-01-01), -2, @"c:\\y", real(null), datetime(null)]');
    assert.deepEqual(out.columns, ['a:long', 'b:string', 'c:real', 'd:datetime']);
    assert.deepEqual(out.rows, ['[1,"x",2,"2020-01-01T00:00:00Z"]', '[-2,"c:\\\\y",null,null]']);
  });

  test('range over longs, datetimes and timespans, bounds included', async () => {
    assert.deepEqual(await rows('range x from 1 to 10 step 4'), ['[1]', '[5]', '[9]']);
    assert.deepEqual(await rows('range t from datetime(2020-01-01) to datetime(2020-01-01 02:00) step 1h'),
      ['["2020-01-01T00:00:00Z"]', '["2020-01-01T01:00:00Z"]', '["2020-01-01T02:00:00Z"]']);
    assert.deepEqual(await rows('range x from 0s to 1s step 500ms'), ['["00:00:00"]', '["00:00:00.5"]', '["00:00:01"]']);
  });

  test('print names unnamed columns print_N by position', async () => {
    const out = await run('print 1, x = 2.5, "a\\tb"');
    assert.deepEqual(out.columns, ['print_0:long', 'x:real', 'print_2:string']);
    assert.deepEqual(out.rows, ['[1,2.5,"a\\tb"]']);
  });

  test('scalar literals of every type', async () => {
    const out = await run('print int(7), long(-8), real(1.25), decimal(1.50), true, datetime(2020-03-04T14:05:01.3109965Z), time(1.02:03:04.5), 90s, 100ms, guid(AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE), dynamic({"k": [1, "two", null]}), dynamic(null), datetime(null), int(null)');
    assert.deepEqual(out.columns.map((c) => c.split(':')[1]), ['int', 'long', 'real', 'decimal', 'bool', 'datetime', 'timespan', 'timespan', 'timespan', 'guid', 'dynamic', 'dynamic', 'datetime', 'int']);
    assert.deepEqual(out.rows, ['[7,-8,1.25,"1.50",true,"2020-03-04T14:05:01.3109965Z","1.02:03:04.5","00:01:30","00:00:00.1","aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",{"k":[1,"two",null]},null,null,null]']);
  });
});

describe('operators', () => {
  test('take and limit return N rows and compile without ORDER BY (streamable)', async () => {
    assert.equal((await rows('T | take 3')).length, 3);
    assert.equal((await rows('T | limit 4')).length, 4);
    for (const q of ['T', 'T | take 5', 'T | where id > 1 | project s, id']) {
      assert.doesNotMatch(compileQuery(q, catalog).results[0].sql, /ORDER BY/i, q);
    }
  });

  test('where + project with computed columns', async () => {
    const out = await run('T | where id > 7 and id < 100 | project id, twice = i * 2, Column = s | sort by id asc');
    assert.deepEqual(out.columns, ['id:long', 'twice:long', 'Column:string']);
    assert.deepEqual(out.rows, ['[8,16,"x8"]', '[9,18,"x9"]', '[10,20,"x10"]']);
  });

  test('unnamed project expressions are Column1, Column2', async () => {
    const out = await run('T | where id == 6 | project id + 1, strcat(s, "!")');
    assert.deepEqual(out.columns, ['Column1:long', 'Column2:string']);
    assert.deepEqual(out.rows, ['[7,"x6!"]']);
  });

  test('extend appends and replaces columns; project-away and project-rename', async () => {
    const out = await run('T | where id == 1 | extend s = toupper(s), n = strlen(s) | project-away d, g, t*, dec | project-rename name = s');
    assert.deepEqual(out.columns, ['id:long', 'i:int', 'r:real', 'name:string', 'b:bool', 'n:long']);
    assert.deepEqual(out.rows, ['[1,10,1.5,"ALPHA",true,5]']);
  });

  test('count', async () => {
    const out = await run('T | count');
    assert.deepEqual(out.columns, ['Count:long']);
    assert.deepEqual(out.rows, ['[10]']);
    assert.deepEqual(await rows('Empty | count'), ['[0]']);
  });

  test('summarize count() and sum() by a bool, sorted with nulls first', async () => {
    const out = await run('T | summarize count(), total = sum(i) by b | sort by b asc');
    assert.deepEqual(out.columns, ['b:bool', 'count_:long', 'total:long']);
    assert.deepEqual(out.rows, ['[null,1,null]', '[false,4,-2147483612]', '[true,5,2147483681]']);
  });

  test('summarize by bin(datetime, 1d) names the key after its column', async () => {
    const out = await run('T | where t between (datetime(2020-01-01) .. datetime(2020-01-04)) | summarize c = count() by bin(t, 1d) | sort by t asc');
    assert.deepEqual(out.columns, ['t:datetime', 'c:long']);
    assert.deepEqual(out.rows, ['["2020-01-01T00:00:00Z",2]', '["2020-01-02T00:00:00Z",2]', '["2020-01-03T00:00:00Z",2]', '["2020-01-04T00:00:00Z",1]']);
  });

  test('aggregate names and types: count_, countif_, sum_i, avg_r, min_t, max_s, dcount_b', async () => {
    const out = await run('T | where id in (1, 2) | summarize count(), countif(b), sum(i), avg(r), min(t), max(s), dcount(b)');
    assert.deepEqual(out.columns, ['count_:long', 'countif_:long', 'sum_i:long', 'avg_r:real', 'min_t:datetime', 'max_s:string', 'dcount_b:long']);
    assert.deepEqual(out.rows, ['[2,1,30,-0.375,"2020-01-01T00:00:00Z","alpha",2]']);
  });

  test('make_list and bin over longs and timespans', async () => {
    assert.deepEqual(await rows('T | where id == 2 | summarize make_list(s), make_list(t)'), ['[["Beta"],["2020-01-01T06:30:00.1234567Z"]]']);
    assert.deepEqual(await rows('print bin(17, 5), bin(-3, 5), bin(time(1.02:03:04), 1h), bin(2.5, 1)'), ['[15,-5,"1.02:00:00",2]']);
  });

  test('summarize over an empty table without by gives one row', async () => {
    assert.deepEqual(await rows('Empty | summarize count(), sum(x)'), ['[0,null]']);
  });

  test('sort defaults to descending with nulls last; asc puts nulls first', async () => {
    assert.deepEqual(await rows('T | sort by i | take 2 | project id'), ['[9223372036854775807]', '[2]']);
    assert.deepEqual(await rows('T | order by i asc | take 2 | project id'), ['[5]', '[-9223372036854775807]']);
    assert.deepEqual(await rows('T | sort by i asc nulls last | take 1 | project id'), ['[-9223372036854775807]']);
  });

  test('top N by expression', async () => {
    assert.deepEqual(await rows('T | top 2 by r desc | project id'), ['[9223372036854775807]', '[10]']);
    assert.deepEqual(await rows('T | top 1 by t asc | project id'), ['[5]']);
  });

  test('distinct', async () => {
    assert.deepEqual(await rows('T | distinct b | count'), ['[3]']);
    assert.deepEqual(await rows('T | where id < 3 | distinct b, x = id > 0 | sort by b asc, x asc'), ['[false,false]', '[false,true]', '[true,true]']);
  });

  test('union fills missing columns with nulls; withsource names the table', async () => {
    const out = await run('union (T | where id == 1 | project id), (datatable(id:long, extra:string)[42, "e"]) | sort by id asc');
    assert.deepEqual(out.columns, ['id:long', 'extra:string']);
    assert.deepEqual(out.rows, ['[1,""]', '[42,"e"]']);
    const src = await run('union withsource=Src T, Empty | summarize n = count() by Src | sort by Src asc');
    assert.deepEqual(src.rows, ['["T",10]']);
    assert.deepEqual(await rows('T | union T | count'), ['[20]']);
  });

  test('join leftouter on $left.a == $right.b keeps unmatched left rows; right names get a suffix', async () => {
    const out = await run('T | where id < 3 | project id, s | join kind=leftouter (datatable(k:long, s:string)[1, "one", 1, "uno", 3, "three"]) on $left.id == $right.k | sort by id asc, s1 asc');
    assert.deepEqual(out.columns, ['id:long', 's:string', 'k:long', 's1:string']);
    assert.deepEqual(out.rows, [
      '[-9223372036854775807,"gamma delta",null,""]', '[1,"alpha",1,"one"]', '[1,"alpha",1,"uno"]', '[2,"Beta",null,""]',
    ]);
  });

  test('join kinds: innerunique (default) dedups the left side by key, inner does not', async () => {
    const left = 'datatable(k:long, v:string)[1, "a", 1, "b", 2, "c"]';
    const right = '(datatable(k:long, w:string)[1, "x", 1, "y"])';
    assert.deepEqual(await rows(`${left} | join ${right} on k | count`), ['[2]']);
    assert.deepEqual(await rows(`${left} | join kind=inner ${right} on k | count`), ['[4]']);
    assert.deepEqual(await rows(`${left} | join kind=leftanti ${right} on k`), ['[2,"c"]']);
  });

  test('getschema', async () => {
    const out = await run('T | project id, i, r, dec, s, t, ts, g, b, d | getschema');
    assert.deepEqual(out.columns, ['ColumnName:string', 'ColumnOrdinal:int', 'DataType:string', 'ColumnType:string']);
    assert.deepEqual(out.rows, [
      '["id",0,"System.Int64","long"]', '["i",1,"System.Int32","int"]', '["r",2,"System.Double","real"]',
      '["dec",3,"System.Data.SqlTypes.SqlDecimal","decimal"]', '["s",4,"System.String","string"]',
      '["t",5,"System.DateTime","datetime"]', '["ts",6,"System.TimeSpan","timespan"]', '["g",7,"System.Guid","guid"]',
      '["b",8,"System.SByte","bool"]', '["d",9,"System.Object","dynamic"]',
    ]);
  });

  test('evaluate estimate_rows_count() is answered through `special`, the estimate in column 1', async () => {
    const compiled = compileQuery('T | where id > 5 | evaluate estimate_rows_count()', catalog);
    assert.equal(compiled.special?.kind, 'estimateRowsCount');
    const inner = (await db.connection.runAndReadAll(`SELECT count(*) FROM (${compiled.special?.inner.sql})`)).getRows();
    assert.deepEqual(inner, [[6n]]);
    assert.deepEqual(await rows('T | where id > 5 | evaluate estimate_rows_count()'), ['[null,6]']);
  });
});

describe('statements', () => {
  test('set options, let scalars and tabular lets, several result sets', async () => {
    const compiled = compileQuery('set notruncation; set truncationmaxrecords = 5; let n = 2; let small = T | where id <= n; small | count; print x = n', catalog);
    assert.deepEqual(compiled.options, { notruncation: true, truncationmaxrecords: 5 });
    assert.equal(compiled.results.length, 2);
    const counts = await Promise.all(compiled.results.map(async (r) => (await db.connection.runAndReadAll(r.sql)).getRows()));
    assert.deepEqual(counts, [[[3n]], [[2n]]]);
  });

  test('declare query_parameters takes values from the request, else the default', async () => {
    const q = 'declare query_parameters(n:long, name:string = "alpha", since:datetime = datetime(2000-01-01)); T | where (id == n or s == name) and t > since | project id | sort by id asc';
    assert.deepEqual(await rows(q, { n: '2' }), ['[1]', '[2]']);
    assert.deepEqual(await rows(q, { n: '2', name: 'Beta' }), ['[2]']);
    assert.deepEqual(await rows(q, { n: '9', name: "'x9'", since: 'datetime(2020-01-03)' }), ['[9]']);
  });
});

describe('scalars', () => {
  test('datetime and timespan arithmetic', async () => {
    const out = await run('print a = datetime(2020-01-02) - datetime(2020-01-01 06:00), b = datetime(2020-01-01) + 1d + 2h + 30m + 10s + 100ms, c = 1d / 1h, d = 2h * 3, e = -(1d), f = now() - ago(1h)');
    assert.deepEqual(out.columns, ['a:timespan', 'b:datetime', 'c:real', 'd:timespan', 'e:timespan', 'f:timespan']);
    assert.deepEqual(out.rows, ['["18:00:00","2020-01-02T02:30:10.1Z",24,"06:00:00","-1.00:00:00","01:00:00"]']);
  });

  test('long and real arithmetic types; integer division truncates', async () => {
    const out = await run('print a = 7 / 2, b = -7 / 2, c = 7 % 3, d = 7 / 2.0, e = int(3) + int(4), f = 1 + 0.5');
    assert.deepEqual(out.columns, ['a:long', 'b:long', 'c:long', 'd:real', 'e:int', 'f:real']);
    assert.deepEqual(out.rows, ['[3,-3,1,3.5,7,1.5]']);
  });

  test('string operators: contains, has, startswith, endswith, =~, in, in~, !in, !contains', async () => {
    assert.deepEqual(await rows('T | where s contains "ET" | project s'), ['["Beta"]']);
    assert.deepEqual(await rows('T | where s contains_cs "ET" | count'), ['[0]']);
    assert.deepEqual(await rows('T | where s has "DELTA" | project s'), ['["gamma delta"]']);
    assert.deepEqual(await rows('T | where s has "elt" | count'), ['[0]']);
    assert.deepEqual(await rows('T | where s startswith "X" | count'), ['[5]']);
    assert.deepEqual(await rows('T | where s endswith "TA" | project s'), ['["Beta"]', '["gamma delta"]']);
    assert.deepEqual(await rows('T | where s =~ "BETA" | project id'), ['[2]']);
    assert.deepEqual(await rows('T | where s !~ "BETA" | count'), ['[9]']);
    assert.deepEqual(await rows('T | where s in ("alpha", "Beta") | count'), ['[2]']);
    assert.deepEqual(await rows('T | where s in~ ("ALPHA") | count'), ['[1]']);
    assert.deepEqual(await rows('T | where s !in ("alpha") | count'), ['[9]']);
    assert.deepEqual(await rows('T | where s !contains "x" | count'), ['[5]']);
    assert.deepEqual(await rows('T | where id in (1, 5, 6) and id !in (6) | project id | sort by id asc'), ['[1]', '[5]']);
  });

  test('nulls: isnull, isempty, isnotnull; comparisons with null are false', async () => {
    assert.deepEqual(await rows('T | where isnull(i) | project id'), ['[5]']);
    assert.deepEqual(await rows('T | where isempty(s) | project id'), ['[5]']);
    assert.deepEqual(await rows('T | where isnotnull(t) | count'), ['[9]']);
    assert.deepEqual(await rows('T | where i != 10 | count'), ['[7]']);
    assert.deepEqual(await rows('T | where not(b) | count'), ['[4]']);
  });

  test('between on numbers and datetimes', async () => {
    assert.deepEqual(await rows('T | where i between (6 .. 8) | count'), ['[3]']);
    assert.deepEqual(await rows('T | where t !between (datetime(2020-01-01) .. datetime(2020-01-03)) | count'), ['[4]']);
  });

  test('dynamic access: paths, indexes, long values kept exact', async () => {
    const out = await run('T | where id == 2 | project x = d.a.b[2].c, y = d["a"]["b"][0], z = tostring(d.a.b), n = array_length(d.a.b), m = d.a.nokey');
    assert.deepEqual(out.columns, ['x:dynamic', 'y:dynamic', 'z:string', 'n:long', 'm:dynamic']);
    assert.deepEqual(out.rows, ['[9223372036854775807,1,"[1,2,{\\"c\\":9223372036854775807}]",3,null]']);
    assert.deepEqual(await rows('T | where d.a == 7 | project id'), ['[7]']);
    assert.deepEqual(await rows('T | where tostring(d.tags[1]) == "y" | project id'), ['[1]']);
  });

  test('conversions', async () => {
    const out = await run('print a=tolong("42"), b=toint(2.9), c=todouble("1.5"), d=tostring(datetime(2020-03-04T14:05:01.3109965Z)), e=todatetime("2020-01-01"), f=totimespan("01:02:03"), g=tobool("true"), h=toguid("AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE"), i=todecimal("1.50"), j=tostring(123), k=parse_json(\'{"x": [1, 2]}\'), l=tostring(-1d), m=tolong("x")');
    assert.deepEqual(out.columns.map((c) => c.split(':')[1]), ['long', 'int', 'real', 'string', 'datetime', 'timespan', 'bool', 'guid', 'decimal', 'string', 'dynamic', 'string', 'long']);
    assert.deepEqual(out.rows, ['[42,2,1.5,"2020-03-04T14:05:01.3109965Z","2020-01-01T00:00:00Z","01:02:03",true,"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee","1.50","123",{"x":[1,2]},"-1.00:00:00",null]']);
    assert.deepEqual(await rows('T | where id == 2 | project tolong(dec), tostring(ts), tostring(b), tostring(g), tolong(t)'),
      ['[null,"-2.00:00:02.0020002","false","aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",637134570001234567]']);
  });

  test('iif, case, coalesce', async () => {
    const out = await run('T | where id in (1, 2, 5) | project id, a = iif(b, "yes", "no"), c = case(i > 15, "big", i > 5, "mid", "small"), e = coalesce(s, "none"), f = coalesce(i, 0) | sort by id asc');
    assert.deepEqual(out.rows, ['[1,"yes","mid","alpha",10]', '[2,"no","big","Beta",20]', '[5,"no","small","none",0]']);
  });

  test('string functions count UTF-16 code units as Kusto does', async () => {
    const out = await run('T | where i == 2147483647 | project a = strlen(s), b = substring(s, 0, 3), c = strcat(s, "-", i), d = toupper(s), e = tolower("ÄB")');
    assert.deepEqual(out.rows, ['[10,"ünï","ünïcødé 😀-2147483647","ÜNÏCØDÉ 😀","äb"]']);
  });

  test('datetime parts and start-of functions', async () => {
    const out = await run('print y = getyear(datetime(2020-03-04)), m = getmonth(datetime(2020-03-04)), w = dayofweek(datetime(2020-03-04)), s = startofmonth(datetime(2020-03-04 05:06)), k = startofweek(datetime(2020-03-04)), d = startofday(datetime(2020-03-04 05:06)), p = datetime_part("hour", datetime(2020-03-04 05:06))');
    assert.deepEqual(out.rows, ['[2020,3,"3.00:00:00","2020-03-01T00:00:00Z","2020-03-01T00:00:00Z","2020-03-04T00:00:00Z",5]']);
  });
});
