"""Tests of gluelake.reprocess: identify the impacted partitions, rebuild one in place, on a local Spark
and real files (file:// in tmp_path)."""

from __future__ import annotations

import doctest
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from _spark import rows, spark  # noqa: F401 (fixture)

import gluelake.reprocess
from gluelake import storage
from gluelake.reprocess import RebuildResult, impacted_partitions, partition_location, rebuild_partition

SCHEMA = "order_id string, amount int"


def data_files(location: str) -> list[str]:
    return [f for f in storage.list_files(location) if storage.is_data_file(f, location)]


def write(spark: Any, location: str, data: list[tuple[Any, ...]]) -> None:
    spark.createDataFrame(data, SCHEMA).coalesce(1).write.mode("append").parquet(location)


# --- impacted_partitions / partition_location ---------------------------------------------------

def test_impacted_partitions(spark: Any) -> None:
    df = spark.createDataFrame(
        [("o1", 2026, 11), ("o2", 2026, 10), ("o3", 2026, 11), ("o4", 2025, 12), ("o5", None, 1)],
        "order_id string, year int, month int")
    assert impacted_partitions(df, ["year", "month"]) == [
        {"year": None, "month": 1}, {"year": 2025, "month": 12}, {"year": 2026, "month": 10},
        {"year": 2026, "month": 11}]
    assert impacted_partitions(df.limit(0), ["year"]) == []


@pytest.mark.parametrize(("columns", "message"), [
    ([], "impacted_partitions: received no partition column; expected at least one"),
    (["year", "day"], "impacted_partitions: received the partition column(s) day; expected columns of the "
                      "DataFrame (order_id, year, month)"),
])
def test_impacted_partitions_refuses_unknown_columns(spark: Any, columns: list[str], message: str) -> None:
    df = spark.createDataFrame([], "order_id string, year int, month int")
    with pytest.raises(ValueError) as raised:
        impacted_partitions(df, columns)
    assert str(raised.value) == message


def test_partition_location_names_folders_as_spark_does(spark: Any, tmp_path: Path) -> None:
    values = [("a/b:c", 1, date(2026, 11, 21), True), ("x=y?#%", 2, date(2026, 1, 1), False),
              ("q'uo\"te*[]{}^\\", 3, date(2026, 1, 2), True), ("", 4, date(2026, 1, 3), False),
              (None, 5, date(2026, 1, 4), True), ("plain text-é", 6, date(2026, 1, 5), False)]
    df = spark.createDataFrame([(f"o{i}", *v) for i, v in enumerate(values)],
                               "order_id string, source string, n int, day date, flag boolean")
    df.write.partitionBy("source", "n", "day", "flag").parquet(f"file://{tmp_path}/orders")
    written = {str(p.parent.relative_to(tmp_path / "orders")) + "/"
               for p in (tmp_path / "orders").rglob("*.parquet")}
    expected = {partition_location(f"file://{tmp_path}/orders", {"source": s, "n": n, "day": d, "flag": f})
                [len(f"file://{tmp_path}/orders/"):] for s, n, d, f in values}
    assert written == expected
    assert len(expected) == len(values)


def test_partition_location_needs_a_value() -> None:
    with pytest.raises(ValueError) as raised:
        partition_location("s3://lake/orders/", {})
    assert str(raised.value) == "partition_location: received no partition value; expected at least one column"


def test_doctests() -> None:
    result = doctest.testmod(gluelake.reprocess)
    assert result.attempted > 0
    assert result.failed == 0


# --- rebuild_partition -------------------------------------------------------------------------

def test_rebuild_from_the_partition_itself(spark: Any, tmp_path: Path) -> None:
    location = f"file://{tmp_path}/orders/day=2026-11-21/"
    write(spark, location, [("o1", 10), ("o2", 20)])
    write(spark, location, [("o3", 30)])
    (tmp_path / "orders" / "day=2026-11-21" / "_temporary").mkdir()
    (tmp_path / "orders" / "day=2026-11-21" / "_temporary" / "leftover").write_text("x")
    before = storage.list_files(location)
    old = data_files(location)
    corrections = spark.createDataFrame([("o2", 25), ("o4", 40)], SCHEMA)

    def build() -> Any:
        stored = spark.read.schema(SCHEMA).parquet(location)
        kept = stored.join(corrections, "order_id", "left_anti")
        return kept.unionByName(corrections)

    result = rebuild_partition(spark, location, build)
    markers = {f"{location}_SUCCESS", f"{location}._SUCCESS.crc"}
    assert result == RebuildResult(location=location, removed=len(set(before) - markers),
                                   written=len(data_files(location)))
    assert not set(old) & set(data_files(location))
    assert not (tmp_path / "orders" / "day=2026-11-21" / "_temporary" / "leftover").exists()
    assert rows(spark.read.parquet(location)) == [("o1", 10), ("o2", 25), ("o3", 30), ("o4", 40)]
    assert data_files(location)[0].endswith(".zstd.parquet")


def test_rebuild_of_a_new_partition_and_an_empty_one(spark: Any, tmp_path: Path) -> None:
    location = f"{tmp_path}/orders/day=2026-11-22"  # a plain path, without the trailing "/"
    result = rebuild_partition(spark, location, lambda: spark.createDataFrame([("o1", 1)], SCHEMA),
                               format="json", compression="gzip")
    assert result == RebuildResult(location=location + "/", removed=0, written=1)
    assert data_files(location)[0].endswith(".json.gz")

    result = rebuild_partition(spark, location, lambda: spark.createDataFrame([], SCHEMA), format="json",
                               compression=None)
    assert result.removed == 2  # the JSON file and its checksum
    assert spark.read.schema(SCHEMA).json(location).count() == 0


def test_a_file_read_by_build_after_the_listing_is_deleted(spark: Any, tmp_path: Path) -> None:
    location = f"file://{tmp_path}/orders/day=2026-11-21/"
    write(spark, location, [("o1", 10)])
    write(spark, f"file://{tmp_path}/elsewhere/", [("o9", 90)])
    late = Path(data_files(f"file://{tmp_path}/elsewhere/")[0][len("file://"):])

    def build() -> Any:  # another writer adds a file after the listing; build reads it
        shutil.copy(late, tmp_path / "orders" / "day=2026-11-21" / late.name)
        return spark.read.schema(SCHEMA).parquet(location)

    result = rebuild_partition(spark, location, build)
    assert result.removed == 3  # the listed data file, its checksum, the late file
    assert f"{location}{late.name}" not in storage.list_files(location)
    assert rows(spark.read.parquet(location)) == [("o1", 10), ("o9", 90)]


def test_a_file_appearing_after_the_listing_and_not_read_is_kept(spark: Any, tmp_path: Path) -> None:
    location = f"file://{tmp_path}/orders/day=2026-11-21/"
    write(spark, location, [("o1", 10)])
    write(spark, f"file://{tmp_path}/elsewhere/", [("o9", 90)])
    late = Path(data_files(f"file://{tmp_path}/elsewhere/")[0][len("file://"):])

    def build() -> Any:
        shutil.copy(late, tmp_path / "orders" / "day=2026-11-21" / late.name)
        return spark.createDataFrame([("o2", 20)], SCHEMA)

    result = rebuild_partition(spark, location, build)
    assert result.removed == 2
    assert f"{location}{late.name}" in storage.list_files(location)
    assert rows(spark.read.parquet(location)) == [("o2", 20), ("o9", 90)]


@pytest.mark.parametrize("location", ["s3://bucket/", "s3://bucket", "file:///", "file:/", "/"])
def test_rebuild_refuses_a_root(spark: Any, location: str) -> None:
    def build() -> Any:
        raise AssertionError("not called")

    with pytest.raises(ValueError) as raised:
        rebuild_partition(spark, location, build, s3=object())
    assert str(raised.value) == (f"rebuild_partition: received the location {location!r}; expected a partition "
                                 "folder, not the root of a bucket or file system")
