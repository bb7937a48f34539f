"""The retain-last merge of a `SnapshotPartitionTable` (DESIGN.md item 1), as functions.

A snapshot table keeps one full copy of its entities per period, in the Hive-style partition
`<path><partition_key>=<period>/`. A run rebuilds the partition of the period it runs in:

1. `load_change_events` reads the change events (JSON lines: the table's columns plus an optional
   boolean `deleted`) as the table's columns plus `_deleted`;
2. `merge_snapshot` lists the current partition (the *before-listing*), loads it, or on a period's
   first run the previous period's partition (empty, with the table's columns, where there is no
   data file), runs
   the table's merge SQL over the views `incoming`, `previous_snapshot` and `current_snapshot`,
   appends the result to the current partition, and only then deletes the files of the
   before-listing.

Writing first and deleting second makes the load idempotent: a run that fails between the two
leaves the old and the new files side by side, and the next run reads both, merges them (one row
per primary key) and deletes both. What is deleted is decided by the listing taken before the write,
never by comparing clocks: a file the run wrote is never removed. Readers may see duplicate rows for
the seconds between the write and the delete (a table format with atomic commits avoids that).
Two runs must not rebuild the same partition at the same time.

PySpark is imported inside the functions: importing this module needs no Spark.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Sequence

from gluelake.periods import partition_values
from gluelake.storage import delete_files, has_data_files, is_data_file, list_files

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from gluelake.arguments import SnapshotTable

__all__ = ["DELETED_COLUMN", "INCOMING_VIEW", "PREVIOUS_VIEW", "CURRENT_VIEW", "MergeResult", "load_change_events",
           "table_columns", "schema_ddl", "merge_snapshot"]

INCOMING_VIEW, PREVIOUS_VIEW, CURRENT_VIEW = "incoming", "previous_snapshot", "current_snapshot"
"""The temporary views the merge SQL reads (`SnapshotPartitionTable.retainLastMergeSql`'s defaults)."""
DELETED_COLUMN = "_deleted"
"""The column of the incoming events the merge reads: true for a delete (null means false)."""

_LOGGER = "gluelake.snapshot"
_MARKERS = ("_SUCCESS", "._SUCCESS.crc")
"""Files a successful write (re)creates under the same name at the top of the folder: never deleted after it."""


@dataclass(frozen=True)
class MergeResult:
    """What `merge_snapshot` did.

    Attributes:
        partition: the current partition value (e.g. `2026-11`).
        previous_partition: the previous period's partition value.
        location: the current partition's URI.
        written: whether the merge wrote the partition (false: nothing to do).
        removed: how many files of the before-listing were deleted.
    """

    partition: str
    previous_partition: str
    location: str
    written: bool
    removed: int


def schema_ddl(columns: Sequence[tuple[str, str]]) -> str:
    """A Spark DDL schema of `(name, Spark SQL type)` pairs, names quoted.

    >>> schema_ddl([("customer_id", "string"), ("updated_at", "timestamp")])
    '`customer_id` string, `updated_at` timestamp'
    """
    return ", ".join(f"`{name.replace('`', '``')}` {data_type}" for name, data_type in columns)


def _is_complex(data_type: str) -> bool:
    return data_type.strip().lower().startswith(("array<", "map<", "struct<"))


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def load_change_events(spark: SparkSession, path: str, columns: Sequence[tuple[str, str]], *,
                       deleted_field: str = "deleted", s3: Any = None) -> DataFrame:
    """The change events under `path` typed as the table's columns, plus the boolean `_deleted`.

    The events are JSON lines, read recursively. Primitive fields are read as strings and cast
    with `try_cast` (so `42` and `"42"`, or any ISO-8601 timestamp, are accepted; a value that does
    not cast becomes null, in ANSI mode too, and the merge drops events whose primary key is null);
    complex fields (arrays, maps, structs) are read as their type. The optional field
    `deleted_field` becomes `_deleted`: true for a delete, false when absent or null. A path with no
    data file (see `gluelake.storage.is_data_file`) gives an empty DataFrame.

    Args:
        spark: the session.
        path: the events' location (`s3://`, `file:` or a local path).
        columns: the table's columns, `(name, Spark SQL type)`, e.g. from `table_columns`.
        deleted_field: the name of the delete flag in the events.
        s3: a boto3 S3 client to check for data files; created when needed and not given.

    Raises:
        ValueError: a table column is named like the delete flag or `_deleted` (it would shadow it).
    """
    from pyspark.sql import functions as F

    names = [name for name, _ in columns]
    for reserved in (deleted_field, DELETED_COLUMN):
        if reserved in names:
            raise ValueError(f"load_change_events: received a table column named {reserved!r}; expected no column "
                             f"named like the delete flag of the events ({deleted_field!r}) or {DELETED_COLUMN!r}")
    if not has_data_files(path, s3=s3):
        return spark.createDataFrame([], f"{schema_ddl(columns)}, {_quote(DELETED_COLUMN)} boolean")
    read_as = [(name, data_type if _is_complex(data_type) else "string") for name, data_type in columns]
    raw = (spark.read.schema(schema_ddl([*read_as, (deleted_field, "string")]))
           .option("recursiveFileLookup", "true").json(path))
    typed = [F.col(_quote(name)) if _is_complex(data_type)
             else F.expr(f"try_cast({_quote(name)} AS {data_type})")
             for name, data_type in columns]
    return raw.select(
        *(column.alias(name) for column, (name, _) in zip(typed, columns)),
        F.coalesce(F.expr(f"try_cast({_quote(deleted_field)} AS boolean)"), F.lit(False)).alias(DELETED_COLUMN),
    )


def table_columns(spark: SparkSession, table: SnapshotTable) -> list[tuple[str, str]]:
    """The table's data columns as `(name, Spark SQL type)`, in order, without the partition key.

    Read through Spark's catalog (on Glue, the Glue Data Catalog with `--enable-glue-datacatalog`):
    `spark.table(database.table).schema`. Only the schema is resolved, no row is read."""
    schema = spark.table(f"{_quote(table.database)}.{_quote(table.table)}").schema
    return [(field.name, field.dataType.simpleString()) for field in schema.fields if field.name != table.partition_key]


def _read_files(spark: SparkSession, files: Sequence[str], columns: Sequence[tuple[str, str]]) -> DataFrame:
    """The Parquet `files` with the table's columns, or an empty DataFrame with them when there is none."""
    if not files:
        return spark.createDataFrame([], schema_ddl(columns))
    return spark.read.schema(schema_ddl(columns)).option("recursiveFileLookup", "true").parquet(*files)


def _incoming_columns(incoming: DataFrame, columns: Sequence[tuple[str, str]], table: str) -> DataFrame:
    """`incoming` as the table's columns (cast to their types) plus `_deleted` (false when it has none)."""
    from pyspark.sql import functions as F

    missing = [name for name, _ in columns if name not in incoming.columns]
    if missing:
        raise ValueError(f"merge_snapshot: received incoming events without the column(s) {', '.join(missing)} "
                         f"(it has {', '.join(incoming.columns) or 'none'}); expected every column of {table}")
    deleted = (F.coalesce(F.col(DELETED_COLUMN).cast("boolean"), F.lit(False)) if DELETED_COLUMN in incoming.columns
               else F.lit(False))
    return incoming.select(*(F.col(_quote(name)).cast(data_type).alias(name) for name, data_type in columns),
                           deleted.alias(DELETED_COLUMN))


def merge_snapshot(spark: SparkSession, table: SnapshotTable, incoming: DataFrame, *, at: datetime,
                   columns: Sequence[tuple[str, str]] | None = None, s3: Any = None,
                   logger: logging.Logger | None = None) -> MergeResult:
    """Rebuilds the partition of the period that contains `at` with the table's retain-last merge.

    Steps: the current and previous partitions of `at` (UTC); the listing of the current partition,
    taken before anything is written; the current snapshot loaded with the table's columns from
    exactly the data files of that listing, and the previous period's snapshot only when that
    listing has no data file (a period's first run; once the partition holds a data file, even one
    without rows because every entity was deleted, the previous period would bring them back), each
    empty where there is no data file; `table.merge_sql` over the temporary views `incoming`, `previous_snapshot` and
    `current_snapshot`; the result appended to the current partition as Parquet with
    `table.compression`; then exactly the files of the before-listing deleted (except the top-level
    `_SUCCESS` marker and its local checksum `._SUCCESS.crc`, which the write has just replaced under the
    same names; data files have unique names). A file that appears after
    the listing, the run's own files included, is kept; a listed file already gone is not an error.

    When there is no event and neither partition holds data (a new lake), nothing is written or
    deleted and the result has `written=False`. Logs counts and locations, never row contents.

    Args:
        spark: the session (its time zone should be UTC, as `run_job` sets it).
        table: the output table, bound with `writesTo` (it carries the merge SQL).
        incoming: the change events: every table column, plus `_deleted` (optional, null means false),
            e.g. from `load_change_events`. Columns are cast to the table's types; others are ignored.
        at: an aware datetime that decides the period, e.g. `JobContext.started_at`.
        columns: the table's data columns `(name, Spark SQL type)`; default `table_columns(spark, table)`.
        s3: a boto3 S3 client; created when needed and not given.
        logger: where to log; default the logger `gluelake.snapshot`.

    Raises:
        ValueError: the table is not bound for writing, or `incoming` lacks a table column.
    """
    log = logger or logging.getLogger(_LOGGER)
    name = f"{table.database}.{table.table}"
    if not table.writable or not table.compression:
        raise ValueError(f"merge_snapshot: received the table {table.name!r} ({name}) without merge SQL or "
                         "compression; expected a table bound with writesTo")
    current, previous = partition_values(at, table.granularity, table.partition_format)
    location, previous_location = table.partition_uri(current), table.partition_uri(previous)
    cols = list(columns) if columns is not None else table_columns(spark, table)

    before = list_files(location, s3=s3)  # before anything is written: decides what is deleted
    current_files = [file for file in before if is_data_file(file, location)]
    # The previous period seeds a period's first run only. Once the current partition holds a data file, even one
    # without rows (every entity deleted), the previous period is not read: it would bring deleted entities back.
    previous_files = ([] if current_files else
                      [file for file in list_files(previous_location, s3=s3) if is_data_file(file, previous_location)])
    events = _incoming_columns(incoming, cols, name)
    if not current_files and not previous_files and events.isEmpty():
        log.info("%s %s=%s: no event, no data in %s or %s: nothing to do", name, table.partition_key, current,
                 location, previous_location)
        return MergeResult(current, previous, location, written=False, removed=0)

    log.info("%s %s=%s: %d file(s) listed before the write (%d data), previous period %s: %d data file(s) read",
             name, table.partition_key, current, len(before), len(current_files), previous, len(previous_files))
    events.createOrReplaceTempView(INCOMING_VIEW)
    _read_files(spark, previous_files, cols).createOrReplaceTempView(PREVIOUS_VIEW)
    _read_files(spark, current_files, cols).createOrReplaceTempView(CURRENT_VIEW)
    try:
        merged = spark.sql(table.merge_sql or "")
        merged.write.mode("append").option("compression", table.compression).parquet(location)
    finally:
        for view in (INCOMING_VIEW, PREVIOUS_VIEW, CURRENT_VIEW):
            spark.catalog.dropTempView(view)

    # Only after the write succeeded (it raises otherwise). A failure from here on leaves old and new
    # files side by side: the next run merges them (one row per key) and deletes both.
    purge = [file for file in before if file not in {location + marker for marker in _MARKERS}]
    removed = delete_files(purge, s3=s3)
    log.info("%s %s=%s: wrote %s, deleted %d file(s) listed before the write", name, table.partition_key, current,
             location, removed)
    return MergeResult(current, previous, location, written=True, removed=removed)
