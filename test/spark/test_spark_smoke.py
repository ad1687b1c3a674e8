"""Proves the Spark harness itself works: Spark writes a partitioned Parquet folder and reads it back."""
import datetime
import decimal
import os

from pyspark.sql import Row


def test_spark_writes_and_reads_a_partitioned_parquet_folder(spark, tmp_path):
    rows = [
        Row(id=1, name="ä", amount=decimal.Decimal("1.50"), at=datetime.datetime(2024, 1, 2, 3, 4, 5, 123456), region="eu"),
        Row(id=2, name="", amount=None, at=None, region="us/west"),
        Row(id=9223372036854775807, name="z", amount=decimal.Decimal("-0.01"), at=datetime.datetime(1970, 1, 1), region="eu"),
    ]
    out = str(tmp_path / "out")
    spark.createDataFrame(rows, "id long, name string, amount decimal(10,2), at timestamp, region string") \
        .write.partitionBy("region").parquet(out)

    names = sorted(os.listdir(out))
    assert "_SUCCESS" in names
    assert "region=eu" in names
    assert "region=us%2Fwest" in names

    back = spark.read.parquet(out).orderBy("id").collect()
    assert [r.id for r in back] == [1, 2, 9223372036854775807]
    assert back[0].name == "ä"
    assert back[0].amount == decimal.Decimal("1.50")
    assert back[0].at == datetime.datetime(2024, 1, 2, 3, 4, 5, 123456)
    assert back[1].region == "us/west"
    assert back[1].amount is None
