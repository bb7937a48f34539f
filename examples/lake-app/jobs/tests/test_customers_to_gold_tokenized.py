"""customers_to_gold_tokenized.py: its source finds the newest snapshot, its sink replaces gold, `main` with
both mocked and the tokenizer faked (`gluelake.testing.FakeTokenizerLambda`), and whole runs."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path
from unittest import mock

import pytest

import customers_to_gold_tokenized as job
from gluelake.arguments import JobArgumentError
from gluelake.testing import (DataFrameMatcher, FakeTokenizerLambda, create_bucket, list_keys, read_invocations,
                              run_script)
from gluelake.tokenize import tokenize_columns
from helpers import JOBS, files_under, nothing_to_do_lines, uri

UPDATED = datetime(2026, 11, 21, 10, 0)
SILVER_ROW = "customer_id string, email string, country string, updated_at timestamp"


def arguments(silver: Path | str, gold: Path | str) -> dict[str, str]:
    return {"JOB_NAME": "customers-to-gold", "env": "test",
            "input_silver_path": silver if isinstance(silver, str) else uri(silver),
            "input_silver_database": "sales_silver",
            "output_gold_path": gold if isinstance(gold, str) else uri(gold), "output_gold_database": "sales_gold",
            "pii_tokenizer_function": "lake-pii-tokenize"}


def write_snapshot(spark, silver: Path, snapshot: str, rows: list[tuple]) -> None:
    (spark.createDataFrame(rows, SILVER_ROW).selectExpr("*", "'x' AS extra")  # other columns stay in silver
     .write.mode("overwrite").parquet(f"{uri(silver)}snapshot={snapshot}/"))  # as_uri() would escape "="


def test_source_reads_the_newest_snapshot_that_holds_data(job_context, spark, tmp_path: Path) -> None:
    silver = tmp_path / "silver"
    write_snapshot(spark, silver, "2026-10", [("c-1", "old@example.com", "PT", UPDATED)])
    write_snapshot(spark, silver, "2026-11", [("c-1", "ana@example.com", "PT", UPDATED)])
    (silver / "snapshot=2026-12").mkdir()
    (silver / "snapshot=2026-12" / "_SUCCESS").write_text("")  # a marker, no data: not a snapshot

    customers = job.source_newest_customers(job_context(arguments(silver, tmp_path / "gold")))

    assert customers is not None and customers.columns == ["customer_id", "email", "country", "updated_at", "snapshot"]
    assert DataFrameMatcher([("c-1", "ana@example.com", "PT", UPDATED, "2026-11")]) == customers


@pytest.mark.parametrize("silver_state", ["missing", "markers only", "files outside a snapshot partition"])
def test_source_is_none_without_a_snapshot(job_context, tmp_path: Path, silver_state: str) -> None:
    silver = tmp_path / "silver"
    if silver_state == "markers only":
        (silver / "snapshot=2026-11").mkdir(parents=True)
        (silver / "snapshot=2026-11" / "_SUCCESS").write_text("")
    if silver_state == "files outside a snapshot partition":
        silver.mkdir()
        (silver / "part-0.parquet").write_text("x")

    assert job.source_newest_customers(job_context(arguments(silver, tmp_path / "gold"))) is None


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

    with pytest.raises(JobArgumentError, match="--output_gold_path"):
        job.sink_gold_customers(ctx, spark.createDataFrame([], "email_token string"))
    assert files_under(tmp_path) == []


def test_main_sinks_the_customers_with_tokens_in_place_of_emails(job_context, spark, monkeypatch, caplog,
                                                                 tmp_path: Path) -> None:
    emails = ["Ann@Example.com", " ann@example.com", None, "  ", "bob@example.com"]
    customers = spark.createDataFrame([(f"c-{i}", e, "PT", UPDATED) for i, e in enumerate(emails)], SILVER_ROW)
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
        {"customer_id": f"c-{i}", "email_token": token, "country": "PT", "updated_at": UPDATED, "snapshot": "2026-11"}
        for i, token in enumerate([ann, ann, None, None, bob])], ordered=True))
    sent = [value for call in read_invocations(str(tmp_path)) for value in call["values"]]
    assert sorted(sent) == [" ann@example.com", "Ann@Example.com", "bob@example.com"]  # no blank sent
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "5 customer(s)" in logged and not any(e and e.strip() and e.strip() in logged for e in emails)


def test_main_leaves_gold_as_it_is_without_a_snapshot(job_context, monkeypatch, caplog) -> None:
    monkeypatch.setattr(job, "source_newest_customers", mock.Mock(return_value=None))
    sink = mock.Mock()
    monkeypatch.setattr(job, "sink_gold_customers", sink)

    job.main(job_context(arguments("s3://silver/customers/", "s3://gold/customers/")))

    sink.assert_not_called()
    assert any("s3://silver/customers/" in line for line in nothing_to_do_lines(caplog))


def test_end_to_end_on_local_files(job_context, spark, monkeypatch, tmp_path: Path) -> None:
    silver, gold = tmp_path / "silver", tmp_path / "gold"
    write_snapshot(spark, silver, "2026-10", [("c-1", "old@example.com", "PT", UPDATED)])
    write_snapshot(spark, silver, "2026-11", [("c-1", "ana@example.com", "PT", UPDATED), ("c-2", None, "FR", UPDATED)])
    monkeypatch.setattr(job, "tokenize_columns", partial(tokenize_columns, lambda_client_factory=FakeTokenizerLambda()))

    job.main(job_context(arguments(silver, gold)))

    assert DataFrameMatcher([("c-1", FakeTokenizerLambda.token("ana@example.com"), "PT", UPDATED, "2026-11"),
                             ("c-2", None, "FR", UPDATED, "2026-11")]) == spark.read.parquet(uri(gold))


@pytest.mark.parametrize("silver_state", ["no object", "markers only"])
def test_a_run_without_a_snapshot_keeps_gold_and_commits(s3, caplog, silver_state: str) -> None:
    create_bucket(s3, "lake-silver")
    create_bucket(s3, "lake-gold", {"customers/part-00000.zstd.parquet": b"the current gold"})
    if silver_state == "markers only":
        s3.put_object(Bucket="lake-silver", Key="customers/snapshot=2026-11/_SUCCESS", Body=b"")

    run = run_script(JOBS / "customers_to_gold_tokenized.py",
                     arguments("s3://lake-silver/customers/", "s3://lake-gold/customers/"))

    assert [name for name, _ in run.init_calls] == ["customers-to-gold"] and run.commits == 1
    assert any("s3://lake-silver/customers/" in line for line in nothing_to_do_lines(caplog))
    assert list_keys(s3, "lake-gold") == ["customers/part-00000.zstd.parquet"]
