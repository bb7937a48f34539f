"""The loads of a `SnapshotPartitionTable` (DESIGN.md items 3-5), as functions.

A snapshot table keeps one full copy of its entities per period (a year, month, day or hour, UTC)
as a partition registered in the catalog. A load:

1. reads the change events: `load_change_events` (JSON lines under a path) or
   `type_change_events` (a frame read otherwise, e.g. through a job bookmark): the table's columns
   plus `_deleted`;
2. `merge_snapshot` starts from the base state (the period's published state, else the latest
   published earlier period, whatever its distance; live rows and tombstones), runs the retain-last
   merge SQL (`retain_last_merge_sql`, built from the table's columns, primary key and effective-date
   column) over the views `incoming`, `base_snapshot` and `base_tombstones`, writes the winners
   to a NEW folder `<path><key>=<period>/<run>/` (tombstones to `<path>_state/<key>=<period>/<run>/`),
   and only then publishes it: registers the partition at that folder, or moves its location there.

Publication is the commit. Readers through the catalog (Athena, Spark's `spark.table`) see the
previous folder or the new one, never both and never a half-written one; a run that fails before
publishing changes nothing readers see, and its folder is deleted by a later run. A superseded
folder is deleted by a later run once it has been superseded for `superseded_retention_minutes`, so
that queries that started before the swap can finish. A registered partition is a complete period.

The merge keeps, per primary key, the greatest event by one total order (effective date, then a
delete over an upsert, then the other columns): after every run the table equals the merge of the
whole event history, however the events were split into runs, in any order, repeated or not.
Deleted keys keep a tombstone (their key and date, outside the partition's folder) so that an older
event arriving later cannot bring them back.

With `period_basis` `LOAD_TIME` a run loads into the period of its start; with `closePeriods`, the
first run of a period first closes the previous one with the events dated before its end. With
`EFFECTIVE_DATE` an event belongs to the period of its effective date: a run rebuilds every period
from the earliest one its events touch up to the current one. Two runs must not load the same table
at the same time. Bookkeeping lives in `<path>_state/` (never read by queries).

PySpark is imported inside the functions: importing this module needs no Spark.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, NamedTuple, Sequence

from gluelake.catalog import PartitionCatalog, default_catalog
from gluelake.periods import period_start
from gluelake.storage import delete_files, has_data_files, is_data_file, list_files, read_text, write_text

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from gluelake.arguments import SnapshotTable

__all__ = ["DELETED_COLUMN", "INCOMING_VIEW", "BASE_VIEW", "TOMBSTONES_VIEW", "STATE_FOLDER", "PublishedPeriod",
           "MergeResult", "LegacyLayoutError", "load_change_events", "type_change_events", "table_columns",
           "schema_ddl", "retain_last_merge_sql", "merge_snapshot", "read_partition", "migrate_legacy_periods",
           "run_folder_name"]

INCOMING_VIEW, BASE_VIEW, TOMBSTONES_VIEW = "incoming", "base_snapshot", "base_tombstones"
"""The temporary views the merge SQL reads (`SnapshotPartitionTable.retainLastMergeSql`'s defaults)."""
DELETED_COLUMN = "_deleted"
"""The column of the incoming events the merge reads: true for a delete (null means false)."""
STATE_FOLDER = "_state"
"""The folder under the table's path that holds tombstones and the publication record."""

_LOGGER = "gluelake.snapshot"
_RECORD = "publications.json"
_RUN_FOLDER = re.compile(r"^(run|close)-([0-9]{8}T[0-9]{6}Z)-([0-9a-z]{1,32})$")
_RUN_ID = re.compile(r"^[0-9a-z]{1,32}$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class LegacyLayoutError(RuntimeError):
    """The table holds data in the layout of the previous version (files directly in the period
    folders, no registered partition): `migrate_legacy_periods` converts it."""


@dataclass(frozen=True)
class PublishedPeriod:
    """One period a run published.

    Attributes:
        partition: the period's partition value (e.g. `2026-11`).
        base: the partition the period's new state was built on (itself, an earlier period), or None
            when it started from nothing.
        location: the folder now registered for the period.
        closed: whether the folder closes the period (`closePeriods`).
    """

    partition: str
    base: str | None
    location: str
    closed: bool = False


@dataclass(frozen=True)
class MergeResult:
    """What `merge_snapshot` did.

    Attributes:
        partition: the period of the run's start (`at`).
        published: the periods published, in order (empty: nothing to do).
        removed: how many files of superseded or never-published folders were deleted.
        rejected: events that could not be placed in a period (`EFFECTIVE_DATE` and no effective date).
    """

    partition: str
    published: tuple[PublishedPeriod, ...] = ()
    removed: int = 0
    rejected: int = 0

    @property
    def written(self) -> bool:
        """Whether the run published at least one period."""
        return bool(self.published)

    @property
    def location(self) -> str | None:
        """The folder published last, or None."""
        return self.published[-1].location if self.published else None


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


def retain_last_merge_sql(columns: Sequence[tuple[str, str]], primary_key: Sequence[str],
                          effective_date_column: str) -> str:
    """The retain-last merge of a table: one Spark SQL statement whose result is the new state, one
    row per primary key with `_deleted` (true: a tombstone, false: a live row).

    It reads the temporary views `base_snapshot` (the base state's live rows: the columns),
    `base_tombstones` (its tombstones: the columns, only the primary key and the effective date set)
    and `incoming` (the events: the columns plus `_deleted`, null meaning false; events with a null
    primary key column are dropped). Per primary key the winner is the greatest row by one total
    order, whatever view it comes from: the effective date (nulls last), then a delete before an
    upsert, then the remaining columns in declared order (nulls last; arrays, maps and structs by
    their JSON text, `to_json`), all descending. The state after any sequence of batches is
    therefore the fold of every event so far.

    The text is exactly what the constructs' `SnapshotPartitionTable.retainLastMergeSql()` generates
    for the same table (names unquoted: the constructs accept only names that need no quoting).

    >>> sql = retain_last_merge_sql([("id", "string"), ("tags", "array<string>"), ("at", "timestamp")], ["id"], "at")
    >>> sql.splitlines()[10].split(" OVER ")[1]
    '(PARTITION BY id ORDER BY at DESC NULLS LAST, _deleted DESC, to_json(tags) DESC NULLS LAST) AS _merge_rank'

    Args:
        columns: the table's data columns in declared order, `(name, Spark SQL type)` (e.g. from
            `table_columns`); a type starting with `array<`, `map<` or `struct<` (any case) is complex.
        primary_key: the primary key's columns, in order.
        effective_date_column: the column that orders a key's events.

    Raises:
        ValueError: the primary key is empty, a key column or the effective-date column is not one of
            `columns`, or a name is not a plain identifier (letters, digits and `_`).
    """
    names = [name for name, _ in columns]
    complex_columns = {name for name, data_type in columns if _is_complex(data_type)}
    odd = [n for n in [*names, *primary_key, effective_date_column] if not _IDENTIFIER.match(n)]
    if odd:
        raise ValueError(f"retain_last_merge_sql: received the name(s) {', '.join(map(repr, odd))}; expected "
                         "letters, digits and '_', not starting with a digit (the merge SQL does not quote names)")
    unknown = [n for n in [*primary_key, effective_date_column] if n not in names]
    if not primary_key or unknown:
        raise ValueError(f"retain_last_merge_sql: received the primary key ({', '.join(primary_key) or 'none'}) "
                         f"and the effective-date column {effective_date_column!r} with the columns "
                         f"{', '.join(names) or 'none'}; "
                         "expected a non-empty primary key and every key column and the effective-date column "
                         "among the columns")
    cols = ", ".join(names)
    keys = ", ".join(primary_key)
    not_null_keys = " AND ".join(f"{k} IS NOT NULL" for k in primary_key)
    rest = [n for n in names if n != effective_date_column and n not in primary_key]
    tie_break = [f"to_json({n}) DESC NULLS LAST" if n in complex_columns else f"{n} DESC NULLS LAST" for n in rest]
    order = [f"{effective_date_column} DESC NULLS LAST", f"{DELETED_COLUMN} DESC", *tie_break]
    return "\n".join([
        "WITH merge_input AS (",
        f"  SELECT {cols}, FALSE AS {DELETED_COLUMN} FROM {BASE_VIEW}",
        "  UNION ALL",
        f"  SELECT {cols}, TRUE AS {DELETED_COLUMN} FROM {TOMBSTONES_VIEW}",
        "  UNION ALL",
        f"  SELECT {cols}, COALESCE({DELETED_COLUMN}, FALSE) AS {DELETED_COLUMN} FROM {INCOMING_VIEW}",
        f"  WHERE {not_null_keys}",
        "),",
        "merge_ranked AS (",
        f"  SELECT {cols}, {DELETED_COLUMN},",
        f"    ROW_NUMBER() OVER (PARTITION BY {keys} ORDER BY {', '.join(order)}) AS _merge_rank",
        "  FROM merge_input",
        ")",
        f"SELECT {cols}, {DELETED_COLUMN}",
        "FROM merge_ranked",
        "WHERE _merge_rank = 1",
    ])


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
    _check_reserved(columns, deleted_field, "load_change_events")
    if not has_data_files(path, s3=s3):
        return spark.createDataFrame([], f"{schema_ddl(columns)}, {_quote(DELETED_COLUMN)} boolean")
    read_as = [(name, data_type if _is_complex(data_type) else "string") for name, data_type in columns]
    raw = (spark.read.schema(schema_ddl([*read_as, (deleted_field, "string")]))
           .option("recursiveFileLookup", "true").json(path))
    return type_change_events(raw, columns, deleted_field=deleted_field)


def _check_reserved(columns: Sequence[tuple[str, str]], deleted_field: str, function: str) -> None:
    names = [name for name, _ in columns]
    for reserved in (deleted_field, DELETED_COLUMN):
        if reserved in names:
            raise ValueError(f"{function}: received a table column named {reserved!r}; expected no column "
                             f"named like the delete flag of the events ({deleted_field!r}) or {DELETED_COLUMN!r}")


def type_change_events(raw: DataFrame, columns: Sequence[tuple[str, str]], *,
                       deleted_field: str = "deleted") -> DataFrame:
    """Change events read otherwise (e.g. a job bookmark's `DynamicFrame.toDF()`) typed as the table's
    columns, plus the boolean `_deleted`.

    Primitive columns are converted with `try_cast` (a value that does not convert becomes null, in
    ANSI mode too; the merge drops events whose primary key is null), complex ones with `cast`; a
    column the frame lacks (no event of the batch had the field) is null. `deleted_field` becomes
    `_deleted`: true for a delete, false when absent or null. A frame without columns (what Glue
    gives when no file is new) gives an empty frame.

    Raises:
        ValueError: a table column is named like the delete flag or `_deleted` (it would shadow it).
    """
    from pyspark.sql import functions as F

    _check_reserved(columns, deleted_field, "type_change_events")
    present = set(raw.columns)

    def typed(name: str, data_type: str) -> Any:
        if name not in present:
            return F.lit(None).cast(data_type)
        if _is_complex(data_type):
            return F.col(_quote(name)).cast(data_type)
        return F.expr(f"try_cast({_quote(name)} AS {data_type})")

    deleted = (F.coalesce(F.expr(f"try_cast({_quote(deleted_field)} AS boolean)"), F.lit(False))
               if deleted_field in present else F.lit(False))
    return raw.select(*(typed(name, data_type).alias(name) for name, data_type in columns),
                      deleted.alias(DELETED_COLUMN))


def table_columns(spark: SparkSession, table: SnapshotTable) -> list[tuple[str, str]]:
    """The table's data columns as `(name, Spark SQL type)`, in order, without the partition key.

    Read through Spark's catalog (on Glue, the Glue Data Catalog with `--enable-glue-datacatalog`):
    `spark.table(database.table).schema`. Only the schema is resolved, no row is read."""
    schema = spark.table(f"{_quote(table.database)}.{_quote(table.table)}").schema
    return [(field.name, field.dataType.simpleString()) for field in schema.fields if field.name != table.partition_key]


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


def run_folder_name(at: datetime, run_id: str, *, closing: bool = False) -> str:
    """The folder name of a run: `run-<UTC start>-<run id>` (`close-...` for a closing run).

    >>> run_folder_name(datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc), "a1b2c3d4")
    'run-20261121T093000Z-a1b2c3d4'
    """
    if not _RUN_ID.match(run_id):
        raise ValueError(f"run_folder_name: received the run id {run_id!r}; expected 1 to 32 lowercase letters or digits")
    return f"{'close' if closing else 'run'}-{_utc(at, 'run_folder_name'):%Y%m%dT%H%M%SZ}-{run_id}"


def _utc(moment: datetime, function: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{function}: received {moment!r}; expected an aware datetime, e.g. JobContext.started_at")
    return moment.astimezone(timezone.utc)


def _next_start(start: datetime, granularity: str) -> datetime:
    if granularity == "YEAR":
        return start.replace(year=start.year + 1)
    if granularity == "MONTH":
        return start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)
    return start + (timedelta(days=1) if granularity == "DAY" else timedelta(hours=1))


class _Periods:
    """Partition values <-> period starts of one table."""

    def __init__(self, table: SnapshotTable) -> None:
        self.granularity, self.format = table.granularity, table.partition_format

    def value(self, moment: datetime) -> str:
        return period_start(moment, self.granularity).strftime(self.format)

    def start(self, value: str) -> datetime:
        try:
            start = datetime.strptime(value, self.format).replace(tzinfo=timezone.utc)
        except ValueError:
            start = None
        if start is None or self.value(start) != value:
            raise ValueError(f"the partition value {value!r} is not a {self.granularity} period in the format "
                             f"{self.format!r}; expected only partitions the table's loads registered")
        return start

    def following(self, value: str) -> str:
        return _next_start(self.start(value), self.granularity).strftime(self.format)

    def before(self, values: Sequence[str], value: str) -> str | None:
        """The latest of `values` before `value`."""
        start = self.start(value)
        earlier = [v for v in values if self.start(v) < start]
        return max(earlier, key=self.start) if earlier else None

    def span(self, first: str, last: str) -> list[str]:
        result, value = [], first
        while self.start(value) <= self.start(last):
            result.append(value)
            value = self.following(value)
        return result


def _folder_of(location: str) -> str:
    return location.rstrip("/").rsplit("/", 1)[-1]


def _period_root(table: SnapshotTable, value: str) -> str:
    return f"{table.path}{table.partition_key}={value}/"


def _state_root(table: SnapshotTable, value: str) -> str:
    return f"{table.path}{STATE_FOLDER}/{table.partition_key}={value}/"


@dataclass
class _State:
    """A state to merge onto: the data folder and the tombstones folder (None: nothing)."""

    partition: str | None
    data: str | None
    tombstones: str | None


def _published_state(table: SnapshotTable, value: str | None, location: str | None) -> _State:
    if value is None or location is None:
        return _State(None, None, None)
    folder = _folder_of(location)
    tombstones = f"{_state_root(table, value)}{folder}/tombstones/" if _RUN_FOLDER.match(folder) else None
    return _State(value, location if location.endswith("/") else location + "/", tombstones)


@dataclass
class _Record:
    """`<path>_state/publications.json`: the folder each period was last published at by a run, the
    superseded folders not deleted yet, and the periods a run started and has not finished."""

    current: dict[str, str] = field(default_factory=dict)
    superseded: list[dict[str, str]] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    loaded: str = ""

    def _text(self) -> str:
        return json.dumps({"current": dict(sorted(self.current.items())), "superseded": self.superseded,
                           "pending": sorted(set(self.pending))}, indent=1)

    def changed(self) -> bool:
        """Whether the record differs from what `load` read."""
        return self._text() != self.loaded

    @classmethod
    def load(cls, uri: str, s3: Any) -> _Record:
        text = read_text(uri, s3=s3)
        if text is None:
            record = cls()
            record.loaded = record._text()
            return record
        data = json.loads(text)
        record = cls(dict(data.get("current", {})), list(data.get("superseded", [])), list(data.get("pending", [])))
        record.loaded = record._text()
        return record

    def save(self, uri: str, s3: Any) -> None:
        self.loaded = self._text()
        write_text(uri, self.loaded, s3=s3)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _run_folders(root: str, s3: Any) -> dict[str, list[str]]:
    """The files under `root` by the run folder that holds them (files outside run folders are left out)."""
    folders: dict[str, list[str]] = {}
    for file in list_files(root, s3=s3):
        first = file[len(root):].split("/", 1)[0]
        if _RUN_FOLDER.match(first) and "/" in file[len(root):]:
            folders.setdefault(first, []).append(file)
    return folders


def _clean(table: SnapshotTable, record: _Record, registered: dict[str, str], periods: Sequence[str], now: datetime,
           retention: timedelta, s3: Any, log: logging.Logger) -> int:
    """Deletes, in `periods`, the run folders (data and tombstones) that are neither registered nor
    superseded less than `retention` ago. A folder the record names as current but the catalog no
    longer does (a run published it and failed before updating the record) counts as superseded now."""
    removed = 0
    for value in periods:
        current = _folder_of(registered[value]) if value in registered else None
        recorded = record.current.get(value)
        if recorded and recorded != current and not any(
                s["partition"] == value and s["folder"] == recorded for s in record.superseded):
            record.superseded.append({"partition": value, "folder": recorded, "at": _iso(now)})
        if current:
            record.current[value] = current
        kept = {s["folder"]: s for s in record.superseded if s["partition"] == value}
        doomed: list[str] = []
        gone: set[str] = set()
        for root in (_period_root(table, value), _state_root(table, value)):
            for folder, files in _run_folders(root, s3).items():
                if folder == current:
                    continue
                entry = kept.get(folder)
                if entry is not None and datetime.fromisoformat(entry["at"].replace("Z", "+00:00")) + retention > now:
                    continue
                doomed.extend(files)
                gone.add(folder)
        if doomed:
            removed += delete_files(doomed, s3=s3)
            log.info("%s.%s %s=%s: deleted %d file(s) of %d superseded or never-published folder(s)", table.database,
                     table.table, table.partition_key, value, len(doomed), len(gone))
        record.superseded = [s for s in record.superseded if not (s["partition"] == value and s["folder"] in gone)]
    return removed


def _read_folder(spark: SparkSession, uri: str | None, columns: Sequence[tuple[str, str]], s3: Any) -> DataFrame:
    """The Parquet files of the folder with the given columns; empty when there is none."""
    if uri is None or not has_data_files(uri, s3=s3):
        return spark.createDataFrame([], schema_ddl(columns))
    return spark.read.schema(schema_ddl(columns)).parquet(uri)


def _tombstone_columns(table: SnapshotTable) -> list[str]:
    return [*table.primary_key, table.effective_date_column or ""]


def _merge_into(spark: SparkSession, table: SnapshotTable, cols: Sequence[tuple[str, str]], sql: str, base: _State,
                events: DataFrame, value: str, folder: str, s3: Any) -> _State:
    """Merges `events` onto `base` with the table's merge SQL (`sql`) and writes the result to the new
    folder of `value`: live rows as the partition's data, deleted winners as its tombstones. Returns the
    new state."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    kept = set(_tombstone_columns(table))
    stones = _read_folder(spark, base.tombstones, [c for c in cols if c[0] in kept], s3)
    stones = stones.select(*(F.col(_quote(n)) if n in kept else F.lit(None).cast(t).alias(n) for n, t in cols))
    data_uri = f"{_period_root(table, value)}{folder}/"
    tombstones_uri = f"{_state_root(table, value)}{folder}/tombstones/"
    events.createOrReplaceTempView(INCOMING_VIEW)
    _read_folder(spark, base.data, cols, s3).createOrReplaceTempView(BASE_VIEW)
    stones.createOrReplaceTempView(TOMBSTONES_VIEW)
    try:
        merged = spark.sql(sql).persist(StorageLevel.MEMORY_AND_DISK)
        try:
            names = [_quote(n) for n, _ in cols]
            (merged.where(~F.col(DELETED_COLUMN)).select(*names)
             .write.mode("errorifexists").option("compression", table.compression).parquet(data_uri))
            (merged.where(F.col(DELETED_COLUMN)).select(*(_quote(n) for n in _tombstone_columns(table)))
             .write.mode("errorifexists").option("compression", table.compression).parquet(tombstones_uri))
        finally:
            merged.unpersist()
    finally:
        for view in (INCOMING_VIEW, BASE_VIEW, TOMBSTONES_VIEW):
            spark.catalog.dropTempView(view)
    return _State(value, data_uri, tombstones_uri)


def _timestamp(moment: datetime) -> str:
    return f"TIMESTAMP '{moment.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S}'"


def _check_writable(table: SnapshotTable, function: str) -> None:
    name = f"{table.database}.{table.table}"
    if not table.writable or not table.compression or not table.effective_date_column or not table.period_basis:
        raise ValueError(f"{function}: received the table {table.name!r} ({name}) without primary key, effective-date "
                         "column, compression or period basis; expected a table bound with writesTo")


def merge_snapshot(spark: SparkSession, table: SnapshotTable, incoming: DataFrame, *, at: datetime,
                   columns: Sequence[tuple[str, str]] | None = None, catalog: PartitionCatalog | None = None,
                   s3: Any = None, logger: logging.Logger | None = None, run_id: str | None = None) -> MergeResult:
    """Loads the change events into the table and publishes the periods it changed.

    `LOAD_TIME` (the table's `period_basis`): the period P of `at`; the base is P's published state,
    else the latest published period before P (whatever its distance), else nothing. With
    `close_periods`, a run whose base is an earlier period Q that is not closed first merges the
    events dated before the end of Q into Q and publishes it as closed (a `close-` folder), then
    merges the other events into P on top of it. A run without events publishes P only when P is not
    published yet (a copy of its base, so that each period has its snapshot).

    `EFFECTIVE_DATE`: an event belongs to the period of its effective date (events without one are
    rejected: counted and logged). The run rebuilds every period from the earliest one its events
    touch (or the first not published yet) to the latest of the run's period, the events' periods
    and the published periods, each on top of the one before; the base of the first is the latest
    published period before it. The number of periods rebuilt is logged.

    Each period is written to a new folder and published by registering the partition at it (or
    moving its location there): the last step, so a failure leaves readers on the previous state and
    the rerun (with the same events, e.g. a bookmark that did not commit) gives the same result. A
    later run deletes superseded folders after the table's `superseded_retention_minutes` and folders
    no run published. Logs counts and locations, never row contents.

    Args:
        spark: the session; its time zone must be UTC, as `run_job` sets it (periods are UTC).
        table: the output table, bound with `writesTo` (it carries the primary key, the effective-date
            column and the settings).
        incoming: the change events: every table column, plus `_deleted` (optional, null means false),
            e.g. from `load_change_events` or `type_change_events`. Cast to the table's types; other
            columns are ignored.
        at: an aware datetime, the run's start (`JobContext.started_at`): the period of a `LOAD_TIME`
            load, the run folder's name, and the clock of the superseded folders' retention.
        columns: the table's data columns `(name, Spark SQL type)`; default `table_columns(spark, table)`.
            With the table's primary key and effective-date column they make the merge SQL
            (`retain_last_merge_sql`).
        catalog: where partitions are registered; default `default_catalog(spark, table)`.
        s3: a boto3 S3 client; created when needed and not given.
        logger: where to log; default the logger `gluelake.snapshot`.
        run_id: the run's id in its folder names (1 to 32 lowercase letters or digits); default random.

    Raises:
        ValueError: the table is not bound for writing, its primary key or effective-date column is not
            one of `columns`, `incoming` lacks a table column, the session is not in UTC, or a registered
            partition value is not one of the table's periods.
        LegacyLayoutError: no partition is registered but the table holds data of the previous layout.
    """
    log = logger or logging.getLogger(_LOGGER)
    _check_writable(table, "merge_snapshot")
    now = _utc(at, "merge_snapshot")
    zone = spark.conf.get("spark.sql.session.timeZone")
    if zone not in ("UTC", "Etc/UTC", "GMT", "Z", "+00:00"):
        raise ValueError(f"merge_snapshot: received a session in the time zone {zone!r}; expected UTC "
                         "(spark.sql.session.timeZone, as run_job sets it): periods are UTC")
    run = run_id or uuid.uuid4().hex[:8]
    run_folder_name(now, run)  # validates the id
    name = f"{table.database}.{table.table}"
    cols = list(columns) if columns is not None else table_columns(spark, table)
    sql = retain_last_merge_sql(cols, table.primary_key, table.effective_date_column or "")
    catalog = catalog or default_catalog(spark, table)
    periods = _Periods(table)
    current = periods.value(now)
    registered = catalog.locations()
    for value in registered:
        periods.start(value)
    if not registered:
        _refuse_legacy(table, s3)
    events = _incoming_columns(incoming, cols, name).persist()
    try:
        plan, rejected = (_load_time_plan(table, periods, registered, events, current, log)
                          if table.period_basis == "LOAD_TIME" else
                          _effective_date_plan(table, periods, registered, events, current, log))
        record_uri = f"{table.path}{STATE_FOLDER}/{_RECORD}"
        record = _Record.load(record_uri, s3)
        cleaned = {step.value for step in plan} | {s["partition"] for s in record.superseded} | set(record.pending)
        cleaned |= {step.base for step in plan[:1] if step.base}
        before = periods.before(list(registered), current)
        if before:
            cleaned.add(before)
        if plan:
            record.pending = sorted(set(record.pending) | {step.value for step in plan})
            record.save(record_uri, s3)
        retention = timedelta(minutes=table.superseded_retention_minutes or 0)
        removed = _clean(table, record, registered, sorted(cleaned, key=periods.start), now, retention, s3, log)
        published: list[PublishedPeriod] = []
        before_run = dict(registered)
        for value, base_value, batch, closing in plan:
            base = _published_state(table, base_value, before_run.get(base_value or ""))
            folder = run_folder_name(now, run, closing=closing)
            state = _merge_into(spark, table, cols, sql, base, batch, value, folder, s3)
            previous = registered.get(value)
            catalog.publish(value, state.data or "")
            if previous and _folder_of(previous) != folder:
                record.superseded.append({"partition": value, "folder": _folder_of(previous), "at": _iso(now)})
            registered[value] = state.data or ""
            record.current[value] = folder
            published.append(PublishedPeriod(value, base.partition, state.data or "", closing))
            log.info("%s %s=%s: published %s (base: %s)", name, table.partition_key, value, state.data,
                     base.partition or "none")
        if plan:
            record.pending = [v for v in record.pending if v not in {p.partition for p in published}]
        if plan or record.changed():
            record.save(record_uri, s3)
    finally:
        events.unpersist()
    if not plan:
        log.info("%s %s=%s: nothing to do (no event to load and the period is published or has no base)", name,
                 table.partition_key, current)
    return MergeResult(current, tuple(published), removed, rejected)


class _Step(NamedTuple):
    """One period a run publishes."""

    value: str
    """The period's partition value."""
    base: str | None
    """The published period its new state is built on, or None (from nothing)."""
    events: DataFrame
    """The events merged onto the base."""
    closing: bool
    """Whether the folder closes the period (a `close-` folder)."""


def _load_time_plan(table: SnapshotTable, periods: _Periods, registered: dict[str, str], events: DataFrame,
                    current: str, log: logging.Logger) -> tuple[list[_Step], int]:
    from pyspark.sql import functions as F

    base = current if current in registered else periods.before(list(registered), current)
    empty = events.isEmpty()
    if base is not None and base != current and table.close_periods and not _folder_of(
            registered[base]).startswith("close-"):
        boundary = _timestamp(periods.start(periods.following(base)))
        eff = F.col(_quote(table.effective_date_column or ""))
        before = events.where(eff < F.expr(boundary))
        log.info("%s.%s: closing %s=%s with the events dated before %s", table.database, table.table,
                 table.partition_key, base, boundary)
        # The fold is associative: P on top of the closed Q is P on top of Q with every event.
        return [_Step(base, base, before, True), _Step(current, base, events, False)], 0
    if empty and (base is None or base == current):
        return [], 0
    return [_Step(current, base, events, False)], 0


def _effective_date_plan(table: SnapshotTable, periods: _Periods, registered: dict[str, str], events: DataFrame,
                         current: str, log: logging.Logger) -> tuple[list[_Step], int]:
    from pyspark.sql import functions as F

    eff = F.col(_quote(table.effective_date_column or ""))
    rejected = events.where(eff.isNull()).count()
    if rejected:
        log.warning("%s.%s: %d event(s) without %s cannot be placed in a period: not loaded", table.database,
                    table.table, rejected, table.effective_date_column)
    dated = events.where(eff.isNotNull())
    starts = [row[0] for row in dated.select(F.date_trunc(table.granularity, eff.cast("timestamp")))
              .distinct().collect()]
    touched = sorted({periods.value(s.replace(tzinfo=timezone.utc)) for s in starts}, key=periods.start)
    latest = max([current, *touched, *registered], key=periods.start)
    # From the earliest period the events touch, or from the first period after the published ones when
    # that is earlier: every period up to the latest is published, none left out between two published ones.
    candidates = [*touched[:1], *([periods.following(max(registered, key=periods.start))] if registered else [])]
    if not candidates:
        return [], rejected
    first = min(candidates, key=periods.start)
    if periods.start(first) > periods.start(latest):
        return [], rejected
    span = periods.span(first, latest)
    log.info("%s.%s: rebuilding %d period(s), %s to %s (earliest touched by the events: %s)", table.database,
             table.table, len(span), first, latest, touched[0] if touched else "none")
    # Period V holds fold(events dated before its end); the fold is associative, so its new state is its
    # published state (or that of the latest published period before it) with the new events dated before its end.
    plan: list[_Step] = []
    for value in span:
        end = periods.start(periods.following(value))
        base = value if value in registered else periods.before(list(registered), value)
        plan.append(_Step(value, base, dated.where(eff.cast("timestamp") < F.expr(_timestamp(end))), False))
    return plan, rejected


def _refuse_legacy(table: SnapshotTable, s3: Any) -> None:
    """Raises `LegacyLayoutError` when a period folder holds data files directly (the previous layout)."""
    for file in list_files(table.path, s3=s3):
        rest = file[len(table.path):]
        parts = rest.split("/")
        if len(parts) == 2 and parts[0].startswith(f"{table.partition_key}=") and is_data_file(file, table.path):
            raise LegacyLayoutError(
                f"merge_snapshot: the table {table.database}.{table.table} has no registered partition but holds data "
                f"in the previous layout ({file}); expected registered partitions: run "
                "gluelake.snapshot.migrate_legacy_periods(spark, table) once (README: SnapshotPartitionTable, migration)")


def read_partition(spark: SparkSession, table: SnapshotTable, value: str, *,
                   columns: Sequence[tuple[str, str]] | None = None, catalog: PartitionCatalog | None = None,
                   s3: Any = None) -> DataFrame:
    """The rows of the published period `value` (empty when it is not published), read from the folder
    the catalog registers for it: what Athena and `spark.table` read.

    Args:
        spark: the session.
        table: the table (bound with `readsFrom` or `writesTo`).
        value: the period's partition value, e.g. `2026-11`.
        columns: the table's data columns; default `table_columns(spark, table)`.
        catalog: default `default_catalog(spark, table)`.
        s3: a boto3 S3 client; created when needed and not given.
    """
    cols = list(columns) if columns is not None else table_columns(spark, table)
    location = (catalog or default_catalog(spark, table)).locations().get(value)
    return _read_folder(spark, location, cols, s3)


def migrate_legacy_periods(spark: SparkSession, table: SnapshotTable, *, at: datetime,
                           columns: Sequence[tuple[str, str]] | None = None, catalog: PartitionCatalog | None = None,
                           s3: Any = None, logger: logging.Logger | None = None) -> list[str]:
    """Converts a table loaded by the previous version (data files directly in `<key>=<period>/`, found
    by partition projection) to registered partitions: each such period not registered yet is copied
    into a run folder and registered there, oldest first; then its old files are deleted. Rerunning
    it continues where it stopped. The old layout kept no tombstones: an entity deleted before the
    migration can come back only through an event older than its deletion arriving later.

    Returns the periods migrated. Run it once per table, after deploying the version with registered
    partitions and before the table's next load (until then readers see no partition).
    """
    log = logger or logging.getLogger(_LOGGER)
    now = _utc(at, "migrate_legacy_periods")
    cols = list(columns) if columns is not None else table_columns(spark, table)
    catalog = catalog or default_catalog(spark, table)
    periods = _Periods(table)
    registered = catalog.locations()
    legacy: dict[str, list[str]] = {}
    for file in list_files(table.path, s3=s3):
        parts = file[len(table.path):].split("/")
        if len(parts) == 2 and parts[0].startswith(f"{table.partition_key}="):
            legacy.setdefault(parts[0][len(table.partition_key) + 1:], []).append(file)
    migrated = []
    for value in sorted(legacy, key=periods.start):
        root = _period_root(table, value)
        data = [f for f in legacy[value] if is_data_file(f, root)]
        if value not in registered:
            folder = run_folder_name(now, "migrated")
            target = f"{root}{folder}/"
            frame = (spark.read.schema(schema_ddl(cols)).parquet(*data) if data
                     else spark.createDataFrame([], schema_ddl(cols)))
            frame.write.mode("overwrite").option("compression", table.compression or "snappy").parquet(target)
            catalog.publish(value, target)
            migrated.append(value)
            log.info("%s.%s %s=%s: copied %d file(s) to %s and registered it", table.database, table.table,
                     table.partition_key, value, len(data), target)
        delete_files(legacy[value], s3=s3)
    return migrated
