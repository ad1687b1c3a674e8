"""Our file writers judged by readers we did not write: pyarrow and Spark read the Parquet, CSV and
JSON lines that test/spark/fixtures/write_all_types.ts writes (every Kusto type, nulls, unicode,
edge values) in Spark's folder layout, and the values are compared with literals typed here."""
import datetime
import os
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

UTC = datetime.timezone.utc
FIXTURE = "test/spark/fixtures/write_all_types.ts"
COLUMNS = ["b", "i", "l", "r", "d", "s", "t", "ts", "g", "dyn", "region"]

# The rows as the Parquet files must hold them: datetime as UTC microseconds (the 7th fraction digit
# of Kusto's 100 ns ticks is dropped), timespan as ticks (int64), decimal as DECIMAL(38,18).
PARQUET_ROWS = [
    (True, 2147483647, 9223372036854775807, 0.5, Decimal("12345678901234567890.123456789012345678"), 'héllo, "wörld"\nnext',
     datetime.datetime(1, 1, 1, tzinfo=UTC), -1728020020002, "123e27de-1e4e-49d9-b579-fe0b331d3642", '{"a":[1,{"b":null}],"c":"d"}', "eu"),
    (None, None, None, None, None, None, None, None, None, None, None),
    (False, -2147483648, -9223372036854775807, -1.25e-300, Decimal("-0.000000000000000001"), "",
     datetime.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), 9223372036854775807, "00000000-0000-0000-0000-000000000000", "[1,2,3]", "us/west"),
    (True, 0, 0, 3.141592653589793, Decimal("0"), "日本語 😀",
     datetime.datetime(2020, 3, 4, 14, 5, 1, 310996, tzinfo=UTC), 1, "abc", '"just a string"', "eu"),
    (False, 42, 9007199254740993, 123456.789, Decimal("99999999999999999999.999999999999999999"), " leading and trailing ",
     datetime.datetime(1970, 1, 1, tzinfo=UTC), 864000000000, "g", "{}", "a:b=c"),
    (True, -1, -1, -7.5, Decimal("-123.5"), "tab\there",
     datetime.datetime(2024, 2, 29, 12, 0, 0, 500000, tzinfo=UTC), -1, "last", '{"nested":{"deep":[true,false]}}', "eu"),
]

# unix_micros(t) of the same rows, as Spark computes it (Python cannot hold year 1 in local time).
MICROS = [-62135596800000000, None, 253402300799999999, 1583330701310996, 0, 1709208000500000]
# Timespans as the text formats carry them: Kusto's own text.
TIMESPAN_TEXT = ["-2.00:00:02.0020002", None, "10675199.02:48:05.4775807", "00:00:00.0000001", "1.00:00:00", "-00:00:00.0000001"]

SPARK_TEXT_SCHEMA = "b boolean, i int, l long, r double, d decimal(38,18), s string, t timestamp, ts string, g string, dyn string, region string"


@pytest.fixture(scope="module")
def written(tmp_path_factory, node_script):
    out = tmp_path_factory.mktemp("writers")
    node_script(FIXTURE, str(out))
    return out


def spark_rows(df):
    """Rows as tuples (t replaced by its unix micros), sorted by i with the all-null row last."""
    rows = df.selectExpr(*[c if c != "t" else "unix_micros(t) AS t" for c in COLUMNS]).collect()
    return sorted((tuple(r) for r in rows), key=lambda r: (r[1] is None, r[1]))


def expected_spark_rows(timespans, strings=None):
    rows = []
    for index, row in enumerate(PARQUET_ROWS):
        values = list(row)
        values[6] = MICROS[index]
        values[7] = timespans[index]
        if strings is not None:
            values[5] = strings[index]
        rows.append(tuple(values))
    return sorted(rows, key=lambda r: (r[1] is None, r[1]))


@pytest.mark.parametrize(
    "folder,codec,suffix",
    [("parquet-none", "UNCOMPRESSED", ".parquet"), ("parquet-snappy", "SNAPPY", ".snappy.parquet"), ("parquet-gzip", "GZIP", ".gz.parquet")],
)
def test_pyarrow_reads_every_kusto_type_from_parquet(written, folder, codec, suffix):
    path = written / folder
    assert sorted(os.listdir(path)) == ["_SUCCESS", "_kdm_output.json", f"part-00000-fixture-c000{suffix}", f"part-00001-fixture-c000{suffix}"]
    first = pq.ParquetFile(path / f"part-00000-fixture-c000{suffix}")
    assert first.metadata.num_rows == 4
    assert pq.ParquetFile(path / f"part-00001-fixture-c000{suffix}").metadata.num_rows == 2
    assert first.metadata.row_group(0).column(0).compression == codec

    parquet_schema = first.schema
    physical = [parquet_schema.column(k).physical_type for k in range(len(COLUMNS))]
    assert physical == ["BOOLEAN", "INT32", "INT64", "DOUBLE", "FIXED_LEN_BYTE_ARRAY", "BYTE_ARRAY", "INT64", "INT64", "BYTE_ARRAY", "BYTE_ARRAY", "BYTE_ARRAY"]
    logical = [str(parquet_schema.column(k).logical_type) for k in range(len(COLUMNS))]
    assert logical == ["None", "None", "None", "None", "Decimal(precision=38, scale=18)", "String",
                       "Timestamp(isAdjustedToUTC=true, timeUnit=microseconds, is_from_converted_type=false, force_set_converted_type=false)",
                       "None", "String", "String", "String"]
    assert [parquet_schema.column(k).converted_type for k in range(len(COLUMNS))] == [
        "NONE", "NONE", "NONE", "NONE", "DECIMAL", "UTF8", "TIMESTAMP_MICROS", "NONE", "UTF8", "UTF8", "UTF8"]

    table = pq.read_table(path)
    assert str(table.schema.field("t").type) == "timestamp[us, tz=UTC]"
    assert str(table.schema.field("d").type) == "decimal128(38, 18)"
    assert [tuple(r[c] for c in COLUMNS) for r in table.to_pylist()] == PARQUET_ROWS


def test_spark_reads_parquet_with_the_documented_types(spark, written):
    df = spark.read.parquet(str(written / "parquet-snappy"))
    assert df.schema.simpleString() == (
        "struct<b:boolean,i:int,l:bigint,r:double,d:decimal(38,18),s:string,t:timestamp,ts:bigint,g:string,dyn:string,region:string>")
    assert spark_rows(df) == expected_spark_rows([row[7] for row in PARQUET_ROWS])


@pytest.mark.parametrize("folder", ["csv", "csv-gzip"])
def test_spark_reads_csv_with_exact_values(spark, written, folder):
    names = sorted(os.listdir(written / folder))
    assert names == ["_SUCCESS", "_kdm_output.json", "part-00000-fixture-c000.csv" + (".gz" if folder.endswith("gzip") else "")]
    df = (spark.read.schema(SPARK_TEXT_SCHEMA)
          .option("header", "true").option("escape", '"').option("multiLine", "true")
          .csv(str(written / folder)))
    # Spark's CSV reader turns the quoted empty string "" into null (its default nullValue is "").
    strings = [row[5] for row in PARQUET_ROWS]
    strings[2] = None
    assert spark_rows(df) == expected_spark_rows(TIMESPAN_TEXT, strings)


@pytest.mark.parametrize("folder", ["json", "json-gzip"])
def test_spark_reads_json_lines_with_exact_values(spark, written, folder):
    df = spark.read.schema(SPARK_TEXT_SCHEMA).json(str(written / folder))
    rows = spark_rows(df)
    # dynamic is embedded as JSON: a dynamic that is a JSON string reads back as that string.
    expected = [tuple('just a string' if v == '"just a string"' else v for v in row) for row in expected_spark_rows(TIMESPAN_TEXT)]
    assert rows == expected


def test_json_lines_keep_long_beyond_2_53_and_dynamic_as_json(written):
    lines = (written / "json" / "part-00000-fixture-c000.json").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6
    assert '"l":9007199254740993' in lines[4]
    assert '"d":"99999999999999999999.999999999999999999"' in lines[4]
    assert '"dyn":{"a":[1,{"b":null}],"c":"d"}' in lines[0]


def test_spark_and_pyarrow_read_partition_columns_back_from_hive_folders(spark, written):
    path = written / "partitioned"
    assert sorted(os.listdir(path)) == ["_SUCCESS", "_kdm_output.json", "region=__HIVE_DEFAULT_PARTITION__", "region=a%3Ab%3Dc", "region=eu", "region=us%2Fwest"]
    one = pq.ParquetFile(path / "region=eu" / "part-00000-fixture-c000.snappy.parquet")
    assert one.schema_arrow.names == COLUMNS[:-1]
    assert one.metadata.num_rows == 3

    df = spark.read.parquet(str(path))
    assert sorted((r.i, r.region) for r in df.select("i", "region").collect() if r.i is not None) == [
        (-2147483648, "us/west"), (-1, "eu"), (0, "eu"), (42, "a:b=c"), (2147483647, "eu")]
    assert df.where("i IS NULL").select("region").collect()[0].region is None
    assert spark_rows(df) == expected_spark_rows([row[7] for row in PARQUET_ROWS])

    table = pq.read_table(path, partitioning="hive")
    assert sorted((r["i"], r["region"]) for r in table.to_pylist() if r["i"] is not None) == [
        (-2147483648, "us/west"), (-1, "eu"), (0, "eu"), (42, "a:b=c"), (2147483647, "eu")]


def test_many_row_groups_and_pages_read_back_exactly(spark, written):
    path = written / "many-row-groups" / "part-00000-fixture-c000.snappy.parquet"
    meta = pq.ParquetFile(path).metadata
    assert meta.num_rows == 300000
    assert [meta.row_group(k).num_rows for k in range(meta.num_row_groups)] == [70000, 70000, 70000, 70000, 20000]
    table = pq.read_table(path)
    assert table.column("id").to_pylist()[:3] == [0, 1, 2]
    assert table.column("label").to_pylist()[:9] == [None, "label-1", "label-2", "label-3", "label-4", "label-5", "label-6", None, "label-8"]
    assert table.column("flag").to_pylist()[:7] == [None, False, True, None, True, False, None]
    totals = spark.read.parquet(str(path.parent)).selectExpr(
        "count(*)", "sum(id)", "count(label)", "count(distinct label)", "sum(cast(flag AS int))", "count(flag)").collect()[0]
    assert tuple(totals) == (300000, 44999850000, 257142, 1000, 100000, 200000)


@pytest.mark.parametrize("name,length", [("random", 200000), ("text", None), ("repeated", 300000), ("empty", 0), ("tiny", 3)])
def test_snappy_blocks_decompress_with_pyarrow(written, name, length):
    raw = (written / "snappy" / f"{name}.raw").read_bytes()
    compressed = (written / "snappy" / f"{name}.snappy").read_bytes()
    if length is not None:
        assert len(raw) == length
    assert pa.decompress(compressed, decompressed_size=len(raw), codec="snappy").to_pybytes() == raw
    if name == "repeated":
        assert len(compressed) < 15000
    if name == "text":
        assert len(compressed) < len(raw) // 3
