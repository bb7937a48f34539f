"""S3 helpers for tests on moto (the `s3` fixture's client)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator, Mapping

REGION = "eu-west-1"
# Fake credentials: moto answers in-process, nothing leaves the machine.
FAKE_AWS_ENVIRONMENT: Mapping[str, str] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


@contextmanager
def fake_aws_environment() -> Iterator[None]:
    """Fake credentials and the Region `eu-west-1` in the environment (no profile), restored after."""
    saved = {name: os.environ.get(name) for name in [*FAKE_AWS_ENVIRONMENT, "AWS_PROFILE"]}
    os.environ.update(FAKE_AWS_ENVIRONMENT)
    os.environ.pop("AWS_PROFILE", None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def mock_s3() -> Iterator[Any]:
    """moto's `mock_aws` with fake credentials: yields a boto3 S3 client in `eu-west-1`."""
    import boto3
    from moto import mock_aws

    with fake_aws_environment(), mock_aws():
        yield boto3.client("s3", region_name=REGION)


def create_bucket(s3: Any, name: str, objects: Mapping[str, bytes | str] | None = None) -> str:
    """Creates the bucket `name` (in the client's Region) with `objects` (key -> body); returns `name`."""
    region = s3.meta.region_name
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if objects:
        put_objects(s3, name, objects)
    return name


def put_objects(s3: Any, bucket: str, objects: Mapping[str, bytes | str]) -> list[str]:
    """Puts each `key -> body` (str bodies as UTF-8); returns their `s3://bucket/key` URIs."""
    uris = []
    for key, body in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8") if isinstance(body, str) else body)
        uris.append(f"s3://{bucket}/{key}")
    return uris


def list_keys(s3: Any, bucket: str, prefix: str = "") -> list[str]:
    """Every key under `prefix` in `bucket`, sorted."""
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return sorted(keys)
