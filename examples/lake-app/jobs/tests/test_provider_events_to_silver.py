"""provider_events_to_silver.py: its source and sink touch one provider's prefixes, `main` with both
mocked, the partition id check, and whole runs."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from unittest import mock

import pytest

import provider_events_to_silver as job
from gluelake.arguments import JobArgumentError
from gluelake.testing import DataFrameMatcher, run_script
from helpers import JOBS, files_under, nothing_to_do_lines, uri, write_lines


def arguments(bronze: Path | str, silver: Path | str, provider: str = "acme") -> dict[str, str]:
    return {"JOB_NAME": "provider-events", "env": "test", "partition": provider,
            "input_bronze_path": bronze if isinstance(bronze, str) else uri(bronze), "input_bronze_database": "b",
            "output_silver_path": silver if isinstance(silver, str) else uri(silver), "output_silver_database": "s"}


S3_ARGUMENTS = arguments("s3://bronze/providers/", "s3://silver/providers/")


def test_source_reads_the_provider_s_events_only(job_context, tmp_path: Path) -> None:
    bronze = tmp_path / "bronze"
    write_lines(bronze / "provider=acme" / "2026" / "e.json",
                ['{"event_id": "a-1", "event_type": "x", "event_ts": "2026-11-21T10:00:00Z", "extra": 1}'])
    write_lines(bronze / "provider=globex" / "e.json", ['{"event_id": "g-1"}'])

    events = job.source_provider_events(job_context(arguments(bronze, tmp_path / "silver")))

    assert events is not None and events.schema == job.BRONZE_EVENTS
    assert [r.event_id for r in events.collect()] == ["a-1"]


@pytest.mark.parametrize("bronze_state", ["missing", "other providers only", "hidden files only"])
def test_source_is_none_without_a_data_file_of_the_provider(job_context, tmp_path: Path, bronze_state: str) -> None:
    bronze = tmp_path / "bronze"
    if bronze_state == "other providers only":
        write_lines(bronze / "provider=globex" / "e.json", ['{"event_id": "g-1"}'])
    if bronze_state == "hidden files only":
        write_lines(bronze / "provider=acme" / "_SUCCESS", [])

    assert job.source_provider_events(job_context(arguments(bronze, tmp_path / "silver"))) is None


def test_sink_rewrites_the_provider_s_days_it_writes_and_nothing_else(job_context, spark, tmp_path: Path) -> None:
    silver = tmp_path / "silver"
    schema = "event_id string, event_date date"
    job.sink_provider_events(job_context(arguments(tmp_path / "b", silver, "globex")),
                             spark.createDataFrame([("g-1", date(2026, 11, 21))], schema))
    job.sink_provider_events(job_context(arguments(tmp_path / "b", silver)),
                             spark.createDataFrame([("a-1", date(2026, 11, 20)), ("a-2", date(2026, 11, 21))], schema))

    job.sink_provider_events(job_context(arguments(tmp_path / "b", silver)),
                             spark.createDataFrame([("a-3", date(2026, 11, 21))], schema))

    assert {f.rsplit("/", 1)[0] for f in files_under(silver) if f.endswith(".parquet")} == {
        "provider=acme/event_date=2026-11-20", "provider=acme/event_date=2026-11-21",
        "provider=globex/event_date=2026-11-21"}
    stored = spark.read.parquet(uri(silver))
    assert sorted(r.event_id for r in stored.collect()) == ["a-1", "a-3", "g-1"]


def test_main_sinks_one_row_per_event_with_its_utc_day(job_context, spark, monkeypatch) -> None:
    spark.conf.set("spark.sql.session.timeZone", "UTC")  # as run_job sets it
    raw = spark.createDataFrame([
        ("e-1", "view", datetime(2026, 11, 21, 23, 59), "p"),
        ("e-1", "view", datetime(2026, 11, 21, 23, 59), "p"),  # delivered twice
        (None, "view", datetime(2026, 11, 21, 10, 0), "p"),  # no id
        ("e-3", "view", None, "p"),  # no time
    ], job.BRONZE_EVENTS)
    monkeypatch.setattr(job, "source_provider_events", mock.Mock(return_value=raw))
    sink = mock.Mock()
    monkeypatch.setattr(job, "sink_provider_events", sink)
    ctx = job_context(S3_ARGUMENTS)

    job.main(ctx)

    sink.assert_called_once_with(ctx, DataFrameMatcher([
        {"event_id": "e-1", "event_type": "view", "event_ts": datetime(2026, 11, 21, 23, 59), "payload": "p",
         "event_date": date(2026, 11, 21)}]))


def test_main_sinks_nothing_and_names_the_provider_s_prefix_without_input(job_context, monkeypatch, caplog) -> None:
    monkeypatch.setattr(job, "source_provider_events", mock.Mock(return_value=None))
    sink = mock.Mock()
    monkeypatch.setattr(job, "sink_provider_events", sink)

    job.main(job_context(S3_ARGUMENTS))

    sink.assert_not_called()
    assert any("s3://bronze/providers/provider=acme/" in line for line in nothing_to_do_lines(caplog))


@pytest.mark.parametrize("provider", ["../etc", "acme/../globex", "a.b", "-acme", "a" * 65, " "])
def test_a_partition_that_is_not_a_partition_id_is_refused_before_any_read(job_context, provider: str) -> None:
    with pytest.raises(JobArgumentError, match="--partition"):
        job.source_provider_events(job_context({**S3_ARGUMENTS, "partition": provider}))


@pytest.mark.parametrize("bronze_state", ["missing", "other providers only"])
def test_a_run_without_the_provider_s_events_writes_nothing_and_commits(spark, tmp_path: Path, bronze_state: str,
                                                                        caplog) -> None:
    bronze, silver = tmp_path / "bronze" / "providers", tmp_path / "silver" / "providers"
    if bronze_state == "other providers only":
        write_lines(bronze / "provider=globex" / "events.json",
                    ['{"event_id": "g-1", "event_type": "x", "event_ts": "2026-11-21T10:00:00Z"}'])

    glue_job = run_script(JOBS / "provider_events_to_silver.py", arguments(bronze, silver))

    assert [name for name, _ in glue_job.init_calls] == ["provider-events"] and glue_job.commits == 1
    assert any(uri(bronze) + "provider=acme/" in line for line in nothing_to_do_lines(caplog))
    assert files_under(silver) == []


def test_a_run_writes_the_provider_s_events(spark, tmp_path: Path, caplog) -> None:
    bronze, silver = tmp_path / "bronze" / "providers", tmp_path / "silver" / "providers"
    write_lines(bronze / "provider=acme" / "events.json",
                ['{"event_id": "a-1", "event_type": "x", "event_ts": "2026-11-21T23:30:00-01:00"}'])

    glue_job = run_script(JOBS / "provider_events_to_silver.py", arguments(bronze, silver))

    assert glue_job.commits == 1 and not nothing_to_do_lines(caplog)
    assert [f.rsplit("/", 1)[0] for f in files_under(silver) if f.endswith(".parquet")] == [
        "provider=acme/event_date=2026-11-22"]  # 00:30 UTC
