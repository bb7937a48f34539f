"""Tests of gluelake.snapshot: the retain-last merge on a local Spark, on real files (file:// in tmp_path),
with the merge SQL the constructs generate for the customers table (test/catalog/merge-sql/customers.sql)."""

from __future__ import annotations

import doctest
import json
import logging
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Sequence

import pytest
from _spark import CUSTOMER_COLUMNS, customers_table, rows, spark, ts, write_parquet  # noqa: F401 (fixture)

import gluelake.snapshot
from gluelake import storage
from gluelake.snapshot import MergeResult, load_change_events, merge_snapshot, table_columns

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


# --- merge_snapshot ----------------------------------------------------------------------------

def test_first_load_from_the_previous_period(spark: Any, tmp_path: Path) -> None:
    base = f"file://{tmp_path}/customers/"
    write_parquet(spark, f"{base}snapshot=2026-10/", [
        ("c1", "old1@x", "FR", ts("2026-10-02 00:00:00")),
        ("c2", "old2@x", "DE", ts("2026-10-03 00:00:00")),
        ("c3", "old3@x", "IT", ts("2026-10-04 00:00:00")),
    ])
    result = run(spark, tmp_path, [
        event("c1", "new1@x", "2026-11-01T10:00:00Z"),
        event("c2", "x", "2026-11-02T10:00:00Z", deleted=True),
        event("c4", "new4@x", "2026-11-03T10:00:00Z", country="ES"),
    ])
    assert result == MergeResult(partition="2026-11", previous_partition="2026-10", location=f"{base}snapshot=2026-11/",
                                 written=True, removed=0)
    assert snapshot(spark, result.location) == [
        ("c1", "new1@x", "FR", ts("2026-11-01 10:00:00")),
        ("c3", "old3@x", "IT", ts("2026-10-04 00:00:00")),  # no event: carried forward
        ("c4", "new4@x", "ES", ts("2026-11-03 10:00:00")),
    ]
    assert len(data_files(f"{base}snapshot=2026-10/")) == 1  # the previous period is left as it was


def test_several_events_per_key_deletes_and_entities_without_events(spark: Any, tmp_path: Path) -> None:
    base = f"file://{tmp_path}/customers/"
    current = f"{base}snapshot=2026-11/"
    write_parquet(spark, current, [
        ("c1", "a@x", "FR", ts("2026-11-01 00:00:00")),
        ("c2", "b@x", "FR", ts("2026-11-01 00:00:00")),
        ("c3", "c@x", "FR", ts("2026-11-01 00:00:00")),
        ("c5", "e@x", "FR", ts("2026-11-10 00:00:00")),
    ])
    write_parquet(spark, f"{base}snapshot=2026-10/", [("c9", "never@x", "FR", ts("2026-10-01 00:00:00"))])
    before = storage.list_files(current)
    result = run(spark, tmp_path, [
        event("c1", "a2@x", "2026-11-05T00:00:00Z"),
        event("c1", "a3@x", "2026-11-07T00:00:00Z"),
        event("c1", "a1@x", "2026-11-06T00:00:00Z"),
        event("c2", "b2@x", "2026-11-02T00:00:00Z"),
        event("c2", "b3@x", "2026-11-03T00:00:00Z", deleted=True),
        event("c4", "d@x", "2026-11-02T00:00:00Z"),
        event("c4", "d@x", "2026-11-04T00:00:00Z", deleted=True),
        event("c5", "late@x", "2026-11-09T00:00:00Z"),  # older than the stored state: ignored
        {"customer_id": None, "email": "nokey@x", "updated_at": "2026-11-09T00:00:00Z"},
    ])
    markers = {f"{current}_SUCCESS", f"{current}._SUCCESS.crc"}  # rewritten by the write under the same names
    assert result.written and result.removed == len(set(before) - markers)
    assert snapshot(spark, current) == [
        ("c1", "a3@x", "FR", ts("2026-11-07 00:00:00")),
        ("c3", "c@x", "FR", ts("2026-11-01 00:00:00")),
        ("c5", "e@x", "FR", ts("2026-11-10 00:00:00")),
    ]
    remaining = storage.list_files(current)
    assert set(before) & set(remaining) == markers


def test_no_events_carries_the_previous_period_forward(spark: Any, tmp_path: Path) -> None:
    base = f"file://{tmp_path}/customers/"
    write_parquet(spark, f"{base}snapshot=2026-10/", [("c1", "a@x", "FR", ts("2026-10-02 00:00:00"))])
    result = run(spark, tmp_path, [])
    assert result.written and result.removed == 0
    assert snapshot(spark, result.location) == [("c1", "a@x", "FR", ts("2026-10-02 00:00:00"))]


def test_a_period_whose_entities_were_all_deleted_stays_empty(spark: Any, tmp_path: Path) -> None:
    # The first run of the period deletes every entity: the partition then holds a data file without rows.
    # A later run must not reload the previous period (it would bring the deleted entities back).
    base = f"file://{tmp_path}/customers/"
    write_parquet(spark, f"{base}snapshot=2026-10/", [("c1", "a@x", "FR", ts("2026-10-02 00:00:00"))])
    first = run(spark, tmp_path, [event("c1", "a@x", "2026-11-02T00:00:00Z", deleted=True)])
    assert first.written and data_files(first.location) and snapshot(spark, first.location) == []
    shutil.rmtree(tmp_path / "bronze")  # the events were consumed (e.g. a bookmarked source)
    second = run(spark, tmp_path, [])
    assert second.written and snapshot(spark, second.location) == []


def test_nothing_to_do(spark: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    base = f"file://{tmp_path}/customers/"
    (tmp_path / "customers" / "snapshot=2026-10").mkdir(parents=True)
    (tmp_path / "customers" / "snapshot=2026-10" / "_SUCCESS").write_text("")
    with caplog.at_level(logging.INFO, logger="gluelake.snapshot"):
        result = run(spark, tmp_path, [])
    assert result == MergeResult("2026-11", "2026-10", f"{base}snapshot=2026-11/", written=False, removed=0)
    assert not (tmp_path / "customers" / "snapshot=2026-11").exists()
    assert "nothing to do" in caplog.text


def test_rerun_after_a_failure_between_write_and_delete(spark: Any, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    base = f"file://{tmp_path}/customers/"
    current = f"{base}snapshot=2026-11/"
    write_parquet(spark, current, [("c1", "a@x", "FR", ts("2026-11-01 00:00:00")),
                                   ("c2", "b@x", "FR", ts("2026-11-01 00:00:00"))])
    old = data_files(current)
    events = [event("c1", "a2@x", "2026-11-05T00:00:00Z"), event("c2", "b@x", "2026-11-06T00:00:00Z", deleted=True),
              event("c3", "c@x", "2026-11-06T00:00:00Z")]

    def fail(uris: Sequence[str], *, s3: Any = None) -> int:
        raise RuntimeError("the run stops before the delete")

    monkeypatch.setattr(gluelake.snapshot, "delete_files", fail)
    with pytest.raises(RuntimeError):
        run(spark, tmp_path, events)
    first = data_files(current)
    assert set(old) < set(first)  # old and new files side by side: readers see both
    assert len(spark.read.parquet(current).collect()) == 4

    monkeypatch.undo()
    listed = storage.list_files(current)  # data files, their local .crc checksums, _SUCCESS and its checksum
    result = run(spark, tmp_path, events)
    assert result.written and result.removed == len(listed) - 2  # all but _SUCCESS and ._SUCCESS.crc, rewritten
    assert not set(first) & set(data_files(current))
    assert snapshot(spark, current) == [("c1", "a2@x", "FR", ts("2026-11-05 00:00:00")),
                                        ("c3", "c@x", "FR", ts("2026-11-06 00:00:00"))]


def test_a_file_appearing_after_the_listing_is_kept(spark: Any, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    base = f"file://{tmp_path}/customers/"
    current = f"{base}snapshot=2026-11/"
    write_parquet(spark, current, [("c1", "a@x", "FR", ts("2026-11-01 00:00:00"))])
    write_parquet(spark, f"file://{tmp_path}/elsewhere/", [("c7", "late@x", "FR", ts("2026-11-01 00:00:00"))])
    late = data_files(f"file://{tmp_path}/elsewhere/")[0]
    late_name = late.rsplit("/", 1)[1]
    real_list_files = storage.list_files

    def list_then_another_writer_adds_a_file(uri: str, *, s3: Any = None) -> list[str]:
        listed = real_list_files(uri, s3=s3)
        if uri == current:
            shutil.copy(late[len("file://"):], tmp_path / "customers" / "snapshot=2026-11" / late_name)
        return listed

    monkeypatch.setattr(gluelake.snapshot, "list_files", list_then_another_writer_adds_a_file)
    result = run(spark, tmp_path, [event("c2", "b@x", "2026-11-02T00:00:00Z")])
    assert result.removed == 2  # the listed data file and its checksum (_SUCCESS is rewritten)
    assert f"{current}{late_name}" in data_files(current)  # not listed before the write: neither read nor deleted
    assert snapshot(spark, current) == [("c1", "a@x", "FR", ts("2026-11-01 00:00:00")),
                                        ("c2", "b@x", "FR", ts("2026-11-02 00:00:00")),
                                        ("c7", "late@x", "FR", ts("2026-11-01 00:00:00"))]


def test_leftovers_of_a_failed_write_are_deleted_and_not_read(spark: Any, tmp_path: Path) -> None:
    current = tmp_path / "customers" / "snapshot=2026-11"
    write_parquet(spark, f"file://{current}/", [("c1", "a@x", "FR", ts("2026-11-01 00:00:00"))])
    stale = [current / ".spark-staging-0a1b" / "part-00000-stale.parquet",
             current / "_temporary" / "0" / "_temporary" / "attempt_1" / "part-00000-stale.parquet"]
    for path in stale:
        path.parent.mkdir(parents=True)
        shutil.copy(next(current.glob("part-*.parquet")), path)
    listed = storage.list_files(f"file://{current}/")
    result = run(spark, tmp_path, [])
    assert result.removed == len(listed) - 2  # all but _SUCCESS and ._SUCCESS.crc
    assert not any(path.exists() for path in stale)
    assert snapshot(spark, f"file://{current}/") == [("c1", "a@x", "FR", ts("2026-11-01 00:00:00"))]


@pytest.mark.parametrize(("at", "granularity", "fmt", "current", "previous"), [
    (datetime(2026, 1, 1, 0, 10, tzinfo=UTC), "MONTH", "%Y-%m", "2026-01", "2025-12"),
    # 00:30 on 1 January in UTC+1 is still December in UTC
    (datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), "MONTH", "%Y-%m", "2025-12", "2025-11"),
    (datetime(2026, 3, 1, 0, 5, tzinfo=UTC), "HOUR", "%Y-%m-%d-%H", "2026-03-01-00", "2026-02-28-23"),
])
def test_period_boundaries(spark: Any, tmp_path: Path, at: datetime, granularity: str, fmt: str, current: str,
                           previous: str) -> None:
    base = f"file://{tmp_path}/customers/"
    table = customers_table(base, granularity=granularity, partition_format=fmt)
    write_parquet(spark, f"{base}snapshot={previous}/", [("c1", "a@x", "FR", ts("2025-01-01 00:00:00"))])
    result = run(spark, tmp_path, [event("c2", "b@x", "2026-01-01T00:00:00Z")], at=at, table=table)
    assert (result.partition, result.previous_partition) == (current, previous)
    assert result.location == f"{base}snapshot={current}/"
    assert snapshot(spark, result.location) == [("c1", "a@x", "FR", ts("2025-01-01 00:00:00")),
                                                ("c2", "b@x", "FR", ts("2026-01-01 00:00:00"))]


def test_logs_counts_never_rows(spark: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        run(spark, tmp_path, [event("c1", "secret@example.com", "2026-11-01T00:00:00Z", country="Atlantis")])
    assert "sales_silver.customers snapshot=2026-11" in caplog.text
    assert "secret@example.com" not in caplog.text and "Atlantis" not in caplog.text


def test_incoming_without_delete_column_and_with_other_types(spark: Any, tmp_path: Path) -> None:
    base = f"file://{tmp_path}/customers/"
    incoming = spark.createDataFrame([("c1", "a@x", "FR", "2026-11-02 00:00:00", "extra")],
                                     "customer_id string, email string, country string, updated_at string, x string")
    result = merge_snapshot(spark, customers_table(base), incoming, at=NOV, columns=CUSTOMER_COLUMNS)
    df = spark.read.parquet(result.location)
    assert df.schema.simpleString() == "struct<customer_id:string,email:string,country:string,updated_at:timestamp>"
    assert snapshot(spark, result.location) == [("c1", "a@x", "FR", ts("2026-11-02 00:00:00"))]


def test_columns_from_the_catalog(spark: Any, tmp_path: Path) -> None:
    spark.sql(f"CREATE DATABASE IF NOT EXISTS sales_silver LOCATION 'file://{tmp_path}/db'")
    spark.sql("DROP TABLE IF EXISTS sales_silver.customers")
    spark.sql("CREATE TABLE sales_silver.customers (customer_id string, email string, country string, "
              f"updated_at timestamp, snapshot string) USING parquet PARTITIONED BY (snapshot) "
              f"LOCATION 'file://{tmp_path}/customers/'")
    try:
        table = customers_table(f"file://{tmp_path}/customers/")
        assert table_columns(spark, table) == CUSTOMER_COLUMNS
        incoming = load_change_events(spark, write_events(tmp_path / "bronze", [event("c1", "a@x", "2026-11-01")]),
                                      table_columns(spark, table))
        result = merge_snapshot(spark, table, incoming, at=NOV)
        assert snapshot(spark, result.location) == [("c1", "a@x", "FR", ts("2026-11-01 00:00:00"))]
    finally:
        spark.sql("DROP TABLE IF EXISTS sales_silver.customers")


@pytest.mark.parametrize(("make", "message"), [
    (lambda spark, base: (customers_table(base, merge_sql=None), spark.createDataFrame([], "customer_id string")),
     "merge_snapshot: received the table 'output_customers' (sales_silver.customers) without merge SQL or "
     "compression; expected a table bound with writesTo"),
    (lambda spark, base: (customers_table(base), spark.createDataFrame([], "customer_id string, email string")),
     "merge_snapshot: received incoming events without the column(s) country, updated_at (it has customer_id, "
     "email); expected every column of sales_silver.customers"),
])
def test_invalid_merge_input(spark: Any, tmp_path: Path, make: Any, message: str) -> None:
    table, incoming = make(spark, f"file://{tmp_path}/customers/")
    with pytest.raises(ValueError) as raised:
        merge_snapshot(spark, table, incoming, at=NOV, columns=CUSTOMER_COLUMNS)
    assert str(raised.value) == message


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
