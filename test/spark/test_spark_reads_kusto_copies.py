"""Kusto → Spark, judged by Spark: a table with every Kusto type and edge values (see
fixtures/kusto_to_spark.ts) copied by our engine in both read modes — stream (Parquet, CSV, JSON
lines) and export (.export into blob staging, downloaded) — and read by Spark. Expected values are
typed here from docs/type-mapping.md ("Kusto → files"), including the documented losses."""
import json

import pytest
from pyspark.sql import functions as F

FIXTURE = "test/spark/fixtures/kusto_to_spark.ts"

PARQUET_SCHEMA = [
    ("n", "int"), ("b", "boolean"), ("i", "int"), ("l", "bigint"), ("r", "double"), ("d", "decimal(38,18)"),
    ("s", "string"), ("t", "timestamp"), ("ts", "bigint"), ("g", "string"), ("dyn", "string"),
]

# Every value cast to a string by Spark (session time zone UTC), so edge datetimes need no Python
# conversion. Parquet: datetimes keep microseconds (the 7th digit is dropped), timespans are ticks,
# decimals are DECIMAL(38,18), dynamic is its JSON text.
PARQUET_ROWS = [
    ("1", "true", "2147483647", "9223372036854775807", "0.1", "1234567890.123456789012345678",
     'héllo, "wörld" 日本語 😀', "9999-12-31 23:59:59.999999", "-1728020020002",
     "123e27de-1e4e-49d9-b579-fe0b331d3642", '{"a":[1,{"b":null}],"c":"x"}'),
    ("2", "false", "-2147483648", "-9223372036854775807", "-1.5E300", "-0.000000000000000001", "",
     "0001-01-01 00:00:00", "0", "00000000-0000-0000-0000-000000000000", "[]"),
    ("3", None, None, None, None, None, "", None, None, None, None),
    ("4", "true", "0", "0", "3.141592653589793", "98765432109876543.210000000000000000", "line1\nline2",
     "2020-03-04 14:05:01.310996", "864000000001", "00000000-0000-0000-0000-000000000001",
     '{"nested":{"deep":[1.5,"x",true]}}'),
]

# CSV and JSON lines keep Kusto's own text: 7 fraction digits, timespan text, decimal as given.
TEXT_ROWS = {
    1: {"l": "9223372036854775807", "d": "1234567890.123456789012345678", "t": "9999-12-31T23:59:59.9999999Z",
        "ts": "-2.00:00:02.0020002", "s": 'héllo, "wörld" 日本語 😀'},
    2: {"l": "-9223372036854775807", "d": "-0.000000000000000001", "t": "0001-01-01T00:00:00Z", "ts": "00:00:00"},
    4: {"l": "0", "d": "98765432109876543.21", "t": "2020-03-04T14:05:01.3109965Z", "ts": "1.00:00:00.0000001",
        "s": "line1\nline2"},
}


@pytest.fixture(scope="module")
def copies(tmp_path_factory, node_script):
    out = tmp_path_factory.mktemp("kusto-to-spark")
    printed = node_script(FIXTURE, str(out), timeout=240)
    return json.loads(printed.strip().splitlines()[-1])["folders"]


def as_strings(df):
    return [tuple(r) for r in df.orderBy("n").select([F.col(c).cast("string") for c in df.columns]).collect()]


@pytest.mark.parametrize("mode", ["stream-parquet", "stream-parquet-spans", "export-parquet"])
def test_spark_reads_parquet_of_both_read_modes_with_the_documented_schema_and_values(spark, copies, mode):
    df = spark.read.parquet(copies[mode])
    schema, rows = PARQUET_SCHEMA, PARQUET_ROWS
    if mode == "stream-parquet-spans":  # copied without its timespan column (see kusto_to_spark.ts)
        ts = [name for name, _ in PARQUET_SCHEMA].index("ts")
        schema = [c for i, c in enumerate(PARQUET_SCHEMA) if i != ts]
        rows = [tuple(v for i, v in enumerate(r) if i != ts) for r in PARQUET_ROWS]
    assert df.dtypes == schema
    assert as_strings(df) == rows


def test_parquet_encoded_on_worker_threads_has_a_row_group_per_span_and_the_same_rows(spark, copies):
    import glob
    import pyarrow.parquet as pq

    def row_groups(mode):
        return sum(pq.ParquetFile(f).metadata.num_row_groups for f in glob.glob(copies[mode] + "/*.parquet"))

    assert row_groups("stream-parquet") == 1
    assert row_groups("stream-parquet-spans") >= 2
    # The spans copy leaves out the timespan column (see kusto_to_spark.ts): compare the others.
    single = spark.read.parquet(copies["stream-parquet"]).drop("ts")
    spans = spark.read.parquet(copies["stream-parquet-spans"])
    assert spans.columns == single.columns
    assert single.exceptAll(spans).count() == 0 and spans.exceptAll(single).count() == 0


def test_stream_and_export_give_spark_exactly_the_same_rows(spark, copies):
    streamed = spark.read.parquet(copies["stream-parquet"])
    exported = spark.read.parquet(copies["export-parquet"])
    assert streamed.schema == exported.schema
    assert streamed.exceptAll(exported).count() == 0 and exported.exceptAll(streamed).count() == 0
    assert exported.count() == 4


def test_parquet_keeps_long_max_and_microseconds_as_typed_values(spark, copies):
    df = spark.read.parquet(copies["stream-parquet"])
    row = df.where("n = 1").select("l", F.date_format("t", "yyyy-MM-dd HH:mm:ss.SSSSSS").alias("t"),
                                   "d").collect()[0]
    assert row.l == 9223372036854775807
    # The documented loss: Kusto's 100 ns tick (7th digit) does not fit Spark's microseconds.
    assert row.t == "9999-12-31 23:59:59.999999"
    assert str(row.d) == "1234567890.123456789012345678"  # a Python Decimal, all 28 digits


@pytest.mark.parametrize("mode", ["stream-parquet", "export-parquet"])
def test_dynamic_parses_with_from_json_in_both_modes(spark, copies, mode):
    df = spark.read.parquet(copies[mode])
    parsed = df.where("n = 1").select(F.from_json("dyn", "a array<string>, c string").alias("j")).collect()[0].j
    assert parsed.c == "x"
    assert parsed.a[0] == "1"
    deep = df.where("n = 4").select(F.from_json("dyn", "nested struct<deep: array<string>>").alias("j")).collect()[0].j
    assert deep.nested.deep == ["1.5", "x", "true"]


def test_timespan_ticks_convert_back_to_seconds_exactly(spark, copies):
    df = spark.read.parquet(copies["stream-parquet"])
    ticks = {r.n: r.ts for r in df.select("n", "ts").collect()}
    assert ticks[1] == -(2 * 86400 * 10_000_000 + 20_020_002)  # -2 days and 2.0020002 s
    assert ticks[4] == 86400 * 10_000_000 + 1


def test_spark_reads_the_csv_copy_with_kusto_text_intact(spark, copies):
    df = (spark.read.option("header", "true").option("escape", '"').option("multiLine", "true")
          .csv(copies["stream-csv"]))
    assert df.columns == ["n", "b", "i", "l", "r", "d", "s", "t", "ts", "g", "dyn"]
    rows = {int(r.n): r for r in df.collect()}
    for n, expected in TEXT_ROWS.items():
        for column, value in expected.items():
            assert rows[n][column] == value, (n, column)
    # The documented CSV caveat: Spark reads the empty string "" as null by default.
    assert rows[2].s is None
    assert rows[3].l is None
    assert spark.createDataFrame([(rows[1].dyn,)], "dyn string").select(
        F.from_json("dyn", "c string").alias("j")).collect()[0].j.c == "x"


def test_spark_reads_the_json_lines_copy_with_exact_long_decimal_text_and_dynamic(spark, copies):
    df = spark.read.json(copies["stream-json"])
    types = dict(df.dtypes)
    assert types["l"] == "bigint" and types["d"] == "string" and types["t"] == "string" and types["r"] == "double"
    rows = {r.n: r for r in df.collect()}
    assert rows[1].l == 9223372036854775807
    assert rows[2].l == -9223372036854775807
    for n, expected in TEXT_ROWS.items():
        for column in ("d", "t", "ts"):
            assert rows[n][column] == expected[column], (n, column)
    # dynamic is embedded JSON; values of different shapes come back as JSON text from_json parses.
    assert json.loads(rows[4].dyn) == {"nested": {"deep": [1.5, "x", True]}}
    assert json.loads(rows[2].dyn) == []
    assert rows[3].dyn is None
