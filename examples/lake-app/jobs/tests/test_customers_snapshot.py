"""customers_snapshot.py: its bookmarked source and `main` (sources and sinks mocked), then runs after runs of the
job on local files, each reading only the files its bookmark lets through (`FakeBookmark`), checked against the
merge of the whole history and against what readers see through the catalog (`spark.table`: the local Hive
metastore here, the Glue Data Catalog on Glue), and whole runs (`run_job`; `run_script` on local files and on
moto's S3 and Glue).

The table's arguments are those `writesTo(customersTable)` gives; the runtime builds the merge SQL from the table's
columns (the SQL the constructs generate, runtime/tests/test_merge_sql.py checks it)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from unittest import mock

import boto3
import pytest
from pyspark.errors import AnalysisException

import customers_snapshot as job
from gluelake.catalog import SparkCatalog
from gluelake.job import run_job
from gluelake.periods import partition_values
from gluelake.snapshot import MergeResult, PublishedPeriod
from gluelake.testing import argv, create_bucket, list_keys, run_script
from helpers import (JOBS, FakeBookmark, customers_table_arguments, files_under, nothing_to_do_lines, uri,
                     write_lines)

SCRIPT = JOBS / "customers_snapshot.py"
TABLE = "sales_silver.customers"  # the conftest's customers_table
OCT, NOV, DEC = (datetime(2026, month, 21, 2, 30, tzinfo=timezone.utc) for month in (10, 11, 12))
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
Event = dict[str, Any]


def arguments(bronze: Path | str, table_path: Path | str) -> dict[str, str]:
    return {"JOB_NAME": "customers-snapshot", "env": "test", "job-bookmark-option": "job-bookmark-enable",
            "input_bronze_path": bronze if isinstance(bronze, str) else uri(bronze),
            "input_bronze_database": "sales_bronze",
            **customers_table_arguments(table_path if isinstance(table_path, str) else uri(table_path))}


def upsert(customer: str, day: str, email: str, country: str = "PT") -> Event:
    """A change event of `customer` dated `2026-<day>` at 10:00 UTC (`day` as `11-21`)."""
    return {"customer_id": customer, "email": email, "country": country, "updated_at": f"2026-{day}T10:00:00Z"}


def delete(customer: str, day: str) -> Event:
    return {"customer_id": customer, "updated_at": f"2026-{day}T10:00:00Z", "deleted": True}


def row(event: Event) -> tuple:
    """The event as a reader's row (timestamps naive: the session and the machine are UTC)."""
    return (event["customer_id"], event.get("email"), event.get("country"),
            datetime.fromisoformat(event["updated_at"].replace("Z", "")))


def fold(*batches: list[Event]) -> list[tuple]:
    """The full-history result: per customer the greatest event (by `updated_at`, then a delete over an upsert,
    then the other columns), kept when it is not a delete."""
    def order(event: Event) -> tuple:
        return event["updated_at"], bool(event.get("deleted")), event.get("email") or "", event.get("country") or ""

    winners: dict[str, Event] = {}
    for event in (e for batch in batches for e in batch):
        if event["customer_id"] not in winners or order(event) > order(winners[event["customer_id"]]):
            winners[event["customer_id"]] = event
    return sorted(row(e) for e in winners.values() if not e.get("deleted"))


class Lake:
    """Bronze's customer change events, the customers table and the job's bookmark.

    `land` adds a file of events to bronze; `run` runs the job as `run_job` does (`main`, then `job.commit()`,
    which moves the bookmark) with the run's start `at`; `seen` is what a reader through the catalog sees."""

    def __init__(self, spark: Any, job_context: Callable[..., Any], tmp_path: Path) -> None:
        self.spark, self.job_context = spark, job_context
        self.bronze, self.path = tmp_path / "bronze", tmp_path / "silver-catalog" / "customers"
        self.bookmark = FakeBookmark()

    def land(self, *events: Event) -> list[Event]:
        name = f"batch-{len(list(self.bronze.glob('*.json'))) + 1}.json"
        write_lines(self.bronze / name, [json.dumps(e) for e in events])
        return list(events)

    def run(self, at: datetime) -> None:
        ctx = self.job_context(arguments(self.bronze, self.path), started_at=at)
        self.bookmark.attach(ctx.glue_context, ctx.job)
        job.main(ctx)
        ctx.job.commit()

    def new_files(self) -> list[str]:
        """The files the last run's bookmarked read gave, by name."""
        return [f.rsplit("/", 1)[-1] for f in self.bookmark.batches[-1]]

    def seen(self) -> dict[str, list[tuple]]:
        """Every row a reader of the table sees, by period."""
        self.spark.catalog.refreshTable(TABLE)
        periods: dict[str, list[tuple]] = {}
        for r in self.spark.table(TABLE).collect():
            periods.setdefault(r.snapshot, []).append((r.customer_id, r.email, r.country, r.updated_at))
        return {period: sorted(rows) for period, rows in sorted(periods.items())}

    def partitions(self) -> list[str]:
        """The registered periods."""
        return sorted(SparkCatalog(self.spark, "sales_silver", "customers", "snapshot").locations())

    def run_folders(self, period: str) -> list[str]:
        """The run folders that hold data files of the period (published, superseded or not)."""
        files = files_under(self.path / f"snapshot={period}")
        return sorted({f.split("/")[0] for f in files if f.endswith(".parquet")})


@pytest.fixture
def lake(spark: Any, job_context: Callable[..., Any], customers_table: str, tmp_path: Path) -> Lake:
    return Lake(spark, job_context, tmp_path)


# --- the source and main ----------------------------------------------------------------------------------------


def test_source_types_the_events_as_the_catalog_table_s_columns(lake: Lake) -> None:
    """The events of the files the bookmark lets through, typed as the table's columns in the catalog."""
    lake.land({"customer_id": 1, "email": "ana@example.com", "country": "PT", "updated_at": "2026-11-21T10:00:00Z"},
              {"customer_id": "c-2", "updated_at": "2026-11-22T10:00:00Z", "deleted": True, "unknown": 1},
              {"customer_id": "c-3", "updated_at": "not a time"})
    ctx = lake.job_context(arguments(lake.bronze, lake.path))
    lake.bookmark.attach(ctx.glue_context, ctx.job)

    events = job.source_new_events(ctx)

    ctx.glue_context.create_dynamic_frame.from_options.assert_called_once_with(
        connection_type="s3", connection_options={"paths": [uri(lake.bronze)], "recurse": True}, format="json",
        transformation_ctx="load_bronze_customers")  # the bookmark's key: a rename would re-read every file
    assert [(f.name, f.dataType.simpleString()) for f in events.schema.fields] == [
        ("customer_id", "string"), ("email", "string"), ("country", "string"), ("updated_at", "timestamp"),
        ("_deleted", "boolean")]
    assert sorted(events.collect(), key=lambda r: r.customer_id) == [
        ("1", "ana@example.com", "PT", datetime(2026, 11, 21, 10), False),
        ("c-2", None, None, datetime(2026, 11, 22, 10), True), ("c-3", None, None, None, False)]


@pytest.mark.parametrize("bronze_state", ["missing", "hidden files only"])
def test_source_reads_nothing_when_bronze_holds_no_data_file(lake: Lake, bronze_state: str) -> None:
    if bronze_state == "hidden files only":
        write_lines(lake.bronze / "_SUCCESS", [])
    ctx = lake.job_context(arguments(lake.bronze, lake.path))

    events = job.source_new_events(ctx)

    assert events.columns == ["customer_id", "email", "country", "updated_at", "_deleted"] and events.isEmpty()
    ctx.glue_context.create_dynamic_frame.from_options.assert_not_called()


def test_source_fails_on_a_table_the_catalog_does_not_have(job_context, customers_table: str, tmp_path: Path) -> None:
    ctx = job_context({**arguments(tmp_path / "bronze", tmp_path / "t"), "output_customers_table": "no_such_table"})

    with pytest.raises(AnalysisException, match="TABLE_OR_VIEW_NOT_FOUND"):
        job.source_new_events(ctx)


def test_main_merges_the_new_events_and_logs_what_it_published(job_context, spark, monkeypatch, caplog) -> None:
    events = spark.createDataFrame([("c-1", False)], "customer_id string, _deleted boolean")
    location = "s3://silver/customers/snapshot=2026-11/run-20261121T023000Z-1a2b3c4d/"
    sink = mock.Mock(return_value=MergeResult("2026-11", (PublishedPeriod("2026-11", "2026-10", location),), removed=3))
    monkeypatch.setattr(job, "source_new_events", mock.Mock(return_value=events))
    monkeypatch.setattr(job, "sink_snapshot", sink)
    ctx = job_context(arguments("s3://bronze/customers/", "s3://silver/customers/"))

    job.main(ctx)

    sink.assert_called_once_with(ctx, events)
    assert not nothing_to_do_lines(caplog)
    assert f"published 2026-11 at {location} (base: 2026-10)" in caplog.messages
    assert "deleted 3 file(s) of superseded or never-published folders" in caplog.messages


def test_main_says_nothing_to_do_when_the_merge_published_nothing(job_context, monkeypatch, caplog) -> None:
    monkeypatch.setattr(job, "source_new_events", mock.Mock())
    monkeypatch.setattr(job, "sink_snapshot", mock.Mock(return_value=MergeResult("2026-11")))

    job.main(job_context(arguments("s3://bronze/customers/", "s3://silver/customers/")))

    assert [line for line in nothing_to_do_lines(caplog) if "s3://bronze/customers/" in line and "2026-11" in line]


# --- runs after runs on local files -----------------------------------------------------------------------------


def test_each_run_reads_only_the_new_files_and_readers_see_the_full_history_result(lake: Lake) -> None:
    batches = [
        [upsert("c-1", "11-01", "ana@example.com"), upsert("c-2", "11-02", "ben@example.com", "FR")],
        [upsert("c-1", "11-03", "ana@new.example.com"), upsert("c-3", "11-03", "cy@example.com"),
         upsert("c-2", "11-02", "ben@example.com", "FR")],  # c-2's event again
        [upsert("c-1", "11-02", "ana@late.example.com"),  # late: older than c-1's state
         delete("c-3", "11-04"), upsert("c-4", "11-04", "dee@example.com")],
    ]
    for number, batch in enumerate(batches, start=1):
        lake.land(*batch)

        lake.run(NOV + number * HOUR)

        assert lake.new_files() == [f"batch-{number}.json"]
        assert lake.seen() == {"2026-11": fold(*batches[:number])}  # each customer once
    assert lake.bookmark.keys == ["load_bronze_customers"] * 3
    assert len(lake.run_folders("2026-11")) == 3  # the superseded folders are still there: queries may read them


def test_a_deleted_customer_stays_deleted_when_an_older_event_arrives_later(lake: Lake) -> None:
    history = [lake.land(upsert("c-1", "11-10", "ana@example.com"), delete("c-1", "11-20"),
                         upsert("c-2", "11-10", "ben@example.com"))]
    lake.run(NOV)
    history.append(lake.land(upsert("c-1", "11-15", "ana@late.example.com")))
    lake.run(NOV + DAY)
    history.append(lake.land(upsert("c-1", "11-18", "ana@later.example.com")))
    lake.run(DEC)  # the tombstone is part of the base of the next period

    assert lake.seen() == {"2026-11": fold(*history[:2]), "2026-12": fold(*history)}
    assert [r[0] for r in fold(*history)] == ["c-2"]

    history.append(lake.land(upsert("c-1", "12-01", "ana@back.example.com")))  # newer than the delete
    lake.run(DEC + DAY)

    assert lake.seen()["2026-12"] == fold(*history) == [row(history[-1][0]), row(history[0][2])]


def test_a_period_whose_customers_were_all_deleted_stays_empty(lake: Lake, caplog) -> None:
    november = lake.land(upsert("c-1", "11-10", "ana@example.com"), upsert("c-2", "11-10", "ben@example.com"))
    lake.run(NOV)
    lake.land(delete("c-1", "12-01"), delete("c-2", "12-01"))
    lake.run(DEC)

    lake.run(DEC + DAY)  # no new file: December is published, empty; not seeded again from November

    assert lake.partitions() == ["2026-11", "2026-12"]
    assert lake.seen() == {"2026-11": fold(november)}
    assert len(nothing_to_do_lines(caplog)) == 1


def test_a_failed_run_leaves_readers_on_the_previous_state_and_its_rerun_reads_its_files_again(
        lake: Lake, monkeypatch) -> None:
    first = lake.land(upsert("c-1", "11-01", "ana@example.com"), upsert("c-2", "11-01", "ben@example.com"))
    lake.run(NOV)
    second = lake.land(upsert("c-1", "11-05", "ana@new.example.com"), delete("c-2", "11-05"))
    with monkeypatch.context() as patch:  # the run dies after writing its folder, before publishing it
        patch.setattr(SparkCatalog, "publish", mock.Mock(side_effect=RuntimeError("the driver was lost")))
        with pytest.raises(RuntimeError, match="the driver was lost"):
            lake.run(NOV + DAY)

    assert lake.seen() == {"2026-11": fold(first)}
    assert len(lake.run_folders("2026-11")) == 2  # the first run's, and the failed run's, never published

    third = lake.land(upsert("c-3", "11-06", "cy@example.com"))
    lake.run(NOV + 2 * DAY)  # the bookmark did not move: the rerun reads the second file again

    assert lake.new_files() == ["batch-2.json", "batch-3.json"]
    assert lake.seen() == {"2026-11": fold(first, second, third)}
    assert [f[:20] for f in lake.run_folders("2026-11")] == ["run-20261121T023000Z", "run-20261123T023000Z"]


def test_a_skipped_period_starts_from_the_latest_published_one(lake: Lake) -> None:
    october = lake.land(upsert("c-1", "10-10", "ana@example.com"), upsert("c-2", "10-10", "ben@example.com"))
    lake.run(OCT)
    december = lake.land(upsert("c-2", "12-01", "ben@new.example.com"))

    lake.run(DEC)  # no run in November

    assert lake.partitions() == ["2026-10", "2026-12"]
    assert lake.seen() == {"2026-10": fold(october), "2026-12": fold(october, december)}


def test_a_run_without_new_files_publishes_only_a_period_that_has_no_snapshot_yet(lake: Lake, caplog) -> None:
    november = lake.land(upsert("c-1", "11-10", "ana@example.com"))
    lake.run(NOV)
    folders = files_under(lake.path)

    lake.run(NOV + DAY)

    assert lake.new_files() == [] and files_under(lake.path) == folders
    assert len(nothing_to_do_lines(caplog)) == 1

    lake.run(DEC)

    assert lake.new_files() == []
    assert lake.seen() == {"2026-11": fold(november), "2026-12": fold(november)}
    assert len(nothing_to_do_lines(caplog)) == 1


# --- whole runs --------------------------------------------------------------------------------------------------


def test_run_job_commits_the_bookmark_after_publishing_the_current_period(lake: Lake, mock_glue_context,
                                                                          mock_job) -> None:
    events = lake.land(upsert("c-1", "11-10", "ana@example.com"))
    lake.bookmark.attach(mock_glue_context, mock_job)
    before = partition_values(datetime.now(timezone.utc), "MONTH", "%Y-%m")[0]

    run_job(job.main, argv(arguments(lake.bronze, lake.path)), glue_context=mock_glue_context, job=mock_job)

    after = partition_values(datetime.now(timezone.utc), "MONTH", "%Y-%m")[0]
    assert mock_job.commits == 1 and lake.bookmark.committed == {f"{uri(lake.bronze)}batch-1.json"}
    assert lake.seen() in ({before: fold(events)}, {after: fold(events)})


@pytest.mark.parametrize("bronze_state", ["missing", "empty"])
def test_a_run_as_glue_runs_the_script_on_an_empty_bronze_writes_nothing_and_commits(lake: Lake, caplog,
                                                                                     bronze_state: str) -> None:
    if bronze_state == "empty":
        lake.bronze.mkdir()

    run = run_script(SCRIPT, arguments(lake.bronze, lake.path))

    assert [name for name, _ in run.init_calls] == ["customers-snapshot"] and run.commits == 1
    assert run.init_calls[0][1]["job-bookmark-option"] == "job-bookmark-enable"  # job.init gets Glue's keys
    assert any(uri(lake.bronze) in line for line in nothing_to_do_lines(caplog))
    assert lake.partitions() == [] and not [f for f in files_under(lake.path) if not f.startswith("_state/")]


@pytest.mark.parametrize("bronze_state", ["no object", "folder marker only"])
def test_a_run_without_events_or_snapshots_writes_nothing_and_commits(s3, customers_table: str, caplog,
                                                                      bronze_state: str) -> None:
    """On moto's S3 and Glue Data Catalog (the table, no partition)."""
    for bucket in ("lake-bronze", "lake-silver"):
        create_bucket(s3, bucket)
    if bronze_state == "folder marker only":  # the console's "Create folder" makes this object
        s3.put_object(Bucket="lake-bronze", Key="customers/", Body=b"")
    glue = boto3.client("glue")
    glue.create_database(DatabaseInput={"Name": "sales_silver"})
    glue.create_table(DatabaseName="sales_silver", TableInput={
        "Name": "customers", "PartitionKeys": [{"Name": "snapshot", "Type": "string"}],
        "StorageDescriptor": {"Location": "s3://lake-silver/customers/"}})

    run = run_script(SCRIPT, arguments("s3://lake-bronze/customers/", "s3://lake-silver/customers/"))

    assert [name for name, _ in run.init_calls] == ["customers-snapshot"] and run.commits == 1
    assert any("s3://lake-bronze/customers/" in line for line in nothing_to_do_lines(caplog))
    assert [key for key in list_keys(s3, "lake-silver") if not key.startswith("customers/_state/")] == []
    assert glue.get_partitions(DatabaseName="sales_silver", TableName="customers")["Partitions"] == []
