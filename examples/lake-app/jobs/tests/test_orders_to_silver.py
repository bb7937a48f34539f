"""orders_to_silver.py: its source and sink on local files, `main` with both mocked, and whole runs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest

import orders_to_silver as job
from gluelake.testing import DataFrameMatcher, run_script
from helpers import JOBS, files_under, nothing_to_do_lines, uri, write_lines

RAW_ORDERS = job.BRONZE_ORDERS


def arguments(bronze: Path, silver: Path) -> dict[str, str]:
    return {"JOB_NAME": "orders-to-silver", "env": "test",
            "input_bronze_path": uri(bronze), "input_bronze_database": "sales_bronze",
            "output_silver_path": uri(silver), "output_silver_database": "sales_silver"}


def test_source_reads_every_raw_order_below_bronze_with_the_bronze_schema(job_context, tmp_path: Path) -> None:
    bronze = tmp_path / "bronze"
    write_lines(bronze / "2026" / "11" / "a.json", [
        '{"order_id": "o-1", "amount": 12.5, "order_ts": "2026-11-21T10:00:00Z", "unknown": 1}'])
    write_lines(bronze / "2026" / "12" / "b.json", ['{"order_id": "o-2", "amount": "x"}', "not json"])

    orders = job.source_bronze_orders(job_context(arguments(bronze, tmp_path / "silver")))

    assert orders is not None and orders.schema == RAW_ORDERS  # the unknown field is not read
    assert sorted((r.order_id or "", r.amount) for r in orders.collect()) == [
        ("", None), ("o-1", Decimal("12.50")), ("o-2", None)]


@pytest.mark.parametrize("bronze_state", ["missing", "empty", "hidden files only"])
def test_source_is_none_when_bronze_holds_no_data_file(job_context, tmp_path: Path, bronze_state: str) -> None:
    bronze = tmp_path / "bronze"
    if bronze_state != "missing":
        bronze.mkdir()
    if bronze_state == "hidden files only":  # a marker and a failed upload's leftover: not data
        write_lines(bronze / "_SUCCESS", [])
        write_lines(bronze / "2026" / ".part.json.crc", ["x"])

    assert job.source_bronze_orders(job_context(arguments(bronze, tmp_path / "silver"))) is None


def test_sink_replaces_only_the_order_dates_it_writes(job_context, spark, tmp_path: Path) -> None:
    silver = tmp_path / "silver"
    ctx = job_context(arguments(tmp_path / "bronze", silver))
    schema = "order_id string, order_date date"
    job.sink_silver_orders(ctx, spark.createDataFrame([("o-1", date(2026, 11, 20)), ("o-2", date(2026, 11, 21))],
                                                      schema))

    job.sink_silver_orders(ctx, spark.createDataFrame([("o-3", date(2026, 11, 21))], schema))

    stored = spark.read.parquet(uri(silver))
    assert sorted((r.order_id, r.order_date) for r in stored.collect()) == [
        ("o-1", date(2026, 11, 20)), ("o-3", date(2026, 11, 21))]
    assert {f.split("/")[0] for f in files_under(silver) if f.endswith(".parquet")} == {
        "order_date=2026-11-20", "order_date=2026-11-21"}


def test_main_cleans_the_orders_and_sinks_the_latest_version_of_each(job_context, spark, monkeypatch) -> None:
    raw = spark.createDataFrame([
        (" o-1 ", "c-1 ", "NEW", Decimal("10.00"), "eur", datetime(2026, 11, 21, 23, 30),
         datetime(2026, 11, 21, 23, 30)),
        ("o-1", "c-1", " Paid", Decimal("10.00"), "EUR", datetime(2026, 11, 21, 23, 30), datetime(2026, 11, 22, 8, 0)),
        ("o-2", "c-2", "new", Decimal("5.50"), "usd", datetime(2026, 11, 22, 1, 0), None),  # updated_at <- order_ts
        ("", "c-3", "new", Decimal("1.00"), "eur", datetime(2026, 11, 22, 1, 0), None),  # no id
        ("o-4", "c-4", "new", Decimal("-1.00"), "eur", datetime(2026, 11, 22, 1, 0), None),  # negative amount
        ("o-5", "c-5", "new", Decimal("1.00"), "eur", None, None),  # no time
    ], RAW_ORDERS)
    monkeypatch.setattr(job, "source_bronze_orders", mock.Mock(return_value=raw))
    sink = mock.Mock()
    monkeypatch.setattr(job, "sink_silver_orders", sink)
    ctx = job_context({"input_bronze_path": "s3://bronze/orders/", "input_bronze_database": "b",
                       "output_silver_path": "s3://silver/orders/", "output_silver_database": "s"})

    job.main(ctx)

    sink.assert_called_once_with(ctx, DataFrameMatcher([
        {"order_id": "o-1", "customer_id": "c-1", "status": "paid", "amount": Decimal("10.00"), "currency": "EUR",
         "order_ts": datetime(2026, 11, 21, 23, 30), "updated_at": datetime(2026, 11, 22, 8, 0),
         "order_date": date(2026, 11, 21)},
        {"order_id": "o-2", "customer_id": "c-2", "status": "new", "amount": Decimal("5.50"), "currency": "USD",
         "order_ts": datetime(2026, 11, 22, 1, 0), "updated_at": datetime(2026, 11, 22, 1, 0),
         "order_date": date(2026, 11, 22)},
    ]))


def test_main_sinks_nothing_and_says_so_without_input(job_context, monkeypatch, caplog) -> None:
    monkeypatch.setattr(job, "source_bronze_orders", mock.Mock(return_value=None))
    sink = mock.Mock()
    monkeypatch.setattr(job, "sink_silver_orders", sink)

    job.main(job_context({"input_bronze_path": "s3://bronze/orders/", "input_bronze_database": "b",
                          "output_silver_path": "s3://silver/orders/", "output_silver_database": "s"}))

    sink.assert_not_called()
    assert any("s3://bronze/orders/" in line for line in nothing_to_do_lines(caplog))


@pytest.mark.parametrize("bronze_state", ["missing", "empty", "hidden files only"])
def test_a_run_on_an_empty_bronze_writes_nothing_and_commits(spark, tmp_path: Path, bronze_state: str, caplog) -> None:
    bronze, silver = tmp_path / "bronze" / "orders", tmp_path / "silver" / "orders"
    if bronze_state != "missing":
        bronze.mkdir(parents=True)
    if bronze_state == "hidden files only":
        write_lines(bronze / "_SUCCESS", [])
        write_lines(bronze / "2026" / ".part.json.crc", ["x"])

    glue_job = run_script(JOBS / "orders_to_silver.py", arguments(bronze, silver))

    assert [name for name, _ in glue_job.init_calls] == ["orders-to-silver"] and glue_job.commits == 1
    assert any(uri(bronze) in line for line in nothing_to_do_lines(caplog))
    assert files_under(silver) == []


def test_a_run_writes_what_bronze_holds(spark, tmp_path: Path, caplog) -> None:
    bronze, silver = tmp_path / "bronze" / "orders", tmp_path / "silver" / "orders"
    write_lines(bronze / "2026" / "11" / "orders.json", [
        '{"order_id": "o-1", "customer_id": "c-1", "status": "NEW", "amount": 12.5, "currency": "eur",'
        ' "order_ts": "2026-11-21T23:30:00+01:00"}'])  # 22:30 UTC: the UTC day, whatever the machine's zone

    glue_job = run_script(JOBS / "orders_to_silver.py", arguments(bronze, silver))

    assert glue_job.commits == 1 and not nothing_to_do_lines(caplog)
    assert [f.split("/")[0] for f in files_under(silver) if f.endswith(".parquet")] == ["order_date=2026-11-21"]
