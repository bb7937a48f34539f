"""Tests of gluelake.snapshot: loads of a snapshot table on a local Spark, on real files (file:// in tmp_path),
with partitions registered in the session's Hive metastore (`SparkCatalog`) and the merge SQL the runtime builds
for the customers table (the text the constructs generate, test_merge_sql.py checks it). Readers are checked
through the catalog (`spark.table`), as Athena and Glue jobs read the table."""

from __future__ import annotations

import doctest
import json
import logging
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence

import pytest
from _spark import CUSTOMER_COLUMNS, customers_table, rows, spark, ts, write_parquet  # noqa: F401 (fixture)

import gluelake.snapshot
from gluelake import storage
from gluelake.catalog import SparkCatalog
from gluelake.snapshot import (LegacyLayoutError, MergeResult, PublishedPeriod, load_change_events, merge_snapshot,
                               migrate_legacy_periods, read_partition, table_columns, type_change_events)

UTC = timezone.utc
NOV = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)  # a run in November 2026: current 2026-11, previous 2026-10
CUSTOMERS = [c for c, _ in CUSTOMER_COLUMNS]


def write_events(folder: Path, events: Sequence[dict[str, Any]], name: str = "events.json") -> str:
    """Writes change events as JSON lines; returns the folder's file:// URI."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return f"file://{folder}/"


def data_files(location: str) -> list[str]:
    return [f for f in storage.list_files(location) if storage.is_data_file(f, location)]


def snapshot(spark: Any, location: str) -> list[tuple[Any, ...]]:
    return rows(spark.read.parquet(location), CUSTOMERS)


def run(spark: Any, tmp_path: Path, events: Sequence[dict[str, Any]], at: datetime = NOV, **kwargs: Any) -> MergeResult:
    table = kwargs.pop("table", None) or customers_table(f"file://{tmp_path}/customers/")
    incoming = load_change_events(spark, write_events(tmp_path / "bronze", events), CUSTOMER_COLUMNS)
    return merge_snapshot(spark, table, incoming, at=at, columns=CUSTOMER_COLUMNS, **kwargs)


def event(key: str, email: str, updated: str, country: str = "FR", **extra: Any) -> dict[str, Any]:
    return {"customer_id": key, "email": email, "country": country, "updated_at": updated, **extra}


# --- load_change_events ------------------------------------------------------------------------

def test_events_are_typed_and_carry_the_delete_flag(spark: Any, tmp_path: Path) -> None:
    write_events(tmp_path / "bronze" / "2026" / "11", [
        {"customer_id": 42, "email": "a@x", "country": "FR", "updated_at": "2026-11-03T10:00:00Z"},
        {"customer_id": "c2", "email": "b@x", "updated_at": "2026-11-03T10:00:00+02:00", "deleted": True},
        {"customer_id": "c3", "updated_at": "not a date", "deleted": None},
        {"customer_id": "c4", "updated_at": "2026-11-04 08:00:00", "deleted": False, "unknown": 1},
    ])
    df = load_change_events(spark, f"file://{tmp_path}/bronze/", CUSTOMER_COLUMNS)
    assert [(f.name, f.dataType.simpleString()) for f in df.schema.fields] == [*CUSTOMER_COLUMNS,
                                                                            ("_deleted", "boolean")]
    assert rows(df) == [
        ("42", "a@x", "FR", ts("2026-11-03 10:00:00"), False),
        ("c2", "b@x", None, ts("2026-11-03 08:00:00"), True),
        ("c3", None, None, None, False),
        ("c4", None, None, ts("2026-11-04 08:00:00"), False),
    ]


def test_events_complex_columns_keep_their_type(spark: Any, tmp_path: Path) -> None:
    columns = [("id", "int"), ("tags", "array<string>"), ("address", "struct<city:string,zip:string>")]
    write_events(tmp_path / "bronze", [{"id": "7", "tags": ["a", "b"], "address": {"city": "Lyon", "zip": "69001"},
                                        "deleted": "true"}])
    df = load_change_events(spark, str(tmp_path / "bronze"), columns)
    assert df.schema.simpleString() == "struct<id:int,tags:array<string>,address:struct<city:string,zip:string>," \
                                       "_deleted:boolean>"
    assert [tuple(r) for r in df.collect()] == [(7, ["a", "b"], ("Lyon", "69001"), True)]


def test_events_without_data_files_are_an_empty_frame(spark: Any, tmp_path: Path) -> None:
    (tmp_path / "bronze").mkdir()
    (tmp_path / "bronze" / "_SUCCESS").write_text("")
    for path in (f"file://{tmp_path}/bronze/", f"file://{tmp_path}/missing/"):
        df = load_change_events(spark, path, CUSTOMER_COLUMNS)
        assert df.columns == [*CUSTOMERS, "_deleted"]
        assert df.isEmpty()


@pytest.mark.parametrize(("columns", "kwargs", "message"), [
    ([("id", "string"), ("deleted", "boolean")], {},
     "load_change_events: received a table column named 'deleted'; expected no column named like the delete flag "
     "of the events ('deleted') or '_deleted'"),
    ([("id", "string"), ("removed", "boolean")], {"deleted_field": "removed"},
     "load_change_events: received a table column named 'removed'; expected no column named like the delete flag "
     "of the events ('removed') or '_deleted'"),
    ([("id", "string"), ("_deleted", "boolean")], {},
     "load_change_events: received a table column named '_deleted'; expected no column named like the delete flag "
     "of the events ('deleted') or '_deleted'"),
])
def test_events_refuse_a_column_named_like_the_delete_flag(spark: Any, tmp_path: Path, columns: Any, kwargs: Any,
                                                           message: str) -> None:
    with pytest.raises(ValueError) as raised:
        load_change_events(spark, str(tmp_path), columns, **kwargs)
    assert str(raised.value) == message


def test_events_custom_delete_field(spark: Any, tmp_path: Path) -> None:
    write_events(tmp_path / "bronze", [event("c1", "a@x", "2026-11-01T00:00:00Z", removed=True)])
    df = load_change_events(spark, str(tmp_path / "bronze"), CUSTOMER_COLUMNS, deleted_field="removed")
    assert rows(df, ["customer_id", "_deleted"]) == [("c1", True)]


def test_type_change_events_of_a_frame_read_otherwise(spark: Any) -> None:
    raw = spark.createDataFrame([("7", "a@x", "2026-11-03T10:00:00Z", "true", 1), (None, None, "x", None, 2)],
                                "customer_id string, email string, updated_at string, deleted string, extra int")
    df = type_change_events(raw, CUSTOMER_COLUMNS)
    assert df.columns == [*CUSTOMERS, "_deleted"]
    assert rows(df) == [("7", "a@x", None, ts("2026-11-03 10:00:00"), True), (None, None, None, None, False)]
    nothing = type_change_events(spark.createDataFrame([], "struct<>"), CUSTOMER_COLUMNS)
    assert nothing.columns == [*CUSTOMERS, "_deleted"] and nothing.isEmpty()
    with pytest.raises(ValueError, match="type_change_events: received a table column named '_deleted'"):
        type_change_events(raw, [("_deleted", "boolean")])


# --- merge_snapshot ----------------------------------------------------------------------------

_tables = iter(range(10**6))


@pytest.fixture
def table(spark: Any, tmp_path: Path) -> Iterator[Any]:
    """A customers table in the metastore (a database of its own), no partition registered; its binding."""
    database = f"snapshot_tests_{next(_tables)}"
    path = f"file://{tmp_path}/customers/"
    spark.sql(f"CREATE DATABASE {database} LOCATION 'file://{tmp_path}/db'")
    spark.sql(f"CREATE EXTERNAL TABLE {database}.customers (customer_id string, email string, country string, "
              f"updated_at timestamp) PARTITIONED BY (snapshot string) STORED AS PARQUET LOCATION '{path}'")
    yield customers_table(path, database=database)
    spark.sql(f"DROP DATABASE {database} CASCADE")


def load(spark: Any, table: Any, events: Sequence[dict[str, Any]], at: datetime = NOV, **kwargs: Any) -> MergeResult:
    raw = spark.createDataFrame([{**e, "deleted": bool(e.get("deleted"))} for e in events],
                                "customer_id string, email string, country string, updated_at string, deleted boolean")
    return merge_snapshot(spark, table, type_change_events(raw, CUSTOMER_COLUMNS), at=at, columns=CUSTOMER_COLUMNS,
                          **kwargs)


def seen(spark: Any, table: Any, partition: str | None = None) -> list[tuple[Any, ...]]:
    """What a reader through the catalog sees: every registered partition, or one."""
    spark.catalog.refreshTable(f"{table.database}.customers")
    df = spark.table(f"{table.database}.customers")
    if partition is not None:
        df = df.where(df.snapshot == partition)
    return rows(df, [*CUSTOMERS, "snapshot"])


def folders(location: str) -> list[str]:
    """The run folders with files under a period's folder (or its state folder)."""
    return sorted({f[len(location):].split("/")[0] for f in storage.list_files(location)})


def registered(spark: Any, table: Any) -> dict[str, str]:
    return SparkCatalog(spark, table.database, "customers", "snapshot").locations()


def test_a_first_load_is_published_as_a_registered_run_folder(spark: Any, table: Any) -> None:
    result = load(spark, table, [event("c1", "a@x", "2026-11-01T10:00:00Z"), event("c2", "b@x", "2026-11-02T10:00:00Z")],
                  run_id="first")
    folder = f"{table.path}snapshot=2026-11/run-20261121T093000Z-first/"
    assert result == MergeResult("2026-11", (PublishedPeriod("2026-11", None, folder, False),), removed=0, rejected=0)
    assert result.written and result.location == folder
    assert {k: v.rstrip("/").replace("file:/", "file:///", 1) if not v.startswith("file:///") else v.rstrip("/")
            for k, v in registered(spark, table).items()} == {"2026-11": folder.rstrip("/")}
    assert seen(spark, table) == [("c1", "a@x", "FR", ts("2026-11-01 10:00:00"), "2026-11"),
                                  ("c2", "b@x", "FR", ts("2026-11-02 10:00:00"), "2026-11")]
    assert rows(read_partition(spark, table, "2026-11", columns=CUSTOMER_COLUMNS)) == [
        ("c1", "a@x", "FR", ts("2026-11-01 10:00:00")), ("c2", "b@x", "FR", ts("2026-11-02 10:00:00"))]
    assert read_partition(spark, table, "2026-10", columns=CUSTOMER_COLUMNS).isEmpty()


def test_a_later_run_swaps_the_location_and_a_still_later_one_deletes_the_superseded_folder(spark: Any,
                                                                                           table: Any) -> None:
    table = customers_table(table.path, database=table.database, superseded_retention_minutes=60)
    load(spark, table, [event("c1", "a@x", "2026-11-01T10:00:00Z")], run_id="one")
    load(spark, table, [event("c1", "a2@x", "2026-11-02T10:00:00Z")], at=NOV + timedelta(minutes=10), run_id="two")
    root = f"{table.path}snapshot=2026-11/"
    assert folders(root) == ["run-20261121T093000Z-one", "run-20261121T094000Z-two"]  # superseded 0 min ago: kept
    assert seen(spark, table) == [("c1", "a2@x", "FR", ts("2026-11-02 10:00:00"), "2026-11")]
    result = load(spark, table, [], at=NOV + timedelta(minutes=69))  # superseded 59 minutes ago: kept
    assert (result.written, result.removed, folders(root)) == (False, 0, ["run-20261121T093000Z-one",
                                                                         "run-20261121T094000Z-two"])
    result = load(spark, table, [], at=NOV + timedelta(minutes=70))
    assert (result.removed > 0, folders(root)) == (True, ["run-20261121T094000Z-two"])
    assert folders(f"{table.path}_state/snapshot=2026-11/") == ["run-20261121T094000Z-two"]
    record = json.loads((Path(table.path[len("file://"):]) / "_state" / "publications.json").read_text())
    assert record == {"current": {"2026-11": "run-20261121T094000Z-two"}, "superseded": [], "pending": []}


def test_several_events_per_key_deletes_and_entities_without_events(spark: Any, table: Any) -> None:
    load(spark, table, [event("c1", "old1@x", "2026-10-02T00:00:00Z"), event("c2", "old2@x", "2026-10-03T00:00:00Z"),
                        event("c3", "old3@x", "2026-10-04T00:00:00Z", country="IT")], at=NOV - timedelta(days=30))
    load(spark, table, [
        event("c1", "new1@x", "2026-11-01T10:00:00Z"), event("c1", "newer1@x", "2026-11-01T11:00:00Z"),
        event("c2", "x", "2026-11-02T10:00:00Z", deleted=True),
        event("c4", "new4@x", "2026-11-03T10:00:00Z", country="ES"),
        event("c4", "gone", "2026-11-03T09:00:00Z", deleted=True),  # older than the upsert: loses
    ])
    assert seen(spark, table, "2026-11") == [
        ("c1", "newer1@x", "FR", ts("2026-11-01 11:00:00"), "2026-11"),
        ("c3", "old3@x", "IT", ts("2026-10-04 00:00:00"), "2026-11"),  # no event: carried forward
        ("c4", "new4@x", "ES", ts("2026-11-03 10:00:00"), "2026-11"),
    ]
    assert [r[0] for r in seen(spark, table, "2026-10")] == ["c1", "c2", "c3"]  # the earlier period is left as it was


def test_a_tombstone_keeps_a_deleted_key_deleted_against_older_late_events(spark: Any, table: Any) -> None:
    load(spark, table, [event("c1", "a@x", "2026-11-01T10:00:00Z"), event("c2", "b@x", "2026-11-01T10:00:00Z")])
    load(spark, table, [event("c1", "", "2026-11-05T10:00:00Z", deleted=True)], at=NOV + timedelta(hours=1))
    load(spark, table, [event("c1", "late@x", "2026-11-03T10:00:00Z")], at=NOV + timedelta(hours=2))  # older: ignored
    assert [r[0] for r in seen(spark, table)] == ["c2"]
    load(spark, table, [event("c1", "again@x", "2026-11-06T10:00:00Z")], at=NOV + timedelta(hours=3))  # newer: back
    assert [r[:2] for r in seen(spark, table)] == [("c1", "again@x"), ("c2", "b@x")]


def test_equal_dates_a_delete_wins_whatever_the_batch(spark: Any, table: Any) -> None:
    load(spark, table, [event("c1", "a@x", "2026-11-01T10:00:00Z", deleted=True)])
    load(spark, table, [event("c1", "b@x", "2026-11-01T10:00:00Z")], at=NOV + timedelta(hours=1))
    assert seen(spark, table) == []


def test_a_period_whose_entities_were_all_deleted_stays_empty(spark: Any, table: Any) -> None:
    load(spark, table, [event("c1", "a@x", "2026-10-02T00:00:00Z")], at=NOV - timedelta(days=30))
    load(spark, table, [event("c1", "x", "2026-11-02T00:00:00Z", deleted=True)])
    later = load(spark, table, [event("c9", "z@x", "2026-11-03T00:00:00Z")], at=NOV + timedelta(days=1))
    assert later.published[0].base == "2026-11"  # not re-seeded from October
    assert [r[0] for r in seen(spark, table, "2026-11")] == ["c9"]


def test_a_registered_folder_without_any_file_is_an_empty_period(spark: Any, table: Any) -> None:
    load(spark, table, [event("c1", "a@x", "2026-10-02T00:00:00Z")], at=NOV - timedelta(days=30))
    SparkCatalog(spark, table.database, "customers", "snapshot").publish(
        "2026-11", f"{table.path}snapshot=2026-11/run-20261120T000000Z-empty/")  # S3 has no empty folders
    assert read_partition(spark, table, "2026-11", columns=CUSTOMER_COLUMNS).isEmpty()
    assert seen(spark, table, "2026-11") == []
    result = load(spark, table, [event("c2", "b@x", "2026-11-03T00:00:00Z")])
    assert result.published[0].base == "2026-11"  # the empty period, not October
    assert [r[0] for r in seen(spark, table, "2026-11")] == ["c2"]


def test_a_skipped_period_starts_from_the_latest_published_one(spark: Any, table: Any) -> None:
    load(spark, table, [event("c1", "a@x", "2026-09-02T00:00:00Z")], at=NOV - timedelta(days=60))  # 2026-09
    result = load(spark, table, [event("c2", "b@x", "2026-11-02T00:00:00Z")])  # October was never loaded
    assert result.published == (PublishedPeriod("2026-11", "2026-09", result.location or "", False),)
    assert [r[0] for r in seen(spark, table, "2026-11")] == ["c1", "c2"]
    assert sorted(registered(spark, table)) == ["2026-09", "2026-11"]


class FailingCatalog:
    """The Spark catalog whose publish raises once."""

    def __init__(self, spark: Any, table: Any) -> None:
        self.inner = SparkCatalog(spark, table.database, "customers", "snapshot")
        self.fail = True

    def locations(self) -> dict[str, str]:
        return self.inner.locations()

    def publish(self, value: str, location: str) -> None:
        if self.fail:
            self.fail = False
            raise RuntimeError("publication failed")
        self.inner.publish(value, location)


def test_a_failure_before_publication_changes_nothing_readers_see_and_the_rerun_converges(spark: Any,
                                                                                       table: Any) -> None:
    load(spark, table, [event("c1", "a@x", "2026-11-01T10:00:00Z")], run_id="ok")
    before = seen(spark, table)
    batch = [event("c1", "b@x", "2026-11-02T10:00:00Z"), event("c2", "c@x", "2026-11-02T10:00:00Z")]
    with pytest.raises(RuntimeError, match="publication failed"):
        load(spark, table, batch, at=NOV + timedelta(hours=1), run_id="failed", catalog=FailingCatalog(spark, table))
    root = f"{table.path}snapshot=2026-11/"
    assert "run-20261121T103000Z-failed" in folders(root)  # written, never published
    assert seen(spark, table) == before
    rerun = load(spark, table, batch, at=NOV + timedelta(hours=2), run_id="rerun")
    assert rerun.removed > 0 and "run-20261121T103000Z-failed" not in folders(root)
    assert [r[:2] for r in seen(spark, table)] == [("c1", "b@x"), ("c2", "c@x")]


def test_a_failure_after_publication_counts_the_replaced_folder_as_superseded(spark: Any, table: Any,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    table = customers_table(table.path, database=table.database, superseded_retention_minutes=30)
    load(spark, table, [event("c1", "a@x", "2026-11-01T10:00:00Z")], run_id="one")
    monkeypatch.setattr(gluelake.snapshot._Record, "save", _fail_on_second_save())
    with pytest.raises(RuntimeError, match="record lost"):
        load(spark, table, [event("c1", "b@x", "2026-11-02T10:00:00Z")], at=NOV + timedelta(hours=1), run_id="two")
    monkeypatch.undo()
    assert [r[1] for r in seen(spark, table)] == ["b@x"]  # published before the failure
    root = f"{table.path}snapshot=2026-11/"
    load(spark, table, [], at=NOV + timedelta(hours=2))  # learns of the swap now: keeps "one" for 30 minutes
    assert folders(root) == ["run-20261121T093000Z-one", "run-20261121T103000Z-two"]
    load(spark, table, [], at=NOV + timedelta(hours=2, minutes=30))
    assert folders(root) == ["run-20261121T103000Z-two"]


def _fail_on_second_save() -> Any:
    original = gluelake.snapshot._Record.save
    calls = []

    def save(self: Any, uri: str, s3: Any) -> None:
        calls.append(uri)
        if len(calls) == 2:
            raise RuntimeError("record lost")
        original(self, uri, s3)
    return save


def test_closing_runs_close_the_previous_period_with_the_events_dated_before_its_end(spark: Any, table: Any) -> None:
    table = customers_table(table.path, database=table.database, close_periods=True)
    load(spark, table, [event("c1", "a@x", "2026-10-02T00:00:00Z")], at=NOV - timedelta(days=30))
    result = load(spark, table, [event("c2", "late-october@x", "2026-10-31T23:00:00Z"),
                                 event("c3", "november@x", "2026-11-01T01:00:00Z")], at=NOV, run_id="dec")
    assert [(p.partition, p.base, p.closed, p.location.split("/")[-2]) for p in result.published] == [
        ("2026-10", "2026-10", True, "close-20261121T093000Z-dec"),
        ("2026-11", "2026-10", False, "run-20261121T093000Z-dec")]
    assert [r[0] for r in seen(spark, table, "2026-10")] == ["c1", "c2"]
    assert [r[0] for r in seen(spark, table, "2026-11")] == ["c1", "c2", "c3"]
    again = load(spark, table, [event("c4", "d@x", "2026-10-30T00:00:00Z")], at=NOV + timedelta(hours=1))
    assert [p.partition for p in again.published] == ["2026-11"]  # October is closed: the late event goes to November
    assert [r[0] for r in seen(spark, table, "2026-10")] == ["c1", "c2"]


def test_closing_without_events_copies_the_state(spark: Any, table: Any) -> None:
    table = customers_table(table.path, database=table.database, close_periods=True)
    load(spark, table, [event("c1", "a@x", "2026-10-02T00:00:00Z")], at=NOV - timedelta(days=30))
    result = load(spark, table, [])
    assert [(p.partition, p.closed) for p in result.published] == [("2026-10", True), ("2026-11", False)]
    assert [r[0] for r in seen(spark, table)] == ["c1", "c1"]


def test_effective_date_periods_rebuild_from_the_earliest_touched_period(spark: Any, table: Any,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    table = customers_table(table.path, database=table.database, period_basis="EFFECTIVE_DATE")
    load(spark, table, [event("c1", "a@x", "2026-09-02T00:00:00Z"), event("c2", "b@x", "2026-11-02T00:00:00Z")])
    assert sorted(registered(spark, table)) == ["2026-09", "2026-10", "2026-11"]
    assert [r[0] for r in seen(spark, table, "2026-10")] == ["c1"]  # rolled forward
    with caplog.at_level(logging.INFO, logger="gluelake.snapshot"):
        result = load(spark, table, [event("c3", "c@x", "2026-10-15T00:00:00Z"),
                                     event("c1", "", "2026-10-20T00:00:00Z", deleted=True),
                                     event("c9", "undated@x", "not a date")], at=NOV + timedelta(hours=1))
    assert [p.partition for p in result.published] == ["2026-10", "2026-11"] and result.rejected == 1
    assert "rebuilding 2 period(s), 2026-10 to 2026-11" in caplog.text
    assert "1 event(s) without updated_at cannot be placed in a period: not loaded" in caplog.text
    assert [r[0] for r in seen(spark, table, "2026-09")] == ["c1"]
    assert [r[0] for r in seen(spark, table, "2026-10")] == ["c3"]
    assert [r[0] for r in seen(spark, table, "2026-11")] == ["c2", "c3"]


def test_effective_date_runs_without_events_roll_the_state_into_the_run_s_period(spark: Any, table: Any) -> None:
    table = customers_table(table.path, database=table.database, period_basis="EFFECTIVE_DATE")
    load(spark, table, [event("c1", "a@x", "2026-10-02T00:00:00Z")], at=NOV - timedelta(days=30))
    result = load(spark, table, [])
    assert [(p.partition, p.base) for p in result.published] == [("2026-11", "2026-10")]
    assert load(spark, table, [], at=NOV + timedelta(hours=1)).published == ()


def test_nothing_to_do(spark: Any, table: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="gluelake.snapshot"):
        result = load(spark, table, [])
    assert result == MergeResult("2026-11")
    assert "nothing to do" in caplog.text
    assert storage.list_files(table.path) == []


def test_a_table_of_the_previous_layout_is_refused_then_migrated(spark: Any, table: Any) -> None:
    write_parquet(spark, f"{table.path}snapshot=2026-10/", [("c1", "a@x", "FR", ts("2026-10-02 00:00:00"))])
    write_parquet(spark, f"{table.path}snapshot=2026-11/", [("c2", "b@x", "FR", ts("2026-11-02 00:00:00"))])
    with pytest.raises(LegacyLayoutError, match=r"has no registered partition but holds data in the previous layout"):
        load(spark, table, [event("c3", "c@x", "2026-11-03T00:00:00Z")])
    assert migrate_legacy_periods(spark, table, at=NOV, columns=CUSTOMER_COLUMNS) == ["2026-10", "2026-11"]
    assert [r[0] for r in seen(spark, table)] == ["c1", "c2"]
    assert [f for f in storage.list_files(table.path) if f.count("/") == table.path.count("/") + 1] == []
    load(spark, table, [event("c3", "c@x", "2026-11-03T00:00:00Z")], at=NOV + timedelta(hours=1))
    assert [r[0] for r in seen(spark, table, "2026-11")] == ["c2", "c3"]
    assert migrate_legacy_periods(spark, table, at=NOV, columns=CUSTOMER_COLUMNS) == []  # nothing left


@pytest.mark.parametrize(("at", "granularity", "fmt", "current"), [
    (datetime(2026, 1, 1, 0, 0, tzinfo=UTC), "MONTH", "%Y-%m", "2026-01"),
    (datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), "DAY", "%Y-%m-%d", "2025-12-31"),
    (datetime(2026, 3, 1, 0, 10, tzinfo=UTC), "HOUR", "%Y-%m-%d-%H", "2026-03-01-00"),
    (datetime(2026, 6, 15, tzinfo=UTC), "YEAR", "%Y", "2026"),
])
def test_period_boundaries(spark: Any, table: Any, at: datetime, granularity: str, fmt: str, current: str) -> None:
    table = customers_table(table.path, database=table.database, granularity=granularity, partition_format=fmt)
    result = load(spark, table, [event("c1", "a@x", "2026-01-01T00:00:00Z")], at=at)
    assert result.partition == current and result.location and f"/snapshot={current}/run-" in result.location


def test_logs_counts_never_rows(spark: Any, table: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        load(spark, table, [event("c1", "secret@example.com", "2026-11-01T00:00:00Z", country="Atlantis")])
    assert f"{table.database}.customers snapshot=2026-11: published" in caplog.text
    assert "secret@example.com" not in caplog.text and "Atlantis" not in caplog.text


def test_incoming_without_delete_column_and_with_other_types(spark: Any, table: Any) -> None:
    incoming = spark.createDataFrame([("c1", "a@x", "FR", "2026-11-02 00:00:00", "extra")],
                                     "customer_id string, email string, country string, updated_at string, x string")
    result = merge_snapshot(spark, table, incoming, at=NOV, columns=CUSTOMER_COLUMNS)
    df = spark.read.parquet(result.location)
    assert df.schema.simpleString() == "struct<customer_id:string,email:string,country:string,updated_at:timestamp>"
    assert seen(spark, table) == [("c1", "a@x", "FR", ts("2026-11-02 00:00:00"), "2026-11")]


def test_columns_from_the_catalog(spark: Any, table: Any) -> None:
    assert table_columns(spark, table) == CUSTOMER_COLUMNS
    result = merge_snapshot(spark, table, spark.createDataFrame([("c1", "a@x", "FR", "2026-11-01")], "customer_id "
                            "string, email string, country string, updated_at string"), at=NOV)
    assert result.written


@pytest.mark.parametrize(("change", "message"), [
    ({"primary_key": ()}, "merge_snapshot: received the table 'output_customers' ({db}.customers) without primary "
     "key, effective-date column, compression or period basis; expected a table bound with writesTo"),
    ({"period_basis": None}, "merge_snapshot: received the table 'output_customers' ({db}.customers) without primary "
     "key, effective-date column, compression or period basis; expected a table bound with writesTo"),
])
def test_a_table_not_bound_for_writing_is_refused(spark: Any, table: Any, change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        load(spark, customers_table(table.path, database=table.database, **change), [])
    assert str(raised.value) == message.format(db=table.database)


def test_a_primary_key_outside_the_columns_is_refused_before_anything_is_written(spark: Any, table: Any) -> None:
    odd = customers_table(table.path, database=table.database, primary_key=("customer_id", "tenant_id"))
    with pytest.raises(ValueError) as raised:
        load(spark, odd, [event("c1", "a@x", "2026-11-01")])
    assert str(raised.value) == (
        "retain_last_merge_sql: received the primary key (customer_id, tenant_id) and the effective-date column "
        "'updated_at' with the columns customer_id, email, country, updated_at; expected a non-empty primary key "
        "and every key column and the effective-date column among the columns")
    assert storage.list_files(table.path) == []
    assert registered(spark, table) == {}


def test_invalid_merge_input(spark: Any, table: Any) -> None:
    with pytest.raises(ValueError) as raised:
        merge_snapshot(spark, table, spark.createDataFrame([], "customer_id string, email string"), at=NOV,
                       columns=CUSTOMER_COLUMNS)
    assert str(raised.value) == (
        f"merge_snapshot: received incoming events without the column(s) country, updated_at (it has customer_id, "
        f"email); expected every column of {table.database}.customers")
    with pytest.raises(ValueError, match="expected 1 to 32 lowercase letters or digits"):
        load(spark, table, [], run_id="Not-An-Id")
    with pytest.raises(ValueError, match="expected an aware datetime"):
        load(spark, table, [], at=datetime(2026, 11, 21))


def test_a_session_outside_utc_is_refused(spark: Any, table: Any) -> None:
    spark.conf.set("spark.sql.session.timeZone", "Europe/Lisbon")
    try:
        with pytest.raises(ValueError, match="received a session in the time zone 'Europe/Lisbon'; expected UTC"):
            load(spark, table, [])
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")


def test_import_needs_no_spark() -> None:
    code = ("import sys; sys.modules['pyspark'] = None; sys.modules['boto3'] = None\n"
            "import gluelake.snapshot, gluelake.storage, gluelake.periods, gluelake.reprocess\n"
            "print('ok')")
    env = {**os.environ, "PYTHONPATH": str(Path(gluelake.snapshot.__file__).parents[1])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr


def test_doctests() -> None:
    result = doctest.testmod(gluelake.snapshot)
    assert result.attempted > 0
    assert result.failed == 0
