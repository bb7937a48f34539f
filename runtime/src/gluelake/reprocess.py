"""Reprocessing a partition (DESIGN.md item 3): identify, rebuild, write to the same location, delete
what existed before.

1. `impacted_partitions(incoming, ["year", "month"])` gives the partitions a batch of (late,
   corrected) data touches;
2. `partition_location(table_path, values)` gives the folder of each, named as Spark names it;
3. `rebuild_partition(spark, location, build)` lists the folder, builds the partition's new
   content (`build` may read the folder itself), appends it to the folder and only then deletes the
   files listed before, plus any file `build`'s DataFrame read from the folder.

Like the snapshot merge, the rebuild writes first and deletes second, and decides what to delete by
a listing taken before the write: a failure in between leaves old and new files side by side (a
rerun rebuilds from both and deletes both, when `build` deduplicates, or from the source again), a
file the run wrote is never deleted. Two runs must not rebuild the same partition at the same time.

PySpark is imported inside the functions: importing this module needs no Spark.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence
from urllib.parse import unquote

from gluelake.storage import delete_files, is_data_file, list_files, split_s3_uri

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["RebuildResult", "DEFAULT_PARTITION_NAME", "impacted_partitions", "partition_location",
           "rebuild_partition"]

DEFAULT_PARTITION_NAME = "__HIVE_DEFAULT_PARTITION__"
"""The folder name Spark and Hive give a null or empty partition value."""

_LOGGER = "gluelake.reprocess"
_MARKERS = ("_SUCCESS", "._SUCCESS.crc")
# The characters Spark escapes as %XX in partition folder names (ExternalCatalogUtils.escapePathName).
_ESCAPED = frozenset([*map(chr, range(0x01, 0x20)), '"', "#", "%", "'", "*", "/", ":", "=", "?", "\\", "\x7f",
                      "{", "[", "]", "^"])


@dataclass(frozen=True)
class RebuildResult:
    """What `rebuild_partition` did.

    Attributes:
        location: the partition's folder (ending with `/`).
        removed: how many files were deleted (the before-listing, and files read from the folder
            that appeared after it).
        written: how many data files the folder holds after the write that it did not hold before.
    """

    location: str
    removed: int
    written: int


def impacted_partitions(df: DataFrame, partition_columns: Sequence[str]) -> list[dict[str, Any]]:
    """The distinct values of `partition_columns` in `df`, sorted: the partitions a batch touches.

    Args:
        df: the incoming data (e.g. late or corrected records).
        partition_columns: the table's partition columns, in folder order.

    Returns:
        One `{column: value}` per partition, sorted by the columns (nulls first).

    Raises:
        ValueError: no column given, or a column is not in `df`.
    """
    columns = list(partition_columns)
    if not columns:
        raise ValueError("impacted_partitions: received no partition column; expected at least one")
    missing = [column for column in columns if column not in df.columns]
    if missing:
        raise ValueError(f"impacted_partitions: received the partition column(s) {', '.join(missing)}; "
                         f"expected columns of the DataFrame ({', '.join(df.columns)})")
    return [row.asDict() for row in df.select(*columns).distinct().orderBy(*columns).collect()]


def _value_string(value: Any) -> str:
    """A partition value as Spark writes it in a folder name (before escaping)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _escape(text: str) -> str:
    return "".join(f"%{ord(c):02X}" if c in _ESCAPED else c for c in text)


def partition_location(path: str, values: Mapping[str, Any]) -> str:
    """The folder of one partition below a table's `path`, named as Spark names it when it writes
    with `partitionBy`: `<path><column>=<value>/...`, in the mapping's order, with the characters
    Spark escapes written `%XX` and a null or empty value written `__HIVE_DEFAULT_PARTITION__`.

    >>> partition_location("s3://lake/orders/", {"year": 2026, "day": "2026-11-21"})
    's3://lake/orders/year=2026/day=2026-11-21/'
    >>> partition_location("s3://lake/events", {"source": "a/b:c", "kind": None})
    's3://lake/events/source=a%2Fb%3Ac/kind=__HIVE_DEFAULT_PARTITION__/'
    """
    if not values:
        raise ValueError("partition_location: received no partition value; expected at least one column")
    parts = [f"{_escape(column)}="
             f"{DEFAULT_PARTITION_NAME if value is None or value == '' else _escape(_value_string(value))}"
             for column, value in values.items()]
    return f"{path.rstrip('/')}/{'/'.join(parts)}/"


def _identity(uri: str) -> str:
    """A comparable form of a file URI: `s3://bucket/key` for s3/s3a/s3n, the decoded absolute path for local files."""
    for scheme in ("s3a://", "s3n://"):
        if uri.startswith(scheme):
            uri = "s3://" + uri[len(scheme):]
    if uri.startswith("s3://"):
        return uri
    if uri.startswith("file://"):
        uri = uri[len("file://"):]
    elif uri.startswith("file:"):
        uri = uri[len("file:"):]
    return unquote(uri)


def _check_location(location: str) -> str:
    folder = location if location.endswith("/") else location + "/"
    if folder.startswith("s3://"):
        _, key = split_s3_uri(folder)
        below_root = key.strip("/") != ""
    else:
        below_root = _identity(folder).strip("/") != ""
    if not below_root:
        raise ValueError(f"rebuild_partition: received the location {location!r}; expected a partition folder, "
                         "not the root of a bucket or file system")
    return folder


def rebuild_partition(spark: SparkSession, location: str, build: Callable[[], DataFrame], *,
                      format: str = "parquet",  # noqa: A002 (Spark's word for it)
                      compression: str | None = "zstd", s3: Any = None,
                      logger: logging.Logger | None = None) -> RebuildResult:
    """Rebuilds one partition in place: list, build, append, delete what was listed.

    1. Lists every file in `location` (the before-listing).
    2. Calls `build()` for the partition's new content. It may read `location` itself (e.g. to
       merge corrections into the stored rows): the files its DataFrame reads are resolved now
       (`DataFrame.inputFiles()`), before anything is written, so the write never reads its own
       output; a file it reads from `location` that appeared after the listing is deleted too.
    3. Appends the DataFrame to `location` (`format`, `compression`).
    4. Deletes the before-listing (except the top-level `_SUCCESS` marker and its checksum
       `._SUCCESS.crc`, which the write rewrites under the same names) and those late files. A file
       already gone is not an error; a file that appears after the listing and is not read is kept.

    Write the DataFrame's columns in the partition's layout (without the partition columns, which
    are in the folder names). An empty DataFrame still replaces the partition: the folder then holds
    no row.

    Args:
        spark: the session (the DataFrame `build` returns belongs to it).
        location: the partition's folder (`s3://`, `file:` or local path), e.g. from `partition_location`.
        build: returns the partition's new content; called once, after the listing.
        format: the data source to write (`parquet`, `json`, `orc`, ...).
        compression: the writer's `compression` option (the default, `zstd`, suits Parquet and ORC;
            Spark's JSON and CSV writers take e.g. `gzip`); None for the format's default.
        s3: a boto3 S3 client; created when needed and not given.
        logger: where to log; default the logger `gluelake.reprocess`.

    Raises:
        ValueError: `location` is the root of a bucket or file system.
    """
    log = logger or logging.getLogger(_LOGGER)
    folder = _check_location(location)
    before = list_files(folder, s3=s3)
    df = build()
    listed = {_identity(file) for file in before}
    folder_identity = _identity(folder)
    read_late = sorted({file for file in df.inputFiles()
                        if _identity(file).startswith(folder_identity) and _identity(file) not in listed})
    log.info("rebuild %s: %d file(s) listed before the write (%d data), %d file(s) read that appeared after it",
             folder, len(before), sum(is_data_file(file, folder) for file in before), len(read_late))

    writer = df.write.mode("append").format(format)
    (writer.option("compression", compression) if compression else writer).save(folder)

    known = listed | {_identity(file) for file in read_late}
    after = list_files(folder, s3=s3)
    written = sum(1 for file in after if is_data_file(file, folder) and _identity(file) not in known)
    markers = {folder + marker for marker in _MARKERS}
    late = [folder + _identity(file)[len(folder_identity):] for file in read_late]
    removed = delete_files([file for file in before if file not in markers] + late, s3=s3)
    log.info("rebuild %s: wrote %d data file(s), deleted %d file(s)", folder, written, removed)
    return RebuildResult(location=folder, removed=removed, written=written)
