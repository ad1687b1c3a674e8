"""Spark → Kusto, judged against Spark's own rows: Spark writes every Spark type (partitioned by a
date and by a string Spark escapes) as Parquet, CSV and JSON, plus a compacting Structured Streaming
sink with a stray uncommitted file; OUR ENGINE (src/engine/runner.ts → sink/runFilesToKusto.ts)
ingests each folder into the local Kusto emulator, creating the table from the schema it infers;
the rows read back from Kusto equal Spark's rows under docs/type-mapping.md ("Files → Kusto"),
value by value, and the documented losses are asserted exactly."""
import decimal
import os
import sys

import pytest
from pyspark.sql import functions as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
import spark_datasets as ds  # noqa: E402
from interop_harness import Emulator, base64_text, kusto_datetime, spark_datetime  # noqa: E402

DB = "SparkToKusto"

# Spark's text writers cut timestamps to milliseconds and escape CSV quotes with a backslash unless
# told otherwise; docs/type-mapping.md recommends these options (the defaults are tested below).
MICROS = {"timestampFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX", "timestampNTZFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"}
CSV_RFC4180 = {"header": "true", "escape": '"', **MICROS}

# The documented mapping, typed here: the Kusto column type the engine infers for each column.
PARQUET_TYPES = {
    "id": "int", "b": "bool", "y": "int", "sh": "int", "i": "int", "l": "long", "f": "real", "d": "real",
    "dec10": "decimal", "dec38": "decimal", "s": "string", "bin": "string", "dt": "datetime", "ts": "datetime",
    "tsntz": "datetime", "arr": "dynamic", "m": "dynamic", "st": "dynamic", "day": "datetime", "region": "string",
}
CSV_TYPES = {
    "id": "long", "b": "bool", "y": "long", "sh": "long", "i": "long", "l": "long", "f": "real", "d": "real",
    "dec10": "real", "dec38": "real", "s": "string", "dt": "datetime", "ts": "datetime", "day": "datetime",
    "region": "string",
}
JSON_TYPES = {
    "id": "long", "b": "bool", "y": "long", "sh": "long", "i": "long", "l": "long", "f": "real", "d": "real",
    "dec10": "real", "dec38": "real", "s": "string", "bin": "string", "dt": "datetime", "ts": "datetime",
    "tsntz": "datetime", "arr": "dynamic", "m": "dynamic", "st": "dynamic", "day": "datetime", "region": "string",
}
# A table made beforehand with exact types: CSV text then lands in decimal columns without a double in between.
CSV_TYPED_TABLE = (
    "id:long, b:bool, y:int, sh:int, i:int, l:long, f:real, d:real, dec10:decimal, dec38:decimal, s:string, "
    "dt:datetime, ts:datetime, day:datetime, region:string"
)
CSV_TYPED_TYPES = {**CSV_TYPES, "y": "int", "sh": "int", "i": "int", "dec10": "decimal", "dec38": "decimal"}


def kusto_decimal(value):
    """Kusto's decimal holds 28-29 significant digits: wider Spark decimals are rounded to 29."""
    context = decimal.Context(prec=29, rounding=decimal.ROUND_HALF_EVEN)
    return format(context.plus(value), "f")


def expected_value(kusto_type, value, column, fmt):
    """What Kusto should hold for one Spark value, by the Kusto type the column got."""
    if kusto_type == "string":
        # Kusto has no null string; binary arrives as base64 text (Spark's JSON writer and our Parquet mapping).
        return base64_text(value) if isinstance(value, (bytes, bytearray)) else ("" if value is None else value)
    if value is None:
        return None
    if kusto_type == "datetime":
        return spark_datetime(value)
    if kusto_type == "decimal":
        return kusto_decimal(value)
    if kusto_type == "real":
        return float(value)
    if kusto_type == "dynamic":
        if fmt == "json" and column == "st":
            # Spark's JSON writer leaves out null struct fields (ignoreNullFields defaults to true).
            return {k: v for k, v in value.items() if v is not None}
        return value
    return value


def actual_value(kusto_type, value):
    if value is None:
        return None
    if kusto_type == "datetime":
        return kusto_datetime(value)
    if kusto_type == "real":
        return float(value)
    return value


def mismatches(spark_rows, columns, rows, types, fmt):
    """Every (id, column, Spark's value as Kusto should hold it, Kusto's value) that differs."""
    assert [name for name, _ in columns] == list(types), columns
    assert dict(columns) == types
    by_id = {row[0]: dict(zip(types, row)) for row in rows}
    assert sorted(by_id) == sorted(r["id"] for r in spark_rows)
    found = []
    for spark_row in spark_rows:
        kusto_row = by_id[spark_row["id"]]
        for column, kusto_type in types.items():
            want = expected_value(kusto_type, spark_row[column], column, fmt)
            got = actual_value(kusto_type, kusto_row[column])
            if want != got:
                found.append((spark_row["id"], column, want, got))
    return found


def files_job(job_id, folder, table, emulator, **destination):
    return {
        "version": 1, "id": job_id, "createdAt": "2026-01-01T00:00:00Z",
        "source": {"kind": "files", "location": {"kind": "local", "path": folder}},
        "destination": {
            "kind": "kustoTable", "connection": {"clusterUrl": emulator.url, "database": DB}, "table": table,
            "mode": "queued", "tableCreation": "createIfNotExists", "statusPollIntervalMs": 50, "statusTimeoutMs": 60000,
            **destination,
        },
    }


@pytest.fixture(scope="module")
def emulator():
    running = Emulator(DB)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def spark_rows(spark):
    """The rows Spark wrote, as Spark holds them (structs as dicts). Timestamps are rendered by Spark
    itself (session time zone UTC): PySpark cannot turn 0001-01-01 into a local Python datetime."""
    df = ds.all_types_frame(spark)
    as_text = [
        F.date_format(c, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS").alias(c) if c in ("ts", "tsntz") else F.col(c) for c in df.columns
    ]
    return [row.asDict(recursive=True) for row in df.select(*as_text).collect()]


@pytest.fixture(scope="module")
def landed(spark, emulator, tmp_path_factory):
    """Spark writes each dataset; one runner process ingests them all; returns the JobResults and folders."""
    work = str(tmp_path_factory.mktemp("spark-to-kusto"))
    df = ds.all_types_frame(spark).coalesce(1)
    text = df.select(*ds.TEXT_COLUMNS)
    folders = {
        "parquet": ds.write_all_types(spark, os.path.join(work, "parquet"), "parquet"),
        "csv": os.path.join(work, "csv"),
        "csvDefault": os.path.join(work, "csv-default"),
        "json": os.path.join(work, "json"),
        "stream": ds.write_streaming_output(spark, work),
    }
    text.write.partitionBy("day", "region").options(**CSV_RFC4180).csv(folders["csv"])
    text.write.partitionBy("day", "region").option("header", "true").csv(folders["csvDefault"])
    df.write.partitionBy("day", "region").options(**MICROS).json(folders["json"])
    emulator.mgmt(f".create table CsvTyped ({CSV_TYPED_TABLE})")
    results = emulator.run_jobs([
        files_job("s2k-parquet", folders["parquet"], "FromParquet", emulator),
        files_job("s2k-csv", folders["csv"], "FromCsv", emulator),
        files_job("s2k-csv-default", folders["csvDefault"], "FromCsvDefault", emulator),
        files_job("s2k-json", folders["json"], "FromJson", emulator),
        files_job("s2k-csv-typed", folders["csv"], "CsvTyped", emulator, tableCreation="failIfNotExists"),
        files_job("s2k-stream", folders["stream"], "FromStream", emulator),
    ], work)
    for job_id, result in results.items():
        assert result["state"] == "succeeded", (job_id, result.get("error"))
    return {"results": results, "folders": folders}


def test_every_spark_type_in_parquet_lands_with_the_documented_kusto_type_and_spark_values(emulator, landed, spark_rows):
    assert len(landed["results"]["s2k-parquet"]["files"]) == 4  # one part per (day, region) partition
    columns, rows = emulator.query("FromParquet | order by id asc")
    assert mismatches(spark_rows, columns, rows, PARQUET_TYPES, "parquet") == []


def test_parquet_edge_values_arrive_exactly_and_the_documented_losses_are_exact(emulator, landed):
    _, rows = emulator.query(
        "FromParquet | order by id asc | project id, l, y, f, dec38, bin, dt, ts, tsntz, st, region")
    r1, r2, r3, r4 = rows
    assert (r1[1], r3[1]) == (9223372036854775807, -9223372036854775808)
    assert (r1[2], r3[2]) == (127, -128)  # byte widens to int
    assert r1[3] == decimal.Decimal("1.5")
    # decimal(38,18) → Kusto decimal keeps 29 significant digits: the last 9 fraction digits go.
    assert r1[4] == "12345678901234567890.123456789"
    assert r3[4] == "-0.000000000000000001"
    assert (r1[5], r3[5], r4[5]) == ("AAH/", "", "a3VzdG8=")  # binary → base64 text
    assert (kusto_datetime(r1[6]), kusto_datetime(r4[6])) == ("2024-02-29T00:00:00.0000000", "9999-12-31T00:00:00.0000000")
    # INT96 timestamps keep their microseconds; timestamp_ntz is taken as UTC wall-clock time.
    assert kusto_datetime(r1[7]) == "2024-01-02T03:04:05.1234560"
    assert kusto_datetime(r4[7]) == "9999-12-31T23:59:59.9999990"
    assert kusto_datetime(r3[7]) == "0001-01-01T00:00:00.0000000"
    assert kusto_datetime(r3[8]) == "9999-12-31T23:59:59.9999990"
    assert r3[9] == {"x": None, "y": None}
    assert [r[10] for r in rows] == ["eu/west", "", "a b:c=d%e", "eu/west"]  # escapes decoded, default partition → null


def test_csv_written_with_the_recommended_options_lands_typed_and_exact_to_spark_rows(emulator, landed, spark_rows):
    columns, rows = emulator.query("FromCsv | order by id asc")
    text_rows = [{c: r[c] for c in ds.TEXT_COLUMNS} for r in spark_rows]
    assert mismatches(text_rows, columns, rows, CSV_TYPES, "csv") == []
    _, [r1] = emulator.query("FromCsv | where id == 1 | project l, dec38, s, ts")
    assert r1[0] == 9223372036854775807
    # CSV carries no types: a decimal's text is inferred real, so Kusto keeps the nearest double.
    assert decimal.Decimal(float(r1[1])) == decimal.Decimal("12345678901234567168")
    assert r1[2] == 'héllo, "wörld"'
    assert kusto_datetime(r1[3]) == "2024-01-02T03:04:05.1234560"


def test_csv_into_a_table_with_decimal_columns_keeps_decimals_exact(emulator, landed, spark_rows):
    columns, rows = emulator.query("CsvTyped | order by id asc")
    text_rows = [{c: r[c] for c in ds.TEXT_COLUMNS} for r in spark_rows]
    assert mismatches(text_rows, columns, rows, CSV_TYPED_TYPES, "csv") == []
    assert [r[9] for r in rows] == ["12345678901234567890.123456789", None, "-0.000000000000000001", "0.000000000000000000"]


def test_csv_with_spark_default_options_loses_sub_millisecond_time_and_backslash_escaped_quotes(emulator, landed):
    _, [r1] = emulator.query("FromCsvDefault | where id == 1 | project s, ts, l")
    # Spark's default CSV escape is a backslash, not RFC 4180's doubled quote: Kusto (like Python's csv
    # module) reads `"héllo, \"wörld\""` as the text below. And its default timestampFormat has millis.
    assert r1[0] == 'héllo, \\wörld\\""'
    assert kusto_datetime(r1[1]) == "2024-01-02T03:04:05.1230000"
    assert r1[2] == 9223372036854775807


def test_json_lands_typed_from_number_text_long_max_exact_and_nested_values_dynamic(emulator, landed, spark_rows):
    columns, rows = emulator.query("FromJson | order by id asc")
    assert mismatches(spark_rows, columns, rows, JSON_TYPES, "json") == []
    _, [r1, r3] = emulator.query("FromJson | where id in (1, 3) | order by id asc | project l, dec38, bin, tsntz, arr, m")
    assert (r1[0], r3[0]) == (9223372036854775807, -9223372036854775808)
    assert decimal.Decimal(float(r1[1])) == decimal.Decimal("12345678901234567168")  # a JSON number with a fraction is real
    assert r1[2] == "AAH/"
    assert kusto_datetime(r3[3]) == "9999-12-31T23:59:59.9999990"
    assert (r1[4], r1[5]) == ([1, None, 3], {"a": 1})


def test_streaming_sink_lands_each_committed_row_once_and_never_the_stray_file(spark, emulator, landed):
    sink = landed["folders"]["stream"]
    assert os.path.exists(os.path.join(sink, "_spark_metadata", "9.compact"))
    stray = "part-99999-deadbeef-0000-0000-0000-000000000000-c000.snappy.parquet"
    assert os.path.exists(os.path.join(sink, stray))
    ingested = landed["results"]["s2k-stream"]["files"]
    assert len(ingested) == 12 and stray not in ingested
    _, [[count, distinct, low, high, total]] = emulator.query(
        "FromStream | summarize count(), dcount(id), min(id), max(id), sum(id)")
    assert (count, distinct, low, high, total) == (60, 60, 0, 59, 1770)
    # Spark reading its own sink (it honours _spark_metadata) sees the same rows.
    spark_ids = sorted(r.id for r in spark.read.parquet(sink).select("id").collect())
    _, kusto_ids = emulator.query("FromStream | order by id asc | project id")
    assert [r[0] for r in kusto_ids] == spark_ids == list(range(60))


def test_the_plan_lists_each_documented_parquet_loss_before_anything_moves(emulator, landed, tmp_path):
    spec = files_job("plan-parquet", landed["folders"]["parquet"], "NotCreated", emulator)
    plan = emulator.plan(spec, str(tmp_path))
    assert {c["name"]: c["type"] for c in plan["sourceColumns"]} == PARQUET_TYPES
    assert plan["table"]["action"] == "create" and plan["warnings"] == []
    assert [(c["column"], c["from"], c["to"], c.get("risk")) for c in plan["conversions"]] == [
        ("f", "FLOAT", "real", "a 32-bit float widens to 64 bits (values like 0.1 show float rounding)"),
        ("dec38", "FIXED_LEN_BYTE_ARRAY DECIMAL(38,18)", "decimal",
         "precision 38 exceeds Kusto decimal's 28-29 digits: digits beyond may be rounded"),
        ("bin", "BYTE_ARRAY", "string", "binary bytes are stored as base64 text"),
        ("dt", "INT32 DATE", "datetime", "a date becomes midnight UTC"),
        ("ts", "INT96", "datetime", "INT96 (Spark's default timestamp) is read as UTC, nanoseconds truncated to 100 ns ticks"),
        ("tsntz", "INT64 TIMESTAMP(MICROS,local)", "datetime", "a local (not UTC-adjusted) time is taken as UTC"),
        ("st", "GROUP", "dynamic", "a struct becomes a JSON object"),
        ("day", "partition folder name", "datetime", "a date without time zone is taken as UTC"),
    ]


def test_the_plan_types_csv_columns_from_the_files_with_values_without_conflict_warnings(emulator, landed, tmp_path):
    # The (day=2024-01-01, region=null) partition holds only the all-null row: its empty cells must not
    # turn every column into string (nor warn of a conflict).
    plan = emulator.plan(files_job("plan-csv", landed["folders"]["csv"], "NotCreated", emulator), str(tmp_path))
    assert {c["name"]: c["type"] for c in plan["sourceColumns"]} == CSV_TYPES
    assert plan["warnings"] == []
