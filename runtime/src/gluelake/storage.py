"""Listing and deleting the files of a location: `s3://` through boto3, local files through pathlib.

A location is a folder: `s3://bucket/prefix/`, `file:///abs/path/` (or `file:/abs/path/`, Hadoop's
form) or a plain local path. A location given without its trailing `/` is read as the folder of that
name (`.../snapshot=2026-1` never matches `.../snapshot=2026-11/`). Local locations let a job run end
to end on a laptop, in a test, on the same code path as on Glue.

Functions return and accept full URIs in the form of the location they were given: the listing of
`file:///tmp/t/` gives `file:///tmp/t/part-0.parquet`, that of `/tmp/t/` gives `/tmp/t/part-0.parquet`.
Local paths are taken literally (no percent-decoding).

boto3 is imported only when an `s3://` location is used without a client (`s3=None`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator, Sequence

__all__ = ["DELETE_BATCH", "DeleteError", "list_files", "is_data_file", "has_data_files", "delete_files",
           "split_s3_uri", "read_text", "write_text"]

DELETE_BATCH = 1000
"""S3 DeleteObjects takes at most 1,000 keys a request."""

_FAILURES_SHOWN = 5
_FILE_FORMS = "file:///absolute/path or file:/absolute/path"


class DeleteError(RuntimeError):
    """Some files could not be deleted; `failed` holds `(uri, code, message)` for each of them."""

    def __init__(self, message: str, failed: Sequence[tuple[str, str, str]]) -> None:
        super().__init__(message)
        self.failed: list[tuple[str, str, str]] = list(failed)


def split_s3_uri(uri: str) -> tuple[str, str]:
    """`(bucket, key)` of an `s3://` URI.

    >>> split_s3_uri("s3://lake-silver/customers/snapshot=2026-11/")
    ('lake-silver', 'customers/snapshot=2026-11/')
    """
    if not uri.startswith("s3://"):
        raise ValueError(f"received {uri!r}; expected an s3:// URI")
    bucket, _, key = uri[len("s3://"):].partition("/")
    if not bucket:
        raise ValueError(f"received {uri!r}; expected an s3:// URI with a bucket, s3://bucket/key")
    return bucket, key


def _local_path(uri: str) -> tuple[str, str]:
    """`(prefix, path)` of a local URI: the text kept in front of every path, and the path itself.

    `file:///a/b` -> `("file://", "/a/b")`, `file:/a/b` -> `("file:", "/a/b")`, `/a/b` -> `("", "/a/b")`."""
    if uri.startswith("file://"):
        path = uri[len("file://"):]
        if not path.startswith("/"):
            raise ValueError(f"received {uri!r}; expected a local file URI, {_FILE_FORMS}")
        return "file://", path
    if uri.startswith("file:"):
        path = uri[len("file:"):]
        if not path.startswith("/"):
            raise ValueError(f"received {uri!r}; expected a local file URI, {_FILE_FORMS}")
        return "file:", path
    if "://" in uri:
        raise ValueError(f"received {uri!r}; expected an s3:// URI, a file: URI or a local path")
    return "", uri


def _folder(uri: str) -> str:
    """The location as a folder: with a trailing `/` (an empty S3 prefix, the bucket, stays as it is)."""
    if uri.startswith("s3://"):
        _, key = split_s3_uri(uri)
        return uri if key == "" or uri.endswith("/") else uri + "/"
    return uri if uri.endswith("/") else uri + "/"


def _s3_client(s3: Any) -> Any:
    if s3 is not None:
        return s3
    import boto3

    return boto3.client("s3")


def _iter_files(uri: str, s3: Any) -> Iterator[str]:
    """Every file (S3: every object, folder markers included) under the folder `uri`, lazily."""
    location = _folder(uri)
    if location.startswith("s3://"):
        bucket, prefix = split_s3_uri(location)
        pages = _s3_client(s3).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", []):
                yield f"s3://{bucket}/{item['Key']}"
        return
    _, path = _local_path(location)
    if not os.path.isdir(path):
        return
    for folder, folders, files in os.walk(path):
        folders.sort()
        relative = os.path.relpath(folder, path)
        for name in sorted(files):
            rest = name if relative == "." else f"{Path(relative).as_posix()}/{name}"
            yield f"{location}{rest}"


def list_files(uri: str, *, s3: Any = None) -> list[str]:
    """Every file under the location, as full URIs in the location's form, sorted.

    S3: every object whose key starts with the location's prefix (`list_objects_v2`, all pages),
    folder markers (keys ending with `/`) and Hadoop's hidden files included: this is what a purge
    removes. Local: every file below the folder (directories are not listed). A location that does
    not exist has no file.

    Args:
        uri: `s3://bucket/prefix/`, `file:///path/`, `file:/path/` or a local path.
        s3: a boto3 S3 client; created with `boto3.client("s3")` when needed and not given.
    """
    return sorted(_iter_files(uri, s3))


def is_data_file(uri: str, location: str) -> bool:
    """Whether Spark reads the file `uri` when it reads the folder `location`.

    Spark skips (HadoopFSUtils.shouldFilterOutPathName) every path part that starts with `.` or with
    `_` (unless it contains `=`, a partition folder such as `_year=2026`), and files ending with
    `._COPYING_`. So `_SUCCESS`, `_temporary/...`, `.spark-staging-*`, the checksums `.part-0.crc`,
    Parquet's `_metadata` and `_common_metadata` are not data. Neither are folder markers (an S3 key
    ending with `/`, or an EMRFS `*_$folder$` object) nor any `*.crc` file.

    Raises:
        ValueError: `uri` is not below `location`.

    >>> [is_data_file("s3://b/t/s=1/" + k, "s3://b/t/s=1/") for k in
    ...  ["part-0.zstd.parquet", "_SUCCESS", "_temporary/0/part-1.parquet", ".part-0.parquet.crc", "", "x/"]]
    [True, False, False, False, False, False]
    """
    folder = _folder(location)
    if not uri.startswith(folder):
        raise ValueError(f"is_data_file: received the file {uri!r}; expected a file below the location {folder!r}")
    rest = uri[len(folder):]
    if rest == "" or rest.endswith("/") or rest.endswith("_$folder$") or rest.endswith(".crc"):
        return False
    return not any(part.startswith(".") or (part.startswith("_") and "=" not in part) or part.endswith("._COPYING_")
                   for part in rest.split("/"))


def has_data_files(uri: str, *, s3: Any = None) -> bool:
    """Whether the location holds a file Spark would read (`is_data_file`); the listing stops at the
    first one (on S3: at the page that holds it).

    Args:
        uri: the location (see `list_files`).
        s3: a boto3 S3 client; created when needed and not given.
    """
    folder = _folder(uri)
    return any(is_data_file(file, folder) for file in _iter_files(folder, s3))


def _batches(items: Sequence[str], size: int = DELETE_BATCH) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield list(items[i:i + size])


def delete_files(uris: Sequence[str], *, s3: Any = None) -> int:
    """Deletes the files; returns how many were asked for (deleted, or already absent).

    S3: `DeleteObjects` in quiet mode, 1,000 keys a request, per bucket. A file that no longer exists
    is not an error (S3 reports a missing key as deleted; locally, a missing file is skipped), so a
    rerun of a purge succeeds. Every batch is tried before a failure is raised.

    Args:
        uris: full URIs (`s3://bucket/key`, `file:` URIs or local paths), e.g. from `list_files`.
        s3: a boto3 S3 client; created when needed and not given.

    Raises:
        DeleteError: some files could not be deleted; the message names them (the first five) and
            their error codes, `failed` lists them all.
    """
    failed: list[tuple[str, str, str]] = []
    by_bucket: dict[str, list[str]] = {}
    for uri in uris:
        if uri.startswith("s3://"):
            bucket, key = split_s3_uri(uri)
            if key == "":
                raise ValueError(f"delete_files: received {uri!r}; expected the URI of an object, s3://bucket/key")
            by_bucket.setdefault(bucket, []).append(key)
            continue
        _, path = _local_path(uri)
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
        except OSError as error:
            failed.append((uri, type(error).__name__, str(error)))
    if by_bucket:
        client = _s3_client(s3)
        for bucket, keys in by_bucket.items():
            for batch in _batches(keys):
                response = client.delete_objects(
                    Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True})
                for error in response.get("Errors", []):
                    failed.append((f"s3://{bucket}/{error.get('Key', '')}", str(error.get("Code", "")),
                                   str(error.get("Message", ""))))
    if failed:
        shown = ", ".join(f"{uri} ({code})" for uri, code, _ in failed[:_FAILURES_SHOWN])
        more = f" and {len(failed) - _FAILURES_SHOWN} more" if len(failed) > _FAILURES_SHOWN else ""
        raise DeleteError(f"could not delete {len(failed)} of {len(uris)} file(s): {shown}{more}", failed)
    return len(uris)


def read_text(uri: str, *, s3: Any = None) -> str | None:
    """The UTF-8 text of the file `uri`, or None when it does not exist.

    Args:
        uri: `s3://bucket/key`, a `file:` URI or a local path.
        s3: a boto3 S3 client; created when needed and not given.
    """
    if uri.startswith("s3://"):
        bucket, key = split_s3_uri(uri)
        client = _s3_client(s3)
        try:
            return client.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        except client.exceptions.NoSuchKey:
            return None
    _, path = _local_path(uri)
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def write_text(uri: str, text: str, *, s3: Any = None) -> None:
    """Writes `text` (UTF-8) to the file `uri`, replacing it (S3 `PutObject`: the bucket's default
    encryption applies; locally, parent folders are created and the file is replaced atomically).

    Args:
        uri: `s3://bucket/key`, a `file:` URI or a local path.
        text: the content.
        s3: a boto3 S3 client; created when needed and not given.
    """
    if uri.startswith("s3://"):
        bucket, key = split_s3_uri(uri)
        _s3_client(s3).put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))
        return
    _, path = _local_path(uri)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, target)
