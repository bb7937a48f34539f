"""Every example job and integ probe succeeds on empty inputs, says so in its log, writes nothing
wrong and commits its run.

A lake's first runs find nothing: the Dev stage's smoke test runs the tagged jobs right after the
first deployment, on empty buckets. Spark fails to read a path that does not exist
(`AnalysisException: [PATH_NOT_FOUND] Path does not exist`), and on S3 a prefix without objects
does not exist. The jobs look before they read.
"""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from glue_fakes import INTEG_JOBS, JOBS, files_under, run_job

NOTHING_TO_DO = "nothing to do"


def uri(path: Path) -> str:
    """The `file://` URI of a local directory, ending with '/' like the library's location arguments."""
    return path.as_uri() + "/"


def assert_nothing_to_do(run, job_name: str, input_uri: str) -> None:
    assert [name for name, _ in run.init_calls] == [job_name]
    assert run.commits == 1
    said = [line for line in run.log if NOTHING_TO_DO in line]
    assert said, f"no '{NOTHING_TO_DO}' line in the log: {run.log}"
    assert input_uri in said[0]


# ---------------------------------------------------------------------------------------------
# orders_to_silver.py (plain, full read)
# ---------------------------------------------------------------------------------------------

def orders_arguments(bronze: str, silver: str) -> dict[str, str]:
    return {"JOB_NAME": "orders-to-silver", "env": "test", "input_bronze_path": bronze,
            "input_bronze_database": "sales_bronze", "output_silver_path": silver,
            "output_silver_database": "sales_silver"}


@pytest.mark.parametrize("bronze_state", ["missing", "empty", "hidden files only"])
def test_orders_to_silver_does_nothing_on_an_empty_bronze(tmp_path: Path, bronze_state: str) -> None:
    bronze, silver = tmp_path / "bronze" / "orders", tmp_path / "silver" / "orders"
    if bronze_state != "missing":
        bronze.mkdir(parents=True)
    if bronze_state == "hidden files only":  # a marker and a failed upload's leftover: not data
        (bronze / "_SUCCESS").write_text("")
        (bronze / "2026").mkdir()
        (bronze / "2026" / ".part.json.crc").write_text("x")

    run = run_job(JOBS / "orders_to_silver.py", orders_arguments(uri(bronze), uri(silver)))

    assert_nothing_to_do(run, "orders-to-silver", uri(bronze))
    assert files_under(silver) == []


def test_orders_to_silver_still_writes_what_bronze_holds(tmp_path: Path) -> None:
    bronze, silver = tmp_path / "bronze" / "orders", tmp_path / "silver" / "orders"
    (bronze / "2026" / "11").mkdir(parents=True)
    (bronze / "2026" / "11" / "orders.json").write_text(
        '{"order_id": "o-1", "customer_id": "c-1", "status": "NEW", "amount": 12.5, "currency": "eur",'
        ' "order_ts": "2026-11-21T10:00:00Z"}\n')

    run = run_job(JOBS / "orders_to_silver.py", orders_arguments(uri(bronze), uri(silver)))

    assert run.commits == 1
    assert not [line for line in run.log if NOTHING_TO_DO in line]
    assert [f for f in files_under(silver) if f.endswith(".parquet")][0].startswith("order_date=2026-11-21/")


# ---------------------------------------------------------------------------------------------
# events_to_silver_bookmarked.py (job bookmark)
# ---------------------------------------------------------------------------------------------

def events_arguments(bronze: str, silver: str) -> dict[str, str]:
    return {"JOB_NAME": "events-to-silver", "env": "test", "input_bronze_path": bronze,
            "input_bronze_database": "sales_bronze", "output_silver_path": silver,
            "output_silver_database": "sales_silver", "job-bookmark-option": "job-bookmark-enable"}


@pytest.mark.parametrize("bronze_state", ["missing", "empty"])
def test_events_to_silver_does_nothing_on_an_empty_bronze(tmp_path: Path, bronze_state: str) -> None:
    bronze, silver = tmp_path / "bronze" / "events", tmp_path / "silver" / "events"
    if bronze_state == "empty":
        bronze.mkdir(parents=True)

    run = run_job(JOBS / "events_to_silver_bookmarked.py", events_arguments(uri(bronze), uri(silver)))

    assert_nothing_to_do(run, "events-to-silver", uri(bronze))
    assert files_under(silver) == []


def test_events_to_silver_does_nothing_when_the_bookmark_is_past_every_file(tmp_path: Path) -> None:
    bronze, silver = tmp_path / "bronze" / "events", tmp_path / "silver" / "events"
    bronze.mkdir(parents=True)
    (bronze / "batch-1.json").write_text(
        '{"event_id": "e-1", "user_id": "u-1", "event_type": "View", "page_url": "/", "event_ts": "2026-11-21T10:00:00Z"}\n')
    first = run_job(JOBS / "events_to_silver_bookmarked.py", events_arguments(uri(bronze), uri(silver)))
    written = {f: (silver / f).stat().st_mtime_ns for f in files_under(silver)}
    assert first.commits == 1 and any(f.startswith("event_date=2026-11-21/") for f in written)

    second = run_job(JOBS / "events_to_silver_bookmarked.py", events_arguments(uri(bronze), uri(silver)))

    assert_nothing_to_do(second, "events-to-silver", uri(bronze))
    assert second.glue_context.dynamic_frame_reads[0]["transformation_ctx"] == "load_bronze_events"
    assert {f: (silver / f).stat().st_mtime_ns for f in files_under(silver)} == written


# ---------------------------------------------------------------------------------------------
# provider_events_to_silver.py (one provider per run)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bronze_state", ["missing", "other providers only"])
def test_provider_events_to_silver_does_nothing_without_the_provider_s_events(tmp_path: Path, bronze_state: str) -> None:
    bronze, silver = tmp_path / "bronze" / "providers", tmp_path / "silver" / "providers"
    if bronze_state == "other providers only":
        (bronze / "provider=globex").mkdir(parents=True)
        (bronze / "provider=globex" / "events.json").write_text(
            '{"event_id": "g-1", "event_type": "x", "event_ts": "2026-11-21T10:00:00Z"}\n')

    run = run_job(JOBS / "provider_events_to_silver.py", {
        "JOB_NAME": "provider-events", "env": "test", "partition": "acme",
        "input_bronze_path": uri(bronze), "output_silver_path": uri(silver)})

    assert_nothing_to_do(run, "provider-events", uri(bronze) + "provider=acme/")
    assert files_under(silver) == []


# ---------------------------------------------------------------------------------------------
# customers_snapshot.py (S3 through boto3: moto) and customers_to_gold_tokenized.py
# ---------------------------------------------------------------------------------------------

BRONZE_BUCKET, SILVER_BUCKET, GOLD_BUCKET = "lake-bronze", "lake-silver", "lake-gold"


@pytest.fixture
def s3(aws_env):
    with mock_aws():
        client = boto3.client("s3")
        for bucket in (BRONZE_BUCKET, SILVER_BUCKET, GOLD_BUCKET):
            client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        yield client


def keys(s3, bucket: str) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


@pytest.mark.parametrize("bronze_state", ["no object", "folder marker only"])
def test_customers_snapshot_does_nothing_without_events_or_snapshots(s3, customers_table, bronze_state: str) -> None:
    if bronze_state == "folder marker only":  # the console's "Create folder" makes this object
        s3.put_object(Bucket=BRONZE_BUCKET, Key="customers/", Body=b"")

    run = run_job(JOBS / "customers_snapshot.py", snapshot_arguments())

    assert_nothing_to_do(run, "customers-snapshot", f"s3://{BRONZE_BUCKET}/customers/")
    assert keys(s3, SILVER_BUCKET) == []


@pytest.mark.parametrize("silver_state", ["no object", "markers only"])
def test_customers_to_gold_does_nothing_without_a_snapshot_and_keeps_gold(s3, silver_state: str) -> None:
    if silver_state == "markers only":
        s3.put_object(Bucket=SILVER_BUCKET, Key="customers/snapshot=2026-11/_SUCCESS", Body=b"")
    s3.put_object(Bucket=GOLD_BUCKET, Key="customers/part-00000.zstd.parquet", Body=b"the current gold")

    run = run_job(JOBS / "customers_to_gold_tokenized.py", {
        "JOB_NAME": "customers-to-gold", "env": "test",
        "input_silver_path": f"s3://{SILVER_BUCKET}/customers/", "input_silver_database": "sales_silver",
        "output_gold_path": f"s3://{GOLD_BUCKET}/customers/", "output_gold_database": "sales_gold",
        "pii_tokenizer_function": "lake-pii-tokenize"})

    assert_nothing_to_do(run, "customers-to-gold", f"s3://{SILVER_BUCKET}/customers/")
    assert keys(s3, GOLD_BUCKET) == ["customers/part-00000.zstd.parquet"]


def snapshot_arguments(database: str = "sales_silver", table: str = "customers") -> dict[str, str]:
    return {
        "JOB_NAME": "customers-snapshot", "env": "test",
        "input_bronze_path": f"s3://{BRONZE_BUCKET}/customers/", "input_bronze_database": "sales_bronze",
        "output_customers_database": database, "output_customers_table": table,
        "output_customers_path": f"s3://{SILVER_BUCKET}/customers/", "output_customers_partition_key": "snapshot",
        "output_customers_granularity": "MONTH", "output_customers_partition_format": "%Y-%m",
        "output_customers_primary_key": "customer_id", "output_customers_effective_date_column": "updated_at",
        "output_customers_compression": "zstd",
        # Any statement over the three views: with nothing to merge, the job must not run it.
        "output_customers_merge_sql": "SELECT customer_id, email, country, updated_at FROM current_snapshot",
    }


# ---------------------------------------------------------------------------------------------
# integ/jobs probes: they read nothing and write one marker row
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("probe, extra, written", [
    ("smoke_probe.py", {}, "smoke/"),
    ("bookmarked_probe.py", {"job-bookmark-option": "job-bookmark-enable"}, "run_date="),
    ("partition_probe.py", {"partition": "acme"}, "partition=acme/"),
])
def test_integ_probes_succeed_on_an_empty_output_location(tmp_path: Path, probe: str, extra: dict, written: str) -> None:
    silver = tmp_path / "silver" / "probe"

    run = run_job(INTEG_JOBS / probe, {"JOB_NAME": "probe", "env": "test", "output_silver_path": uri(silver), **extra})

    assert [name for name, _ in run.init_calls] == ["probe"]
    assert run.commits == 1
    parquet = [f for f in files_under(silver) if f.endswith(".parquet")]
    assert len(parquet) == 1 and parquet[0].startswith(written)
