"""Kusto → Spark across formats and read modes, judged by Spark: one Kusto table with every type and
edge value is copied by OUR ENGINE (src/engine/runner.ts) in stream mode to Parquet, CSV and JSON
lines and in export mode (.export → Azurite staging → download) to Parquet; Spark reads each copy
with the schema docs/type-mapping.md documents and gets the same values from every one of them.
(test_spark_reads_kusto_copies.py checks each copy's own bytes and types; this module checks that
the formats and modes agree, the exact places where they legitimately differ, and which read mode
each format gets.)"""
import json
import os
import sys

import pytest
from pyspark.sql import functions as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
from interop_harness import Emulator  # noqa: E402

DB = "KustoToSpark"

EDGES = """.set-or-append Edges <| datatable(n:int, b:bool, i:int, l:long, r:real, d:decimal, s:string, t:datetime, ts:timespan, g:guid, dyn:dynamic)[
  1, true, 2147483647, 9223372036854775807, 0.1, decimal(1234567890.123456789012345678), "héllo, \\"wörld\\" 日本語 😀", datetime(9999-12-31T23:59:59.9999999), timespan(-2.00:00:02.0020002), guid(123e27de-1e4e-49d9-b579-fe0b331d3642), dynamic({"a":[1,{"b":null}],"c":"x"}),
  2, false, -2147483648, -9223372036854775807, real(+inf), decimal(-0.000000000000000001), "", datetime(0001-01-01T00:00:00.0000000), timespan(00:00:00), guid(00000000-0000-0000-0000-000000000000), dynamic([]),
  3, bool(null), int(null), long(null), real(null), decimal(null), "", datetime(null), timespan(null), guid(null), dynamic(null),
  4, true, 0, 0, real(-inf), decimal(98765432109876543.21), "line1\\nline2", datetime(2020-03-04T14:05:01.3109965), timespan(1.00:00:00.0000001), guid(00000000-0000-0000-0000-000000000001), dynamic({"nested":{"deep":[1.5,"x",true]}}),
  5, false, 7, 42, real(nan), decimal(0.5), "a,b;c\\td", datetime(1970-01-01), timespan(12:34:56.7890123), guid(ffffffff-ffff-ffff-ffff-ffffffffffff), dynamic("just text")
]"""

# The documented schema a Spark user gives the text copies (docs/type-mapping.md, "Kusto → files").
TEXT_SCHEMA = ("n int, b boolean, i int, l bigint, r double, d decimal(38,18), s string, t timestamp, ts string, "
               "g string, dyn string")
CSV_OPTIONS = {"header": "true", "escape": '"', "multiLine": "true"}
COMPARED = ["n", "b", "i", "l", "r", "d", "s", "t", "g"]

# Timespan: ticks of 100 ns in Parquet (both read modes), Kusto's text in CSV and JSON lines.
TIMESPANS = {1: (-1728020020002, "-2.00:00:02.0020002"), 2: (0, "00:00:00"), 3: (None, None),
             4: (864000000001, "1.00:00:00.0000001"), 5: (452967890123, "12:34:56.7890123")}


def copy_job(job_id, emulator, out, fmt, read_mode, query="Edges | order by n asc", **source):
    return {
        "version": 1, "id": job_id, "createdAt": "2026-01-01T00:00:00Z",
        "source": {"kind": "kustoQuery", "connection": {"clusterUrl": emulator.url, "database": DB},
                   "query": query, "readMode": read_mode, "staging": emulator.staging(), **source},
        "destination": {"kind": "files", "location": {"kind": "local", "path": os.path.join(out, job_id)},
                        "format": fmt, "layout": "sparkFolder"},
        "options": {"exportPollMaxIntervalMs": 200, "estimateTimeoutMs": 5000},
    }


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("kusto-to-spark"))
    emulator = Emulator(DB)
    try:
        emulator.mgmt(EDGES)
        results = emulator.run_jobs([
            copy_job("stream-parquet", emulator, out, "parquet", "stream"),
            copy_job("stream-csv", emulator, out, "csv", "stream"),
            copy_job("stream-json", emulator, out, "json", "stream"),
            copy_job("export-parquet", emulator, out, "parquet", "export"),
            # Auto mode over the export threshold: Parquet is exported, CSV and JSON are streamed
            # (the export path writes Parquet only), so neither fails nor falls back silently.
            copy_job("auto-parquet", emulator, out, "parquet", "auto", exportThresholdRows=1),
            copy_job("auto-csv", emulator, out, "csv", "auto", exportThresholdRows=1),
            copy_job("auto-json", emulator, out, "json", "auto", exportThresholdRows=1),
            copy_job("export-csv", emulator, out, "csv", "export"),
            copy_job("export-json", emulator, out, "json", "export"),
            copy_job("empty-stream", emulator, out, "parquet", "stream", query="Edges | where n < 0"),
            copy_job("empty-export", emulator, out, "parquet", "export", query="Edges | where n < 0"),
        ], out)
    finally:
        emulator.stop()
    return {"results": results, "folder": lambda job_id: os.path.join(out, job_id)}


def read_copy(spark, copies, job_id):
    folder = copies["folder"](job_id)
    if job_id.endswith("csv"):
        return spark.read.schema(TEXT_SCHEMA).options(**CSV_OPTIONS).csv(folder)
    if job_id.endswith("json"):
        return spark.read.schema(TEXT_SCHEMA).json(folder)
    return spark.read.parquet(folder)


def comparable(df):
    # Spark's CSV reader reads "" as null (documented): compare Kusto's empty strings as such.
    return df.select(*[F.coalesce(F.col("s"), F.lit("")).alias("s") if c == "s" else F.col(c) for c in COMPARED])


def test_each_format_and_read_mode_gets_the_read_mode_it_asked_for(copies):
    modes = {job_id: (r["state"], r.get("readMode")) for job_id, r in copies["results"].items()}
    assert modes == {
        "stream-parquet": ("succeeded", "stream"), "stream-csv": ("succeeded", "stream"),
        "stream-json": ("succeeded", "stream"), "export-parquet": ("succeeded", "export"),
        "auto-parquet": ("succeeded", "export"), "auto-csv": ("succeeded", "stream"),
        "auto-json": ("succeeded", "stream"), "export-csv": ("refused", None), "export-json": ("refused", None),
        "empty-stream": ("succeeded", "stream"), "empty-export": ("succeeded", "export"),
    }
    for job_id in ("export-csv", "export-json"):
        assert copies["results"][job_id]["error"] == (
            'Invalid job spec:\n  - destination.format: must be "parquet" for readMode "export"')


@pytest.mark.parametrize("job_id", ["export-parquet", "auto-parquet", "stream-csv", "stream-json", "auto-csv", "auto-json"])
def test_spark_gets_exactly_the_stream_parquet_values_from_every_other_copy(spark, copies, job_id):
    reference = comparable(read_copy(spark, copies, "stream-parquet"))
    other = comparable(read_copy(spark, copies, job_id))
    assert other.schema == reference.schema
    assert other.count() == reference.count() == 5
    assert other.exceptAll(reference).count() == 0 and reference.exceptAll(other).count() == 0


@pytest.mark.parametrize("job_id", ["stream-parquet", "export-parquet", "stream-csv", "stream-json"])
def test_edge_values_typed_by_spark(spark, copies, job_id):
    df = read_copy(spark, copies, job_id)
    rows = {r.n: r for r in df.select(
        "n", "i", "l", "r", "d", F.date_format("t", "yyyy-MM-dd HH:mm:ss.SSSSSS").alias("t"), "g").collect()}
    assert (rows[1].i, rows[2].i) == (2147483647, -2147483648)
    assert (rows[1].l, rows[2].l) == (9223372036854775807, -9223372036854775807)
    assert str(rows[1].d) == "1234567890.123456789012345678" and str(rows[4].d) == "98765432109876543.210000000000000000"
    assert (rows[2].r, rows[4].r) == (float("inf"), float("-inf")) and rows[5].r != rows[5].r  # NaN
    # Datetimes to the microsecond; Kusto's 7th digit (100 ns) is truncated, in every format.
    assert [rows[n].t for n in (1, 2, 3, 4, 5)] == [
        "9999-12-31 23:59:59.999999", "0001-01-01 00:00:00.000000", None, "2020-03-04 14:05:01.310996",
        "1970-01-01 00:00:00.000000"]
    assert rows[5].g == "ffffffff-ffff-ffff-ffff-ffffffffffff" and rows[3].g is None


@pytest.mark.parametrize("job_id", ["stream-parquet", "export-parquet", "stream-csv", "stream-json"])
def test_dynamic_parses_with_from_json_from_every_copy(spark, copies, job_id):
    parsed = {r.n: r.j for r in read_copy(spark, copies, job_id).select(
        "n", F.from_json("dyn", "a array<string>, c string, nested struct<deep: array<string>>").alias("j")).collect()}
    assert parsed[1].c == "x" and parsed[1].a == ["1", '{"b":null}']
    assert parsed[4].nested.deep == ["1.5", "x", "true"]
    assert parsed[3] is None
    texts = {r.n: r.dyn for r in read_copy(spark, copies, job_id).select("n", "dyn").collect()}
    assert json.loads(texts[2]) == []
    # A dynamic holding a bare string: Parquet and CSV carry its JSON text; JSON lines embed the value,
    # so Spark's `string` field gets the string itself (documented in docs/type-mapping.md).
    assert texts[5] == ("just text" if job_id == "stream-json" else '"just text"')


def test_timespan_is_ticks_in_parquet_of_both_modes_and_kusto_text_in_csv_and_json(spark, copies):
    for job_id in ("stream-parquet", "export-parquet"):
        df = read_copy(spark, copies, job_id)
        assert dict(df.dtypes)["ts"] == "bigint"
        assert {r.n: r.ts for r in df.select("n", "ts").collect()} == {n: ticks for n, (ticks, _) in TIMESPANS.items()}
    for job_id in ("stream-csv", "stream-json"):
        df = read_copy(spark, copies, job_id)
        assert {r.n: r.ts for r in df.select("n", "ts").collect()} == {n: text for n, (_, text) in TIMESPANS.items()}


def test_an_empty_result_gives_spark_the_same_schema_and_no_rows_in_both_modes(spark, copies):
    for job_id in ("empty-stream", "empty-export"):
        assert copies["results"][job_id]["state"] == "succeeded"
        df = read_copy(spark, copies, job_id)
        assert df.dtypes == [
            ("n", "int"), ("b", "boolean"), ("i", "int"), ("l", "bigint"), ("r", "double"), ("d", "decimal(38,18)"),
            ("s", "string"), ("t", "timestamp"), ("ts", "bigint"), ("g", "string"), ("dyn", "string")], job_id
        assert df.count() == 0
