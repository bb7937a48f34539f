"""Every example job and integ probe succeeds on empty inputs, says so in its log, writes nothing
wrong and commits its run.

A lake's first runs find nothing: the Dev stage's smoke test runs the tagged jobs right after the
first deployment, on empty buckets. Spark fails to read a path that does not exist
(`AnalysisException: [PATH_NOT_FOUND] Path does not exist`), and on S3 a prefix without objects
does not exist. The jobs look before they read.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import boto3
import pytest
from moto import mock_aws

import glue_fakes
from glue_fakes import JOBS, run_job

NOTHING_TO_DO = "nothing to do"


@pytest.fixture(autouse=True)
def fake_awsglue() -> Iterator[None]:
    """The scripts here still run on the faked `awsglue` (glue_fakes), in place of the stub for these tests."""
    saved = {name: sys.modules.pop(name) for name in list(sys.modules) if name.split(".")[0] == "awsglue"}
    glue_fakes.install()
    glue_fakes.reset()
    yield
    for name in [name for name in sys.modules if name.split(".")[0] == "awsglue"]:
        del sys.modules[name]
    sys.modules.update(saved)


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
# customers_snapshot.py (S3 through boto3: moto) and customers_to_gold_tokenized.py
# ---------------------------------------------------------------------------------------------

BRONZE_BUCKET, SILVER_BUCKET, GOLD_BUCKET = "lake-bronze", "lake-silver", "lake-gold"


@pytest.fixture
def s3(aws_credentials):
    with mock_aws():
        client = boto3.client("s3")
        for bucket in (BRONZE_BUCKET, SILVER_BUCKET, GOLD_BUCKET):
            client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        yield client


def keys(s3, bucket: str) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


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
