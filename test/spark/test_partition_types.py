"""Issue 23 item 4: partition folders keep their types as Spark has them. Spark writes a double
partition as `col=-1.0` and infers integers, doubles, dates and timestamps from folder names; our
writer writes what Spark writes (Spark reads it back as a double, not an integer), our reader infers
what Spark infers (Spark's own `col=-1.0` folders land as real, not string), and
`partitionTypes: "string"` keeps every partition value as text."""
import os

import pytest

from fixtures.interop_harness import Emulator

DB = "Partitions"


@pytest.fixture(scope="module")
def emulator():
    running = Emulator(DB)
    yield running
    running.stop()


def files_job(job_id, folder, table, emulator, **source):
    return {
        "version": 1, "id": job_id, "createdAt": "2026-01-01T00:00:00Z",
        "source": {"kind": "files", "location": {"kind": "local", "path": folder}, **source},
        "destination": {
            "kind": "kustoTable", "connection": {"clusterUrl": emulator.url, "database": DB}, "table": table,
            "mode": "queued", "tableCreation": "createIfNotExists", "statusPollIntervalMs": 50, "statusTimeoutMs": 60000,
        },
    }


def test_spark_partition_folders_land_typed_as_spark_infers_them_or_as_strings_when_asked(spark, emulator, tmp_path):
    folder = str(tmp_path / "spark-parts")
    rows = [(1, -1.0, 1e7, 7, "2024-01-31"), (2, 2.5, 2e7, 8, "2024-02-01"), (3, 0.0001, 1e7, 9, "2024-02-02")]
    (spark.createDataFrame(rows, "id long, score double, big double, n int, day string")
        .selectExpr("id", "score", "big", "n", "to_date(day) as day")
        .write.partitionBy("score", "big", "n", "day").parquet(folder))
    assert sorted(n for n in os.listdir(folder) if n.startswith("score=")) == ["score=-1.0", "score=1.0E-4", "score=2.5"]
    # Spark's own reading of its folders is the reference: "1.0E7" is a decimal to it (no fraction), "-1.0" a double.
    spark_types = dict(spark.read.parquet(folder).dtypes)
    assert (spark_types["score"], spark_types["big"], spark_types["n"], spark_types["day"]) == ("double", "decimal(8,0)", "int", "date")

    results = emulator.run_jobs([
        files_job("parts-typed", folder, "PartsTyped", emulator),
        files_job("parts-text", folder, "PartsText", emulator, partitionTypes="string"),
    ], str(tmp_path))
    for job_id, result in results.items():
        assert result["state"] == "succeeded", (job_id, result.get("error"))

    columns, landed = emulator.query("PartsTyped | order by id asc | project id, score, big, n, day")
    assert columns == [("id", "long"), ("score", "real"), ("big", "decimal"), ("n", "long"), ("day", "datetime")]
    assert [(r[0], float(r[1]), float(r[2]), r[3], r[4][:10]) for r in landed] == [(1, -1.0, 1e7, 7, "2024-01-31"), (2, 2.5, 2e7, 8, "2024-02-01"), (3, 0.0001, 1e7, 9, "2024-02-02")]

    columns, landed = emulator.query("PartsText | order by id asc | project id, score, big, n, day")
    assert columns == [("id", "long"), ("score", "string"), ("big", "string"), ("n", "string"), ("day", "string")]
    assert [tuple(r) for r in landed] == [(1, "-1.0", "1.0E7", "7", "2024-01-31"), (2, "2.5", "2.0E7", "8", "2024-02-01"), (3, "1.0E-4", "1.0E7", "9", "2024-02-02")]


def test_our_partition_folders_for_a_real_column_read_back_in_spark_as_doubles(spark, emulator, tmp_path):
    emulator.mgmt(".set-or-append RealParts <| datatable(id:long, score:real)[1, -1.0, 2, 2.5, 3, 0.0001]")
    out = str(tmp_path / "ours")
    spec = {
        "version": 1, "id": "real-parts-out", "createdAt": "2026-01-01T00:00:00Z",
        "source": {"kind": "kustoQuery", "connection": {"clusterUrl": emulator.url, "database": DB}, "query": "RealParts", "readMode": "stream"},
        "destination": {"kind": "files", "location": {"kind": "local", "path": out}, "format": "parquet", "layout": "sparkFolder", "partitionBy": ["score"]},
    }
    result = emulator.run_jobs([spec], str(tmp_path))["real-parts-out"]
    assert result["state"] == "succeeded", result.get("error")
    assert sorted(n for n in os.listdir(out) if n.startswith("score=")) == ["score=-1.0", "score=1.0E-4", "score=2.5"]  # as Spark names them
    df = spark.read.parquet(out)
    assert dict(df.dtypes)["score"] == "double"
    assert sorted((r.id, r.score) for r in df.collect()) == [(1, -1.0), (2, 2.5), (3, 0.0001)]
