"""Tests of gluelake.storage: listing and deleting files under s3:// (moto) and local locations."""

from __future__ import annotations

import doctest
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
from moto import mock_aws

import gluelake.storage
from gluelake.storage import DeleteError, delete_files, has_data_files, is_data_file, list_files

BUCKET = "lake-silver"
REGION = "eu-west-1"


@pytest.fixture()
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A moto S3 client with the bucket `lake-silver`, fake credentials, region eu-west-1."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield client


class Recording:
    """Wraps a boto3 client and records the DeleteObjects requests and the listed pages."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.deletes: list[dict[str, Any]] = []
        self.pages = 0

    def delete_objects(self, **kwargs: Any) -> Any:
        self.deletes.append(kwargs)
        return self.client.delete_objects(**kwargs)

    def get_paginator(self, name: str) -> Any:
        recording = self
        paginator = self.client.get_paginator(name)

        class Pages:
            def paginate(self, **kwargs: Any) -> Iterator[Any]:
                for page in paginator.paginate(**kwargs):
                    recording.pages += 1
                    yield page

        return Pages()


def put(s3: Any, *keys: str) -> None:
    for key in keys:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")


def keys(s3: Any) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


# --- is_data_file ------------------------------------------------------------------------------

@pytest.mark.parametrize(("rest", "expected"), [
    ("part-00000-1b2c.zstd.parquet", True),
    ("sub/part-0.parquet", True),
    ("_year=2026/part-0.parquet", True),  # a partition folder, read by Spark
    ("_SUCCESS", False),
    ("_temporary/0/_temporary/attempt_1/part-0.parquet", False),
    (".spark-staging-0a1b/part-0.parquet", False),
    (".part-0.parquet.crc", False),
    ("part-0.parquet.crc", False),
    ("part-0.parquet._COPYING_", False),
    ("_metadata", False),
    ("_common_metadata", False),
    ("sub_$folder$", False),
    ("sub/", False),
    ("", False),
])
def test_is_data_file(rest: str, expected: bool) -> None:
    for location in ("s3://b/t/snapshot=2026-11/", "file:///tmp/t/snapshot=2026-11/", "/tmp/t/snapshot=2026-11/"):
        assert is_data_file(location + rest, location) is expected
        assert is_data_file(location + rest, location.rstrip("/")) is expected


def test_is_data_file_refuses_a_file_outside_the_location() -> None:
    with pytest.raises(ValueError) as raised:
        is_data_file("s3://b/t/snapshot=2026-11/part-0.parquet", "s3://b/t/snapshot=2026-1")
    assert str(raised.value) == ("is_data_file: received the file 's3://b/t/snapshot=2026-11/part-0.parquet'; "
                                 "expected a file below the location 's3://b/t/snapshot=2026-1/'")


# --- S3 ----------------------------------------------------------------------------------------

def test_s3_list_is_a_folder_listing_of_full_uris(s3: Any) -> None:
    put(s3, "t/snapshot=2026-11/part-0.parquet", "t/snapshot=2026-11/_SUCCESS", "t/snapshot=2026-11/",
        "t/snapshot=2026-11/_temporary/0/part-1.parquet", "t/snapshot=2026-1/part-0.parquet", "t/other")
    expected = [f"s3://{BUCKET}/t/snapshot=2026-11/{rest}"
                for rest in ["", "_SUCCESS", "_temporary/0/part-1.parquet", "part-0.parquet"]]
    assert list_files(f"s3://{BUCKET}/t/snapshot=2026-11/", s3=s3) == expected
    # Without the trailing "/", the same folder: never the sibling snapshot=2026-1... of another period.
    assert list_files(f"s3://{BUCKET}/t/snapshot=2026-11", s3=s3) == expected
    assert list_files(f"s3://{BUCKET}/t/snapshot=2026-1", s3=s3) == [f"s3://{BUCKET}/t/snapshot=2026-1/part-0.parquet"]
    assert list_files(f"s3://{BUCKET}/missing/", s3=s3) == []


def test_s3_list_reads_every_page_and_delete_sends_1000_keys_a_request(s3: Any) -> None:
    names = [f"t/p=1/part-{i:05d}.parquet" for i in range(2500)]
    put(s3, *names, "t/p=2/keep.parquet")
    recording = Recording(s3)
    listed = list_files(f"s3://{BUCKET}/t/p=1/", s3=recording)
    assert listed == [f"s3://{BUCKET}/{name}" for name in names]
    assert recording.pages == 3  # list_objects_v2 returns at most 1,000 keys a page

    assert delete_files(listed, s3=recording) == 2500
    assert [len(d["Delete"]["Objects"]) for d in recording.deletes] == [1000, 1000, 500]
    assert all(d["Delete"]["Quiet"] is True and d["Bucket"] == BUCKET for d in recording.deletes)
    assert keys(s3) == ["t/p=2/keep.parquet"]


def test_s3_has_data_files(s3: Any) -> None:
    put(s3, "t/a/_SUCCESS", "t/a/", "t/a/_temporary/0/part-0.parquet", "t/a/.part-0.parquet.crc",
        "t/b/part-0.parquet", "t/b/_SUCCESS")
    assert has_data_files(f"s3://{BUCKET}/t/a/", s3=s3) is False
    assert has_data_files(f"s3://{BUCKET}/t/b/", s3=s3) is True
    assert has_data_files(f"s3://{BUCKET}/t/none/", s3=s3) is False


def test_s3_has_data_files_stops_at_the_first_page_with_one(s3: Any) -> None:
    put(s3, *(f"t/p=1/part-{i:05d}.parquet" for i in range(1500)))
    recording = Recording(s3)
    assert has_data_files(f"s3://{BUCKET}/t/p=1/", s3=recording) is True
    assert recording.pages == 1


def test_s3_delete_of_keys_already_gone_succeeds(s3: Any) -> None:
    put(s3, "t/p=1/a.parquet")
    assert delete_files([f"s3://{BUCKET}/t/p=1/a.parquet", f"s3://{BUCKET}/t/p=1/gone.parquet"], s3=s3) == 2
    assert keys(s3) == []


def test_s3_client_is_created_when_not_given(s3: Any) -> None:
    put(s3, "t/p=1/a.parquet")
    assert list_files(f"s3://{BUCKET}/t/p=1/") == [f"s3://{BUCKET}/t/p=1/a.parquet"]
    assert delete_files([f"s3://{BUCKET}/t/p=1/a.parquet"]) == 1
    assert keys(s3) == []


class FailingDeletes:
    """An S3 client whose DeleteObjects reports an AccessDenied error for every key containing 'locked'."""

    def __init__(self) -> None:
        self.requests = 0

    def delete_objects(self, Bucket: str, Delete: dict[str, Any]) -> dict[str, Any]:  # noqa: N803 (boto3 names)
        self.requests += 1
        errors = [{"Key": o["Key"], "Code": "AccessDenied", "Message": "Access Denied"}
                  for o in Delete["Objects"] if "locked" in o["Key"]]
        return {"Errors": errors} if errors else {}


def test_s3_delete_errors_name_the_failed_keys_after_every_batch() -> None:
    client = FailingDeletes()
    uris = ([f"s3://b/t/locked-{i}" for i in range(7)] + [f"s3://b/t/ok-{i}" for i in range(1000)]
            + ["s3://b/t/locked-last"])
    with pytest.raises(DeleteError) as raised:
        delete_files(uris, s3=client)
    assert str(raised.value) == (
        "could not delete 8 of 1008 file(s): s3://b/t/locked-0 (AccessDenied), s3://b/t/locked-1 (AccessDenied), "
        "s3://b/t/locked-2 (AccessDenied), s3://b/t/locked-3 (AccessDenied), s3://b/t/locked-4 (AccessDenied) "
        "and 3 more")
    assert raised.value.failed[-1] == ("s3://b/t/locked-last", "AccessDenied", "Access Denied")
    assert client.requests == 2


@pytest.mark.parametrize(("call", "message"), [
    (lambda: list_files("s3:///t/"), "received 's3:///t/'; expected an s3:// URI with a bucket, s3://bucket/key"),
    (lambda: list_files("hdfs://nn/t/"), "received 'hdfs://nn/t/'; expected an s3:// URI, a file: URI or a local path"),
    (lambda: list_files("file://host/t/"),
     "received 'file://host/t/'; expected a local file URI, file:///absolute/path or file:/absolute/path"),
    (lambda: delete_files(["s3://b"], s3=object()),
     "delete_files: received 's3://b'; expected the URI of an object, s3://bucket/key"),
])
def test_invalid_locations(call: Any, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        call()
    assert str(raised.value) == message


# --- local files -------------------------------------------------------------------------------

def make_files(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")


@pytest.mark.parametrize("form", ["file://", "file:", ""])
def test_local_list_has_data_and_delete(tmp_path: Path, form: str) -> None:
    make_files(tmp_path, "t/snapshot=2026-11/part-0.parquet", "t/snapshot=2026-11/_SUCCESS",
               "t/snapshot=2026-11/.part-0.parquet.crc", "t/snapshot=2026-11/_temporary/0/part-1.parquet",
               "t/snapshot=2026-1/part-9.parquet", "t/snapshot=2026-10/_SUCCESS")
    (tmp_path / "t/snapshot=2026-11/empty-folder").mkdir()
    location = f"{form}{tmp_path}/t/snapshot=2026-11/"
    listed = list_files(location)
    assert listed == [location + rest for rest in
                      [".part-0.parquet.crc", "_SUCCESS", "_temporary/0/part-1.parquet", "part-0.parquet"]]
    assert list_files(location.rstrip("/")) == listed
    assert has_data_files(location) is True
    assert has_data_files(f"{form}{tmp_path}/t/snapshot=2026-10/") is False
    assert has_data_files(f"{form}{tmp_path}/t/missing/") is False
    assert list_files(f"{form}{tmp_path}/t/missing/") == []

    assert delete_files([*listed, location + "gone.parquet"]) == 5
    assert list_files(location) == []
    assert list_files(f"{form}{tmp_path}/t/snapshot=2026-1/") == [f"{form}{tmp_path}/t/snapshot=2026-1/part-9.parquet"]


def test_local_delete_errors_are_raised(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()  # os.remove refuses a directory
    with pytest.raises(DeleteError) as raised:
        delete_files([f"file://{tmp_path}/folder"])
    assert str(raised.value).startswith(f"could not delete 1 of 1 file(s): file://{tmp_path}/folder (")
    assert raised.value.failed[0][0] == f"file://{tmp_path}/folder"


def test_doctests() -> None:
    result = doctest.testmod(gluelake.storage)
    assert result.attempted > 0
    assert result.failed == 0
