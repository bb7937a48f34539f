"""customers_to_gold_tokenized.py: its source reads the newest published period of the customers table through the
catalog (the local metastore's `sales_silver.customers`, partitions registered with `SparkCatalog.publish` or by
loads with `merge_snapshot`), its sink replaces gold, `main` with both mocked and the tokenizer faked
(`gluelake.testing.FakeTokenizerLambda`), and whole runs.

The table's arguments are those `readsFrom(customersTable)` gives: the reader's part of `customers_table_arguments`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any, Callable
from unittest import mock

import boto3
import pytest

import customers_to_gold_tokenized as job
from gluelake.arguments import JobArgumentError
from gluelake.catalog import SparkCatalog
from gluelake.snapshot import merge_snapshot
from gluelake.testing import (DataFrameMatcher, FakeTokenizerLambda, create_bucket, list_keys, read_invocations,
                              run_script)
from gluelake.tokenize import tokenize_columns
from helpers import JOBS, customers_table_arguments, files_under, nothing_to_do_lines, uri

SILVER_ROW = "customer_id string, email string, country string, updated_at timestamp"
READER_SUFFIXES = ("database", "table", "path", "partition_key", "granularity", "partition_format", "current_view")
NOV = datetime(2026, 11, 21, 2, 30, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
UPDATED = datetime(2026, 11, 21, 10, 0)


def day(month: int, day_: int) -> datetime:
    """An `updated_at` (naive: the session and the machine are UTC)."""
    return datetime(2026, month, day_, 10, 0)


def arguments(table_path: Path | str, gold: Path | str) -> dict[str, str]:
    """The job's arguments: `readsFrom(customersTable)` (`--input_customers_*`), gold and the tokenizer."""
    writer = customers_table_arguments(table_path if isinstance(table_path, str) else uri(table_path))
    return {"JOB_NAME": "customers-to-gold", "env": "test",
            **{f"input_customers_{suffix}": writer[f"output_customers_{suffix}"] for suffix in READER_SUFFIXES},
            "output_gold_path": gold if isinstance(gold, str) else uri(gold), "output_gold_database": "sales_gold",
            "pii_tokenizer_function": "lake-pii-tokenize"}


class Silver:
    """The customers table: run folders written by hand (`write_run`) and registered (`publish`), or loads."""

    def __init__(self, spark: Any, job_context: Callable[..., Any], tmp_path: Path) -> None:
        self.spark, self.job_context = spark, job_context
        self.path = tmp_path / "silver-catalog" / "customers"  # the conftest table's location

    def write_run(self, period: str, run: str, rows: list[tuple]) -> str:
        """Writes a run folder of `period` holding `rows` (and a column silver keeps to itself); its URI."""
        location = f"{uri(self.path)}snapshot={period}/{run}/"  # as_uri() would escape "="
        self.spark.createDataFrame(rows, SILVER_ROW).selectExpr("*", "'x' AS extra").write.parquet(location)
        return location

    def publish(self, period: str, location: str) -> None:
        SparkCatalog(self.spark, "sales_silver", "customers", "snapshot").publish(period, location)

    def load(self, at: datetime, *rows: tuple) -> None:
        """A load of change events (upserts) as customers_snapshot.py runs it."""
        table = self.job_context(customers_table_arguments(uri(self.path))).args.table("output_customers")
        merge_snapshot(self.spark, table, self.spark.createDataFrame(list(rows), SILVER_ROW), at=at)

    def run_folders(self, period: str) -> list[str]:
        """The run folders of `period` that hold data files, published or not."""
        files = files_under(self.path / f"snapshot={period}")
        return sorted({f.split("/")[0] for f in files if f.endswith(".parquet")})


@pytest.fixture
def silver(spark: Any, job_context: Callable[..., Any], customers_table: str, tmp_path: Path) -> Silver:
    return Silver(spark, job_context, tmp_path)


# --- the source and the sink ------------------------------------------------------------------------------------


def test_source_reads_only_the_registered_folder_of_the_newest_published_period(silver: Silver, job_context,
                                                                                tmp_path: Path) -> None:
    silver.publish("2026-10", silver.write_run("2026-10", "run-a", [("c-1", "old@example.com", "PT", day(10, 1))]))
    november = [("c-1", "ana@example.com", "PT", day(11, 1)), ("c-2", "ben@new.example.com", "FR", day(11, 2))]
    silver.publish("2026-11", silver.write_run("2026-11", "run-b", [("c-1", "ana@example.com", "PT", day(11, 1)),
                                                                     ("c-2", "ben@example.com", "FR", day(11, 1))]))
    silver.publish("2026-11", silver.write_run("2026-11", "run-c", november))  # run-b is superseded
    silver.write_run("2026-11", "run-d", [*november, ("c-9", "eve@example.com", "PT", day(11, 3))])  # failed load
    silver.write_run("2026-12", "run-e", [("c-1", "ana@dec.example.com", "PT", day(12, 1))])  # December: not published

    customers = job.source_newest_customers(job_context(arguments(silver.path, tmp_path / "gold")))

    assert silver.run_folders("2026-11") == ["run-b", "run-c", "run-d"]  # all three are there
    assert customers is not None and customers.columns == ["customer_id", "email", "country", "updated_at", "snapshot"]
    assert DataFrameMatcher([(*row, "2026-11") for row in november]) == customers  # each customer once


def test_source_picks_the_greatest_registered_period_whatever_the_order_of_registration(silver: Silver, job_context,
                                                                                        tmp_path: Path) -> None:
    for period in ("2026-12", "2026-10", "2027-01", "2026-11"):
        silver.publish(period, silver.write_run(period, "run-a", [("c-1", f"{period}@example.com", "PT", day(10, 1))]))

    customers = job.source_newest_customers(job_context(arguments(silver.path, tmp_path / "gold")))

    assert DataFrameMatcher([("c-1", "2027-01@example.com", "PT", day(10, 1), "2027-01")]) == customers


def test_source_gives_no_customers_for_a_newest_period_whose_customers_were_all_deleted(silver: Silver, job_context,
                                                                                        tmp_path: Path) -> None:
    silver.publish("2026-10", silver.write_run("2026-10", "run-a", [("c-1", "ana@example.com", "PT", day(10, 1))]))
    silver.publish("2026-11", silver.write_run("2026-11", "run-b", []))

    customers = job.source_newest_customers(job_context(arguments(silver.path, tmp_path / "gold")))

    assert customers is not None and customers.columns[-1] == "snapshot" and customers.isEmpty()


@pytest.mark.parametrize("silver_state", ["no folder", "a run folder never published"])
def test_source_is_none_without_a_published_period(silver: Silver, job_context, tmp_path: Path,
                                                   silver_state: str) -> None:
    if silver_state == "a run folder never published":
        silver.write_run("2026-11", "run-a", [("c-1", "ana@example.com", "PT", day(11, 1))])

    assert job.source_newest_customers(job_context(arguments(silver.path, tmp_path / "gold"))) is None


def test_sink_replaces_gold_and_counts_what_it_wrote(job_context, spark, tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    ctx = job_context(arguments(tmp_path / "silver", gold))
    schema = "customer_id string, email_token string, country string, updated_at timestamp, snapshot string"
    job.sink_gold_customers(ctx, spark.createDataFrame([("c-9", "tok_" + "0" * 32, "PT", UPDATED, "2026-10")], schema))

    counts = job.sink_gold_customers(ctx, spark.createDataFrame([("c-1", "tok_" + "1" * 32, "PT", UPDATED, "2026-11"),
                                                                 ("c-2", None, "FR", UPDATED, "2026-11")], schema))

    assert counts == (2, 1)
    assert sorted(r.customer_id for r in spark.read.parquet(uri(gold)).collect()) == ["c-1", "c-2"]


@pytest.mark.parametrize("gold", ["{silver}", "{silver}gold/", "{parent}"])
def test_sink_refuses_a_gold_location_that_overlaps_silver(job_context, spark, tmp_path: Path, gold: str) -> None:
    silver = uri(tmp_path / "silver")
    ctx = job_context(arguments(silver, gold.format(silver=silver, parent=uri(tmp_path))))

    with pytest.raises(JobArgumentError, match="--output_gold_path.*--input_customers_path"):
        job.sink_gold_customers(ctx, spark.createDataFrame([], "email_token string"))
    assert files_under(tmp_path) == []


# --- main ---------------------------------------------------------------------------------------------------------


def test_main_sinks_the_customers_with_tokens_in_place_of_emails(job_context, spark, monkeypatch, caplog,
                                                                 tmp_path: Path) -> None:
    emails = ["Ann@Example.com", " ann@example.com", None, "  ", "bob@example.com"]
    customers = spark.createDataFrame([(f"c-{i}", e, "PT", day(11, 1)) for i, e in enumerate(emails)], SILVER_ROW)
    monkeypatch.setattr(job, "source_newest_customers", mock.Mock(return_value=customers.selectExpr(
        "*", "'2026-11' AS snapshot")))
    sink = mock.Mock(return_value=(5, 3))
    monkeypatch.setattr(job, "sink_gold_customers", sink)
    tokenizer = FakeTokenizerLambda(record_dir=str(tmp_path))
    monkeypatch.setattr(job, "tokenize_columns", partial(tokenize_columns, lambda_client_factory=tokenizer))
    ctx = job_context(arguments("s3://silver/customers/", "s3://gold/customers/"))

    job.main(ctx)

    ann, bob = tokenizer.token("ann@example.com"), tokenizer.token("bob@example.com")
    sink.assert_called_once_with(ctx, DataFrameMatcher([
        {"customer_id": f"c-{i}", "email_token": token, "country": "PT", "updated_at": day(11, 1),
         "snapshot": "2026-11"} for i, token in enumerate([ann, ann, None, None, bob])], ordered=True))
    sent = [value for call in read_invocations(str(tmp_path)) for value in call["values"]]
    assert sorted(sent) == [" ann@example.com", "Ann@Example.com", "bob@example.com"]  # no blank sent
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "5 customer(s)" in logged and not any(e and e.strip() and e.strip() in logged for e in emails)


def test_main_leaves_gold_as_it_is_without_a_published_period(job_context, monkeypatch, caplog) -> None:
    monkeypatch.setattr(job, "source_newest_customers", mock.Mock(return_value=None))
    sink = mock.Mock()
    monkeypatch.setattr(job, "sink_gold_customers", sink)

    job.main(job_context(arguments("s3://silver/customers/", "s3://gold/customers/")))

    sink.assert_not_called()
    assert [line for line in nothing_to_do_lines(caplog)
            if "sales_silver.customers" in line and "s3://silver/customers/" in line]


# --- whole runs ---------------------------------------------------------------------------------------------------


def test_end_to_end_after_loads_gold_holds_each_published_customer_once(silver: Silver, job_context, spark,
                                                                        monkeypatch, tmp_path: Path) -> None:
    silver.load(NOV, ("c-1", "ana@example.com", "PT", day(11, 1)), ("c-2", "ben@example.com", "FR", day(11, 1)))
    silver.load(NOV + HOUR, ("c-2", None, "FR", day(11, 2)))  # the first folder stays, superseded
    with mock.patch.object(SparkCatalog, "publish", side_effect=RuntimeError("the driver was lost")):
        with pytest.raises(RuntimeError):  # the failed load's folder stays until the next load
            silver.load(NOV + 2 * HOUR, ("c-3", "cy@example.com", "PT", day(11, 3)))
    assert len(silver.run_folders("2026-11")) == 3
    monkeypatch.setattr(job, "tokenize_columns", partial(tokenize_columns, lambda_client_factory=FakeTokenizerLambda()))
    gold = tmp_path / "gold"

    job.main(job_context(arguments(silver.path, gold)))

    assert DataFrameMatcher([("c-1", FakeTokenizerLambda.token("ana@example.com"), "PT", day(11, 1), "2026-11"),
                             ("c-2", None, "FR", day(11, 2), "2026-11")]) == spark.read.parquet(uri(gold))


@pytest.mark.parametrize("silver_state", ["no object", "a run folder never published"])
def test_a_run_without_a_snapshot_keeps_gold_and_commits(s3, caplog, silver_state: str) -> None:
    """On moto's S3 and Glue Data Catalog (the table, no partition)."""
    create_bucket(s3, "lake-silver")
    create_bucket(s3, "lake-gold", {"customers/part-00000.zstd.parquet": b"the current gold"})
    if silver_state == "a run folder never published":
        s3.put_object(Bucket="lake-silver", Key="customers/snapshot=2026-11/run-20261121T023000Z-1a2b3c4d/"
                      "part-00000.zstd.parquet", Body=b"a failed load's file")
    glue = boto3.client("glue")
    glue.create_database(DatabaseInput={"Name": "sales_silver"})
    glue.create_table(DatabaseName="sales_silver", TableInput={
        "Name": "customers", "PartitionKeys": [{"Name": "snapshot", "Type": "string"}],
        "StorageDescriptor": {"Location": "s3://lake-silver/customers/"}})

    run = run_script(JOBS / "customers_to_gold_tokenized.py",
                     arguments("s3://lake-silver/customers/", "s3://lake-gold/customers/"))

    assert [name for name, _ in run.init_calls] == ["customers-to-gold"] and run.commits == 1
    assert any("s3://lake-silver/customers/" in line for line in nothing_to_do_lines(caplog))
    assert list_keys(s3, "lake-gold") == ["customers/part-00000.zstd.parquet"]
