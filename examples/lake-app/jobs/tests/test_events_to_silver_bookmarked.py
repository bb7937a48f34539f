"""events_to_silver_bookmarked.py: the bookmarked source (Glue's reader is a mock: the test gives what a
bookmark would let through), the stored-events source and the sink on local files, `main` with every source
and sink mocked, and whole runs."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

import events_to_silver_bookmarked as job
from gluelake.job import run_job
from gluelake.testing import DataFrameMatcher, MockJob, argv, run_script
from helpers import JOBS, files_under, nothing_to_do_lines, uri, write_lines

S3_ARGUMENTS = {"input_bronze_path": "s3://bronze/events/", "input_bronze_database": "b",
                "output_silver_path": "s3://silver/events/", "output_silver_database": "s"}
RAW = "event_id string, user_id string, event_type string, page_url string, event_ts string"


def arguments(bronze: Path, silver: Path) -> dict[str, str]:
    return {"JOB_NAME": "events-to-silver", "env": "test", "job-bookmark-option": "job-bookmark-enable",
            "input_bronze_path": uri(bronze), "input_bronze_database": "sales_bronze",
            "output_silver_path": uri(silver), "output_silver_database": "sales_silver"}


def dynamic_frame(df: Any) -> mock.MagicMock:
    """What Glue's bookmarked reader returns: `resolveChoice(...).toDF()` gives `df`."""
    frame = mock.MagicMock(name="DynamicFrame")
    frame.resolveChoice.return_value.toDF.return_value = df
    return frame


def test_source_reads_new_files_through_the_bookmark_key(job_context, spark, tmp_path: Path) -> None:
    bronze = tmp_path / "bronze"
    write_lines(bronze / "batch-1.json", ['{"event_id": "e-1"}'])
    ctx = job_context(arguments(bronze, tmp_path / "silver"))
    new = spark.createDataFrame([("e-1", None, None, None, None)], RAW)
    ctx.glue_context.create_dynamic_frame.from_options.return_value = dynamic_frame(new)

    assert job.source_new_events(ctx) is new

    ctx.glue_context.create_dynamic_frame.from_options.assert_called_once_with(
        connection_type="s3", connection_options={"paths": [uri(bronze)], "recurse": True}, format="json",
        transformation_ctx="load_bronze_events")  # the bookmark's key: a rename would re-read every file
    ctx.glue_context.create_dynamic_frame.from_options.return_value.resolveChoice.assert_called_once_with(
        choice="cast:string")


@pytest.mark.parametrize("bronze_state", ["missing", "empty", "hidden files only"])
def test_source_reads_nothing_when_bronze_holds_no_data_file(job_context, tmp_path: Path, bronze_state: str) -> None:
    bronze = tmp_path / "bronze"
    if bronze_state != "missing":
        bronze.mkdir()
    if bronze_state == "hidden files only":
        write_lines(bronze / "_SUCCESS", [])
    ctx = job_context(arguments(bronze, tmp_path / "silver"))

    new = job.source_new_events(ctx)

    assert new.columns == [] and new.count() == 0  # as Glue gives when the bookmark is past every file
    ctx.glue_context.create_dynamic_frame.from_options.assert_not_called()


def test_stored_events_are_those_of_the_days_asked_and_none_before_the_first_write(job_context, spark,
                                                                                    tmp_path: Path) -> None:
    silver = tmp_path / "silver"
    ctx = job_context(arguments(tmp_path / "bronze", silver))
    assert job.source_stored_events(ctx, [date(2026, 11, 21)]).collect() == []
    stored = spark.createDataFrame([("e-1", None, None, None, datetime(2026, 11, 20, 9), date(2026, 11, 20)),
                                    ("e-2", None, None, None, datetime(2026, 11, 21, 9), date(2026, 11, 21))],
                                   job.SILVER_EVENTS)
    job.sink_events(ctx, stored)

    events = job.source_stored_events(ctx, [date(2026, 11, 21), date(2026, 11, 22)])

    assert events.schema == job.SILVER_EVENTS and [r.event_id for r in events.collect()] == ["e-2"]


def test_main_rewrites_each_new_day_with_its_stored_and_new_events_once_each(job_context, spark, monkeypatch) -> None:
    spark.conf.set("spark.sql.session.timeZone", "UTC")  # as run_job sets it
    new = spark.createDataFrame([
        (" e-2 ", "u-1", " Click", "/a", "2026-11-21T10:00:00Z"),
        ("e-3", "u-2", "view", "/b", "2026-11-22T23:00:00-02:00"),  # 01:00 UTC on the 23rd
        ("e-3", "u-2", "view", "/b", "2026-11-22T23:00:00-02:00"),  # twice in the batch
        ("", "u-3", "view", "/c", "2026-11-21T10:00:00Z"),  # no id
        ("e-4", "u-3", "view", "/c", "not a time"),  # no time
    ], RAW)
    stored = spark.createDataFrame([("e-1", "u-9", "view", "/", datetime(2026, 11, 21, 8), date(2026, 11, 21)),
                                    ("e-2", "u-1", "click", "/a", datetime(2026, 11, 21, 10), date(2026, 11, 21))],
                                   job.SILVER_EVENTS)  # e-2 again: a failed run's rerun
    source_stored = mock.Mock(return_value=stored)
    sink = mock.Mock()
    monkeypatch.setattr(job, "source_new_events", mock.Mock(return_value=new))
    monkeypatch.setattr(job, "source_stored_events", source_stored)
    monkeypatch.setattr(job, "sink_events", sink)
    ctx = job_context(S3_ARGUMENTS)

    job.main(ctx)

    source_stored.assert_called_once_with(ctx, [date(2026, 11, 21), date(2026, 11, 23)])
    sink.assert_called_once_with(ctx, DataFrameMatcher([
        {"event_id": "e-1", "user_id": "u-9", "event_type": "view", "page_url": "/",
         "event_ts": datetime(2026, 11, 21, 8), "event_date": date(2026, 11, 21)},
        {"event_id": "e-2", "user_id": "u-1", "event_type": "click", "page_url": "/a",
         "event_ts": datetime(2026, 11, 21, 10), "event_date": date(2026, 11, 21)},
        {"event_id": "e-3", "user_id": "u-2", "event_type": "view", "page_url": "/b",
         "event_ts": datetime(2026, 11, 23, 1), "event_date": date(2026, 11, 23)},
    ]))


@pytest.mark.parametrize("new_files", ["none: the bookmark is past every file", "no valid event"])
def test_main_sinks_nothing_without_a_new_valid_event(job_context, spark, monkeypatch, caplog, new_files: str) -> None:
    from pyspark.sql import types as T

    new = (spark.createDataFrame([], T.StructType([])) if new_files.startswith("none")
           else spark.createDataFrame([(None, "u-1", "view", "/", "2026-11-21T10:00:00Z")], RAW))
    source_stored, sink = mock.Mock(), mock.Mock()
    monkeypatch.setattr(job, "source_new_events", mock.Mock(return_value=new))
    monkeypatch.setattr(job, "source_stored_events", source_stored)
    monkeypatch.setattr(job, "sink_events", sink)

    job.main(job_context(S3_ARGUMENTS))

    source_stored.assert_not_called()
    sink.assert_not_called()
    assert any("s3://bronze/events/" in line for line in nothing_to_do_lines(caplog))


@pytest.mark.parametrize("bronze_state", ["missing", "empty"])
def test_a_run_on_an_empty_bronze_writes_nothing_and_commits(spark, tmp_path: Path, bronze_state: str, caplog) -> None:
    bronze, silver = tmp_path / "bronze" / "events", tmp_path / "silver" / "events"
    if bronze_state == "empty":
        bronze.mkdir(parents=True)

    glue_job = run_script(JOBS / "events_to_silver_bookmarked.py", arguments(bronze, silver))

    assert [name for name, _ in glue_job.init_calls] == ["events-to-silver"] and glue_job.commits == 1
    assert glue_job.init_calls[0][1]["job-bookmark-option"] == "job-bookmark-enable"  # job.init gets Glue's keys
    assert any(uri(bronze) in line for line in nothing_to_do_lines(caplog))
    assert files_under(silver) == []


def test_two_runs_on_one_day_keep_the_events_of_both(mock_glue_context, tmp_path: Path, monkeypatch) -> None:
    bronze, silver = tmp_path / "bronze" / "events", tmp_path / "silver" / "events"
    write_lines(bronze / "batch-1.json", ['{"event_id": "e-1", "event_ts": "2026-11-21T08:00:00Z"}'])
    write_lines(bronze / "batch-2.json", ['{"event_id": "e-2", "event_ts": "2026-11-21T09:00:00Z"}',
                                          '{"event_id": "e-1", "event_ts": "2026-11-21T08:00:00Z"}'])
    batches = iter([bronze / "batch-1.json", bronze / "batch-2.json"])  # what the bookmark lets through

    def bookmarked(ctx: job.JobContext) -> Any:
        return ctx.spark.read.schema(RAW).json(next(batches).as_uri())
    monkeypatch.setattr(job, "source_new_events", bookmarked)
    first, second = MockJob(), MockJob()

    run_job(job.main, argv(arguments(bronze, silver)), glue_context=mock_glue_context, job=first)
    run_job(job.main, argv(arguments(bronze, silver)), glue_context=mock_glue_context, job=second)

    assert first.commits == second.commits == 1
    stored = mock_glue_context.spark_session.read.parquet(uri(silver))
    assert sorted((r.event_id, r.event_date) for r in stored.collect()) == [
        ("e-1", date(2026, 11, 21)), ("e-2", date(2026, 11, 21))]
