"""Tests of gluelake.catalog: the registered partitions of a snapshot table, in the Glue Data Catalog (boto3 on
moto) and in Spark's catalog (the local Hive metastore), with the same expectations for both; and the storage
helpers the publication record uses (read_text/write_text) on S3 (moto) and local files."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
from _spark import spark  # noqa: F401 (fixture)
from moto import mock_aws

from gluelake import storage
from gluelake.catalog import GlueCatalog, PartitionCatalog, SparkCatalog, default_catalog
from gluelake.testing.s3 import fake_aws_environment
from _spark import customers_table

COLUMNS = [{"Name": "customer_id", "Type": "string"}, {"Name": "updated_at", "Type": "timestamp"}]
DESCRIPTOR = {
    "Columns": COLUMNS, "Location": "s3://lake-silver/customers/",
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                  "Parameters": {"serialization.format": "1"}},
}


@pytest.fixture
def glue() -> Iterator[Any]:
    """A Glue client on moto with the table silver.customers (partitioned by `snapshot`, no partition)."""
    with fake_aws_environment(), mock_aws():
        client = boto3.client("glue", region_name="eu-west-1")
        client.create_database(DatabaseInput={"Name": "silver"})
        client.create_table(DatabaseName="silver", TableInput={
            "Name": "customers", "TableType": "EXTERNAL_TABLE", "StorageDescriptor": DESCRIPTOR,
            "PartitionKeys": [{"Name": "snapshot", "Type": "string"}], "Parameters": {"classification": "parquet"}})
        yield client


_databases = iter(range(10**6))


@pytest.fixture
def spark_table(spark: Any, tmp_path: Path) -> Iterator[str]:
    """A database of its own with the table customers (partitioned by `snapshot`, no partition)."""
    database = f"catalog_tests_{next(_databases)}"
    spark.sql(f"CREATE DATABASE {database} LOCATION 'file://{tmp_path}/db'")
    spark.sql(f"CREATE EXTERNAL TABLE {database}.customers (customer_id string, updated_at timestamp) "
              f"PARTITIONED BY (snapshot string) STORED AS PARQUET LOCATION 'file://{tmp_path}/customers/'")
    yield database
    spark.sql(f"DROP DATABASE {database} CASCADE")


@pytest.fixture(params=["glue", "spark"])
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[PartitionCatalog, str]:
    """Each implementation, with the base of the locations it holds."""
    if request.param == "glue":
        return GlueCatalog("silver", "customers", client=request.getfixturevalue("glue")), "s3://lake-silver/customers/"
    database = request.getfixturevalue("spark_table")
    return SparkCatalog(request.getfixturevalue("spark"), database, "customers", "snapshot"), f"file:{tmp_path}/c/"


def plain(locations: dict[str, str]) -> dict[str, str]:
    """Locations without the trailing `/` (the Hive metastore drops it)."""
    return {value: location.rstrip("/") for value, location in locations.items()}


def test_publish_registers_then_moves_a_partition(catalog: tuple[PartitionCatalog, str]) -> None:
    partitions, base = catalog
    assert isinstance(partitions, PartitionCatalog)
    assert partitions.locations() == {}
    partitions.publish("2026-10", f"{base}snapshot=2026-10/run-a/")
    partitions.publish("2026-11", f"{base}snapshot=2026-11/run-a/")
    partitions.publish("2026-11", f"{base}snapshot=2026-11/run-b/")
    assert plain(partitions.locations()) == {"2026-10": f"{base}snapshot=2026-10/run-a",
                                             "2026-11": f"{base}snapshot=2026-11/run-b"}


def test_glue_partitions_get_the_table_s_storage_descriptor(glue: Any) -> None:
    GlueCatalog("silver", "customers", client=glue).publish("2026-11", "s3://lake-silver/customers/snapshot=2026-11/r/")
    partition = glue.get_partition(DatabaseName="silver", TableName="customers", PartitionValues=["2026-11"])["Partition"]
    descriptor = partition["StorageDescriptor"]
    assert descriptor["Location"] == "s3://lake-silver/customers/snapshot=2026-11/r/"
    assert (descriptor["Columns"], descriptor["SerdeInfo"], descriptor["InputFormat"]) == (
        COLUMNS, DESCRIPTOR["SerdeInfo"], DESCRIPTOR["InputFormat"])


class PagedGlue:
    """A Glue client whose GetPartitions answers in pages of 2 (Glue pages at most 1,000; moto does not page)."""

    def __init__(self, partitions: list[str]) -> None:
        self.partitions = partitions

    def get_paginator(self, name: str) -> Any:
        assert name == "get_partitions"
        partitions = self.partitions

        class Paginator:
            def paginate(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
                assert kwargs == {"DatabaseName": "silver", "TableName": "customers", "CatalogId": "111122223333"}
                for i in range(0, len(partitions), 2):
                    yield {"Partitions": [{"Values": [v], "StorageDescriptor": {"Location": f"s3://b/{v}/"}}
                                          for v in partitions[i:i + 2]]}
        return Paginator()


def test_glue_locations_of_all_pages_in_another_account() -> None:
    catalog = GlueCatalog("silver", "customers", client=PagedGlue(["a", "b", "c"]), catalog_id="111122223333")
    assert catalog.locations() == {"a": "s3://b/a/", "b": "s3://b/b/", "c": "s3://b/c/"}


def test_glue_refuses_a_table_with_two_partition_keys() -> None:
    catalog = GlueCatalog("silver", "customers", client=type("C", (), {"get_paginator": lambda self, name: type(
        "P", (), {"paginate": lambda self, **k: iter([{"Partitions": [{"Values": ["a", "b"]}]}])})()})())
    with pytest.raises(ValueError, match=r"has the partition \['a', 'b'\]; expected one partition key"):
        catalog.locations()


def test_spark_readers_see_the_published_folder_only(spark: Any, spark_table: str, tmp_path: Path) -> None:
    old, new = f"file://{tmp_path}/c/snapshot=2026-11/run-a/", f"file://{tmp_path}/c/snapshot=2026-11/run-b/"
    spark.createDataFrame([("c1", None)], "customer_id string, updated_at timestamp").write.parquet(old)
    spark.createDataFrame([("c2", None)], "customer_id string, updated_at timestamp").write.parquet(new)
    catalog = SparkCatalog(spark, spark_table, "customers", "snapshot")
    table = spark.table(f"{spark_table}.customers")
    assert table.collect() == []  # registered partitions only: none yet
    catalog.publish("2026-11", old)
    assert [r.customer_id for r in spark.table(f"{spark_table}.customers").collect()] == ["c1"]
    catalog.publish("2026-11", new)
    assert [(r.customer_id, r.snapshot) for r in spark.table(f"{spark_table}.customers").collect()] == [("c2", "2026-11")]


def test_spark_partition_values_are_quoted(spark: Any, spark_table: str, tmp_path: Path) -> None:
    catalog = SparkCatalog(spark, spark_table, "customers", "snapshot")
    catalog.publish("it's/odd", f"file://{tmp_path}/odd/")
    assert list(catalog.locations()) == ["it's/odd"]


def test_default_catalog_is_glue_on_s3_and_spark_elsewhere(spark: Any, glue: Any) -> None:
    assert isinstance(default_catalog(spark, customers_table("s3://lake-silver/customers/"), glue=glue), GlueCatalog)
    assert isinstance(default_catalog(spark, customers_table("file:///tmp/customers/")), SparkCatalog)


def test_text_files_on_s3_and_locally(tmp_path: Path) -> None:
    with fake_aws_environment(), mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(Bucket="lake-silver", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        uri = "s3://lake-silver/customers/_state/publications.json"
        assert storage.read_text(uri, s3=s3) is None
        storage.write_text(uri, "{\"a\": \"é\"}", s3=s3)
        assert storage.read_text(uri, s3=s3) == "{\"a\": \"é\"}"
    for uri in (f"file://{tmp_path}/a/b.json", f"file:{tmp_path}/c/d.json", f"{tmp_path}/e/f.json"):
        assert storage.read_text(uri) is None
        storage.write_text(uri, "one")
        storage.write_text(uri, "two")
        assert storage.read_text(uri) == "two"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b.json"]  # no partial file left
