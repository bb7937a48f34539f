"""customers_snapshot.py: its source reads the table's columns through Spark's catalog (the Glue Data Catalog
on Glue, with `--enable-glue-datacatalog`; the local Hive metastore here), its sink is the retain-last merge
with the table's generated SQL, `main` with both mocked, and whole runs on local files and on moto's S3.

The table's arguments are those integ.snapshot-table synthesizes for this script (its real merge SQL)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from unittest import mock

import pytest
from pyspark.errors import AnalysisException

import customers_snapshot as job
from gluelake.periods import partition_values
from gluelake.snapshot import MergeResult
from gluelake.testing import DataFrameMatcher, create_bucket, list_keys, run_script
from helpers import JOBS, customers_table_arguments, files_under, nothing_to_do_lines, uri, write_lines

SCRIPT = JOBS / "customers_snapshot.py"
NOVEMBER = datetime(2026, 11, 21, 3, 0, tzinfo=timezone.utc)  # partition 2026-11, previous 2026-10
ANA, BEN = "2026-11-21T10:00:00Z", "2026-11-22T10:00:00Z"


def at(text: str) -> datetime:
    """A timestamp as Spark returns it (naive; the session and the machine are UTC)."""
    return datetime.fromisoformat(text.replace("Z", "")).replace(tzinfo=None)


@pytest.fixture
def table_path(customers_table: str, tmp_path: Path) -> Path:
    """The local location of the `customers` table (the fixture's)."""
    return tmp_path / "silver-catalog" / "customers"


def arguments(bronze: Path | str, table_path: Path | str) -> dict[str, str]:
    return {"JOB_NAME": "customers-snapshot", "env": "test",
            "input_bronze_path": bronze if isinstance(bronze, str) else uri(bronze),
            "input_bronze_database": "sales_bronze",
            **customers_table_arguments(table_path if isinstance(table_path, str) else uri(table_path))}


def change_events(bronze: Path, name: str, *events: str) -> None:
    write_lines(bronze / name, list(events))


def snapshot(spark, table_path: Path, partition: str) -> list[tuple]:
    rows = spark.read.parquet(f"{uri(table_path)}snapshot={partition}/").collect()  # as_uri() would escape "="
    return sorted((r.customer_id, r.email, r.country, r.updated_at) for r in rows)


@pytest.mark.parametrize("rows_in_table", [0, 1])
def test_source_types_the_events_as_the_catalog_table_s_columns(job_context, spark, table_path: Path, tmp_path: Path,
                                                                customers_table: str, rows_in_table: int) -> None:
    if rows_in_table:  # the columns come from the schema only, whatever the table holds
        spark.sql(f"INSERT INTO {customers_table} PARTITION (snapshot='2026-11') "
                  "VALUES ('c-0', 'zoe@example.com', 'PT', TIMESTAMP '2026-11-21 10:00:00')")
    bronze = tmp_path / "bronze"
    change_events(bronze, "2026/11/a.json",
                  f'{{"customer_id": 1, "email": "ana@example.com", "country": "PT", "updated_at": "{ANA}"}}',
                  f'{{"customer_id": "c-2", "updated_at": "{BEN}", "deleted": true, "unknown": 1}}',
                  '{"customer_id": "c-3", "updated_at": "not a time"}')

    events = job.source_change_events(job_context(arguments(bronze, table_path)))

    assert [(f.name, f.dataType.simpleString()) for f in events.schema.fields] == [
        ("customer_id", "string"), ("email", "string"), ("country", "string"), ("updated_at", "timestamp"),
        ("_deleted", "boolean")]
    assert DataFrameMatcher([("1", "ana@example.com", "PT", at(ANA), False), ("c-2", None, None, at(BEN), True),
                             ("c-3", None, None, None, False)]) == events


def test_source_is_empty_without_a_change_event(job_context, table_path: Path, tmp_path: Path) -> None:
    events = job.source_change_events(job_context(arguments(tmp_path / "no-bronze", table_path)))

    assert events.columns == ["customer_id", "email", "country", "updated_at", "_deleted"] and events.count() == 0


def test_source_fails_on_a_table_the_catalog_does_not_have(job_context, table_path: Path, tmp_path: Path) -> None:
    ctx = job_context({**arguments(tmp_path / "bronze", table_path), "output_customers_table": "no_such_table"})

    with pytest.raises(AnalysisException, match="TABLE_OR_VIEW_NOT_FOUND"):
        job.source_change_events(ctx)


def test_sink_merges_into_the_run_s_period_and_deletes_what_the_partition_held(job_context, spark,
                                                                               table_path: Path) -> None:
    schema = "customer_id string, email string, country string, updated_at timestamp, _deleted boolean"
    ctx = job_context(arguments("s3://unused/customers/", table_path), started_at=NOVEMBER)
    job.sink_snapshot(ctx, spark.createDataFrame([("c-1", "ana@example.com", "PT", at(ANA), False),
                                                  ("c-2", "ben@example.com", "FR", at(ANA), False)], schema))
    first_files = files_under(table_path / "snapshot=2026-11")

    result = job.sink_snapshot(ctx, spark.createDataFrame([("c-1", "ana@new.example.com", "PT", at(BEN), False),
                                                           ("c-2", None, None, at(BEN), True)], schema))

    listed_before = [f for f in first_files if f not in ("_SUCCESS", "._SUCCESS.crc")]  # markers: rewritten
    assert result == MergeResult("2026-11", "2026-10", f"{uri(table_path)}snapshot=2026-11/", written=True,
                                 removed=len(listed_before))
    assert snapshot(spark, table_path, "2026-11") == [("c-1", "ana@new.example.com", "PT", at(BEN))]
    data_files = [f for f in first_files if f.endswith(".parquet")]
    assert data_files and not set(data_files) & set(files_under(table_path / "snapshot=2026-11"))


def test_main_merges_the_change_events_into_the_snapshot(job_context, spark, monkeypatch, caplog) -> None:
    events = spark.createDataFrame([("c-1", False)], "customer_id string, _deleted boolean")
    sink = mock.Mock(return_value=MergeResult("2026-11", "2026-10", "s3://silver/customers/snapshot=2026-11/",
                                              written=True, removed=3))
    monkeypatch.setattr(job, "source_change_events", mock.Mock(return_value=events))
    monkeypatch.setattr(job, "sink_snapshot", sink)
    ctx = job_context(arguments("s3://bronze/customers/", "s3://silver/customers/"))

    job.main(ctx)

    sink.assert_called_once_with(ctx, DataFrameMatcher([{"customer_id": "c-1", "_deleted": False}]))
    assert not nothing_to_do_lines(caplog)
    assert any("s3://silver/customers/snapshot=2026-11/" in r.getMessage() for r in caplog.records)


def test_main_says_nothing_to_do_when_the_merge_had_nothing(job_context, spark, monkeypatch, caplog) -> None:
    monkeypatch.setattr(job, "source_change_events", mock.Mock())
    monkeypatch.setattr(job, "sink_snapshot", mock.Mock(return_value=MergeResult(
        "2026-11", "2026-10", "s3://silver/customers/snapshot=2026-11/", written=False, removed=0)))

    job.main(job_context(arguments("s3://bronze/customers/", "s3://silver/customers/")))

    assert any("s3://bronze/customers/" in line for line in nothing_to_do_lines(caplog))


def test_end_to_end_on_local_files_a_month_s_loads_and_the_next_month(job_context, spark, table_path: Path,
                                                                      tmp_path: Path) -> None:
    bronze = tmp_path / "bronze"
    change_events(bronze, "1.json", f'{{"customer_id": "c-1", "email": "ana@example.com", "country": "PT", '
                                    f'"updated_at": "{ANA}"}}',
                  f'{{"customer_id": "c-2", "email": "ben@example.com", "country": "FR", "updated_at": "{ANA}"}}')
    job.main(job_context(arguments(bronze, table_path), started_at=NOVEMBER))
    change_events(bronze, "2.json", f'{{"customer_id": "c-2", "updated_at": "{BEN}", "deleted": true}}',
                  '{"customer_id": "c-1", "email": "late@example.com", "updated_at": "2026-11-01T00:00:00Z"}')

    job.main(job_context(arguments(bronze, table_path), started_at=NOVEMBER))  # a later run in November
    december = datetime(2026, 12, 1, 0, 5, tzinfo=timezone.utc)
    (bronze / "1.json").unlink()
    (bronze / "2.json").unlink()
    job.main(job_context(arguments(bronze, table_path), started_at=december))  # no event: November carried over

    expected = [("c-1", "ana@example.com", "PT", at(ANA))]  # c-2 deleted, the late event older than the state
    assert snapshot(spark, table_path, "2026-11") == expected
    assert snapshot(spark, table_path, "2026-12") == expected
    assert spark.table("sales_silver.customers").count() == 0  # Athena's projection finds the partitions, Spark not


@pytest.mark.parametrize("bronze_state", ["no object", "folder marker only"])
def test_a_run_without_events_or_snapshots_writes_nothing_and_commits(s3, customers_table: str, caplog,
                                                                      bronze_state: str) -> None:
    for bucket in ("lake-bronze", "lake-silver"):
        create_bucket(s3, bucket)
    if bronze_state == "folder marker only":  # the console's "Create folder" makes this object
        s3.put_object(Bucket="lake-bronze", Key="customers/", Body=b"")

    run = run_script(SCRIPT, arguments("s3://lake-bronze/customers/", "s3://lake-silver/customers/"))

    assert [name for name, _ in run.init_calls] == ["customers-snapshot"] and run.commits == 1
    assert any("s3://lake-bronze/customers/" in line for line in nothing_to_do_lines(caplog))
    assert list_keys(s3, "lake-silver") == []


def test_a_run_as_glue_runs_the_script_writes_the_current_period(spark, table_path: Path, tmp_path: Path) -> None:
    bronze = tmp_path / "bronze"
    change_events(bronze, "1.json", f'{{"customer_id": "c-1", "email": "ana@example.com", "updated_at": "{ANA}"}}')
    before = partition_values(datetime.now(timezone.utc), "MONTH", "%Y-%m")[0]

    run = run_script(SCRIPT, arguments(bronze, table_path))

    after = partition_values(datetime.now(timezone.utc), "MONTH", "%Y-%m")[0]
    assert run.commits == 1
    written = {f.split("/")[0] for f in files_under(table_path) if f.endswith(".parquet")}
    assert written in ({f"snapshot={before}"}, {f"snapshot={after}"})


def test_spark_reads_no_row_of_a_partition_that_only_athena_projection_knows(spark, customers_table: str,
                                                                              table_path: Path) -> None:
    """Why the source reads the table's schema only: Spark does not use Athena's partition projection."""
    (spark.createDataFrame([("c-001", "ana@example.com", "PT", at(ANA))],
                           "customer_id string, email string, country string, updated_at timestamp")
     .write.parquet(f"{uri(table_path)}snapshot=2026-11/"))

    assert spark.table(customers_table).count() == 0  # the files are there, the partition is not registered
    spark.sql(f"ALTER TABLE {customers_table} ADD PARTITION (snapshot='2026-11')")
    assert spark.table(customers_table).count() == 1
