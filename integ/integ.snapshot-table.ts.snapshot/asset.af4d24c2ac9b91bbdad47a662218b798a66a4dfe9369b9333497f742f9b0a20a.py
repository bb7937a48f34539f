"""AWS Glue 5.0 job: customer change events (bronze) -> the `customers` snapshot table (silver).

The table is a `SnapshotPartitionTable`: one full copy of the customers per period (a month here),
in the Hive-style partition `<path><partition_key>=<period>/`. Each run rebuilds the partition of
the period it starts in:

1. the change events under `--input_bronze_path` (JSON lines: the table's columns plus an optional
   boolean `deleted`) become the temporary view `incoming`;
2. the current period's partition becomes `current_snapshot` and the previous period's becomes
   `previous_snapshot` (empty, with the table's columns, where the partition has no data yet);
3. the retain-last merge SQL of the table (`--output_customers_merge_sql`) gives the new partition;
4. it is written next to the files already there (append), and only then are the objects that
   existed before the run deleted.

A run that finds no change event and no stored snapshot of either period (a new lake) logs
"nothing to do", writes nothing and succeeds.

Writing first and purging second makes the load idempotent: a run that fails before the purge
leaves the old and the new files side by side, and the next run reads both, merges them (one row
per primary key) and purges both. Readers may see duplicate rows for the seconds between the write
and the purge; a table format with atomic commits (Iceberg) avoids that window.

Every detail of the table (database, name, location, partition key, period and its format,
compression, merge SQL) comes from the `--output_customers_*` arguments that
`job.writesTo(customersTable)` passes; the columns and their types come from the table in the Glue
Data Catalog, read through Spark (`spark.table`: the job runs with `--enable-glue-datacatalog`).
The period, argument and purge functions import neither Spark nor Glue, so a reader (or a test)
can run them anywhere: `python3 -m doctest customers_snapshot.py`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

if TYPE_CHECKING:  # Glue and Spark exist only on Glue; they are imported where they are used
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from pyspark.sql import DataFrame, SparkSession

# The base name of the table's arguments: `job.writesTo(table)` uses `output_<tableName>`.
TABLE_ARGUMENT = "output_customers"
TABLE_ARGUMENT_SUFFIXES = ["database", "table", "path", "partition_key", "granularity", "partition_format",
                           "primary_key", "effective_date_column", "compression", "merge_sql"]
ARGUMENT_NAMES = ["JOB_NAME", "env", "input_bronze_path", "input_bronze_database",
                  *(f"{TABLE_ARGUMENT}_{suffix}" for suffix in TABLE_ARGUMENT_SUFFIXES), "TempDir"]

GRANULARITIES = ("YEAR", "MONTH", "DAY", "HOUR")
# The temporary views the merge SQL reads (SnapshotPartitionTable.retainLastMergeSql's defaults).
INCOMING_VIEW, PREVIOUS_VIEW, CURRENT_VIEW = "incoming", "previous_snapshot", "current_snapshot"
DELETED_FIELD = "deleted"  # the optional flag of a change event in bronze
DELETED_COLUMN = "_deleted"  # the column of `incoming` the merge reads (null means false)
DELETE_BATCH = 1000  # S3 DeleteObjects takes at most 1,000 keys a request


@dataclass(frozen=True)
class JobArguments:
    """The job arguments, read once by `read_arguments`."""

    job_name: str
    env: str
    input_bronze_path: str
    input_bronze_database: str
    database: str
    table: str
    path: str  # s3:// location of the table, ending with "/"
    partition_key: str
    granularity: str  # YEAR, MONTH, DAY or HOUR
    partition_format: str  # strftime pattern of a partition value, e.g. "%Y-%m" (UTC)
    primary_key: tuple[str, ...]
    effective_date_column: str
    compression: str  # Parquet codec: "snappy" or "zstd"
    merge_sql: str
    temp_dir: str | None  # getResolvedOptions treats TempDir as optional
    raw_args: dict[str, str | None] = field(repr=False, compare=False)  # what job.init needs


def read_arguments(argv: list[str]) -> JobArguments:
    """Reads the `--NAME value` arguments Glue passes: the one place that knows their names."""
    from awsglue.utils import getResolvedOptions

    return parse_arguments(getResolvedOptions(argv, ARGUMENT_NAMES))


def parse_arguments(resolved: Mapping[str, Any]) -> JobArguments:
    """Checks and types the resolved arguments (what `getResolvedOptions` returns).

    >>> values = {"database": "sales_silver", "table": "customers", "path": "s3://silver/customers/",
    ...           "partition_key": "snapshot", "granularity": "MONTH", "partition_format": "%Y-%m",
    ...           "primary_key": "customer_id", "effective_date_column": "updated_at",
    ...           "compression": "zstd", "merge_sql": "WITH merge_input AS (...) SELECT ..."}
    >>> resolved = {"JOB_NAME": "job", "env": "dev", "input_bronze_path": "s3://bronze/customers/",
    ...             "input_bronze_database": "sales_bronze",
    ...             **{f"output_customers_{k}": v for k, v in values.items()}}
    >>> args = parse_arguments(resolved)
    >>> args.granularity, args.primary_key, args.temp_dir
    ('MONTH', ('customer_id',), None)
    >>> parse_arguments({**resolved, "output_customers_granularity": "WEEK"})
    Traceback (most recent call last):
    ...
    ValueError: --output_customers_granularity: received 'WEEK'; expected one of YEAR, MONTH, DAY, HOUR
    """
    def table_arg(suffix: str) -> str:
        return resolved[f"{TABLE_ARGUMENT}_{suffix}"]

    granularity = table_arg("granularity")
    if granularity not in GRANULARITIES:
        raise ValueError(f"--{TABLE_ARGUMENT}_granularity: received {granularity!r}; "
                         f"expected one of {', '.join(GRANULARITIES)}")
    path = table_arg("path")
    if not path.startswith("s3://") or not path.endswith("/"):
        raise ValueError(f"--{TABLE_ARGUMENT}_path: received {path!r}; expected an s3:// URI ending with '/'")
    return JobArguments(
        job_name=resolved["JOB_NAME"], env=resolved["env"],
        input_bronze_path=resolved["input_bronze_path"],
        input_bronze_database=resolved["input_bronze_database"],
        database=table_arg("database"), table=table_arg("table"), path=path,
        partition_key=table_arg("partition_key"), granularity=granularity,
        partition_format=table_arg("partition_format"),
        primary_key=tuple(k.strip() for k in table_arg("primary_key").split(",") if k.strip()),
        effective_date_column=table_arg("effective_date_column"),
        compression=table_arg("compression").lower(), merge_sql=table_arg("merge_sql"),
        temp_dir=resolved.get("TempDir"), raw_args=dict(resolved))


# ---------------------------------------------------------------------------------------------
# Periods (UTC)
# ---------------------------------------------------------------------------------------------

def period_start(moment: datetime, granularity: str) -> datetime:
    """The first instant (UTC) of the period that contains `moment` (an aware datetime).

    >>> period_start(datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc), "MONTH").isoformat()
    '2026-11-01T00:00:00+00:00'
    >>> period_start(datetime(2026, 11, 21, 0, 30, tzinfo=timezone(timedelta(hours=2))), "DAY").isoformat()
    '2026-11-20T00:00:00+00:00'
    """
    if moment.tzinfo is None:
        raise ValueError(f"received the naive datetime {moment.isoformat()}; expected an aware one (periods are UTC)")
    utc = moment.astimezone(timezone.utc)
    if granularity == "YEAR":
        return datetime(utc.year, 1, 1, tzinfo=timezone.utc)
    if granularity == "MONTH":
        return datetime(utc.year, utc.month, 1, tzinfo=timezone.utc)
    if granularity == "DAY":
        return datetime(utc.year, utc.month, utc.day, tzinfo=timezone.utc)
    if granularity == "HOUR":
        return datetime(utc.year, utc.month, utc.day, utc.hour, tzinfo=timezone.utc)
    raise ValueError(f"received the granularity {granularity!r}; expected one of {', '.join(GRANULARITIES)}")


def previous_period_start(moment: datetime, granularity: str) -> datetime:
    """The first instant (UTC) of the period before the one that contains `moment`.

    >>> jan = datetime(2026, 1, 5, 12, tzinfo=timezone.utc)
    >>> [previous_period_start(jan, g).isoformat() for g in GRANULARITIES]
    ['2025-01-01T00:00:00+00:00', '2025-12-01T00:00:00+00:00', '2026-01-04T00:00:00+00:00', '2026-01-05T11:00:00+00:00']
    >>> previous_period_start(datetime(2026, 3, 1, 0, 10, tzinfo=timezone.utc), "HOUR").isoformat()
    '2026-02-28T23:00:00+00:00'
    """
    start = period_start(moment, granularity)
    if granularity == "YEAR":
        return start.replace(year=start.year - 1)
    if granularity == "MONTH":
        if start.month == 1:
            return start.replace(year=start.year - 1, month=12)
        return start.replace(month=start.month - 1)
    return start - (timedelta(days=1) if granularity == "DAY" else timedelta(hours=1))


def partition_values(moment: datetime, granularity: str, partition_format: str) -> tuple[str, str]:
    """The partition values (current, previous) of the period that contains `moment`.

    >>> partition_values(datetime(2026, 1, 5, tzinfo=timezone.utc), "MONTH", "%Y-%m")
    ('2026-01', '2025-12')
    >>> partition_values(datetime(2026, 11, 21, 0, 5, tzinfo=timezone.utc), "HOUR", "%Y-%m-%d-%H")
    ('2026-11-21-00', '2026-11-20-23')
    """
    current = period_start(moment, granularity)
    previous = previous_period_start(moment, granularity)
    return current.strftime(partition_format), previous.strftime(partition_format)


# ---------------------------------------------------------------------------------------------
# S3 locations and the purge
# ---------------------------------------------------------------------------------------------

def partition_uri(table_path: str, partition_key: str, value: str) -> str:
    """The Hive-style location of one partition.

    >>> partition_uri("s3://lake-silver/customers/", "snapshot", "2026-11")
    's3://lake-silver/customers/snapshot=2026-11/'
    """
    return f"{table_path.rstrip('/')}/{partition_key}={value}/"


def split_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key prefix) of an s3:// URI.

    >>> split_s3_uri("s3://lake-silver/customers/snapshot=2026-11/")
    ('lake-silver', 'customers/snapshot=2026-11/')
    """
    if not uri.startswith("s3://"):
        raise ValueError(f"received {uri!r}; expected an s3:// URI")
    bucket, _, prefix = uri[len("s3://"):].partition("/")
    return bucket, prefix


def is_data_file(key: str, prefix: str) -> bool:
    """Whether Spark reads the object: no part of its key below `prefix` starts with `_` or `.`
    (Hadoop's hidden files: `_SUCCESS`, `_temporary/`, `.spark-staging-*`) and it is not a folder.

    >>> [is_data_file(k, "t/s=1/") for k in ["t/s=1/part-0.zstd.parquet", "t/s=1/_SUCCESS",
    ...                                      "t/s=1/_temporary/0/part-1.parquet", "t/s=1/"]]
    [True, False, False, False]
    """
    rest = key[len(prefix):] if key.startswith(prefix) else key
    return rest != "" and not rest.endswith("/") and not any(p.startswith(("_", ".")) for p in rest.split("/"))


def keys_to_purge(objects: Iterable[Mapping[str, Any]], started_at: datetime) -> list[str]:
    """The keys of the listed objects (`list_objects_v2` `Contents`) last modified before the run
    started: everything the run found in the partition, data or not. The run's own files are newer.

    S3 reports `LastModified` in whole seconds, so the start is truncated to the second: a file
    written in the run's first second (never a data file, which comes long after) is kept.

    >>> t = lambda minute, second=0: datetime(2026, 11, 21, 3, minute, second, tzinfo=timezone.utc)
    >>> keys_to_purge([{"Key": "old.parquet", "LastModified": t(0)}, {"Key": "_SUCCESS", "LastModified": t(1)},
    ...                {"Key": "new.parquet", "LastModified": t(9)}, {"Key": "same-second", "LastModified": t(5)}],
    ...               started_at=t(5).replace(microsecond=700000))
    ['old.parquet', '_SUCCESS']
    """
    cutoff = started_at.replace(microsecond=0)
    return [o["Key"] for o in objects if o["LastModified"] < cutoff]


def batches(items: Sequence[str], size: int = DELETE_BATCH) -> Iterator[list[str]]:
    """`items` in consecutive lists of at most `size`.

    >>> [len(b) for b in batches([str(i) for i in range(2500)])]
    [1000, 1000, 500]
    """
    for i in range(0, len(items), size):
        yield list(items[i:i + size])


def list_objects(s3: Any, uri: str) -> list[dict[str, Any]]:
    """Every object under the location (`list_objects_v2`, all pages)."""
    bucket, prefix = split_s3_uri(uri)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [o for page in pages for o in page.get("Contents", [])]


def has_data_files(s3: Any, uri: str) -> bool:
    """Whether any object under the location is a file Spark would read (not a folder marker, a
    `_SUCCESS` or a leftover under `_temporary/`); the listing stops at the page with the first one."""
    bucket, prefix = split_s3_uri(uri)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return any(is_data_file(o["Key"], prefix) for page in pages for o in page.get("Contents", []))


def partition_has_data(s3: Any, uri: str) -> bool:
    """Whether a partition holds a file Spark would read (not just a `_SUCCESS` marker)."""
    _, prefix = split_s3_uri(uri)
    return any(is_data_file(o["Key"], prefix) for o in list_objects(s3, uri))


def purge_objects(s3: Any, uri: str, keys: Sequence[str]) -> int:
    """Deletes `keys` from the location's bucket, 1,000 a request; raises on any key not deleted."""
    bucket, _ = split_s3_uri(uri)
    for batch in batches(keys):
        response = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
        if response.get("Errors"):
            failed = ", ".join(f"{e['Key']} ({e['Code']})" for e in response["Errors"][:5])
            raise RuntimeError(f"could not delete {len(response['Errors'])} object(s) under {uri}: {failed}")
    return len(keys)


def purge_older_objects(s3: Any, uri: str, started_at: datetime) -> int:
    """Deletes the objects under the location that the run did not write; returns how many."""
    return purge_objects(s3, uri, keys_to_purge(list_objects(s3, uri), started_at))


# ---------------------------------------------------------------------------------------------
# The table's columns (Glue catalog)
# ---------------------------------------------------------------------------------------------

def load_table_columns(spark: SparkSession, database: str, table: str, partition_key: str) -> list[tuple[str, str]]:
    """The table's data columns as (name, Spark SQL type), in order, without the partition key.

    Read through Spark's catalog, which is the Glue Data Catalog (`--enable-glue-datacatalog`). Only
    the schema is resolved, no row is read, so an empty table (a new lake, or partitions that exist
    only through Athena's partition projection, which Spark does not use) works as well. Spark's
    first catalog use reads the `default` database: the job's role needs `glue:GetDatabase` on it."""
    schema = spark.table(f"`{database}`.`{table}`").schema
    return [(f.name, f.dataType.simpleString()) for f in schema.fields if f.name != partition_key]


def schema_ddl(columns: Iterable[tuple[str, str]]) -> str:
    """A Spark DDL schema of the columns (Spark SQL types, as `DataType.simpleString()` gives them).

    >>> schema_ddl([("customer_id", "string"), ("updated_at", "timestamp")])
    '`customer_id` string, `updated_at` timestamp'
    """
    return ", ".join(f"`{name}` {data_type}" for name, data_type in columns)


def is_complex_type(data_type: str) -> bool:
    """Whether a type is an array, map or struct.

    >>> [is_complex_type(t) for t in ["string", "decimal(12,2)", "array<string>", "struct<a:int>"]]
    [False, False, True, True]
    """
    return data_type.strip().lower().startswith(("array<", "map<", "struct<"))


def bronze_read_ddl(columns: Sequence[tuple[str, str]]) -> str:
    """The schema the raw JSON is read with: primitive fields as strings (cast afterwards, so that
    `42` and `"42"`, or any ISO-8601 timestamp, are accepted), complex fields as their type, plus
    the optional delete flag.

    >>> bronze_read_ddl([("customer_id", "string"), ("updated_at", "timestamp"), ("tags", "array<string>")])
    '`customer_id` string, `updated_at` string, `tags` array<string>, `deleted` string'
    """
    if any(name == DELETED_FIELD for name, _ in columns):
        raise ValueError(f"the table has a column named {DELETED_FIELD!r}: "
                         "it would shadow the delete flag of the events")
    read = [(name, data_type if is_complex_type(data_type) else "string") for name, data_type in columns]
    return schema_ddl([*read, (DELETED_FIELD, "string")])


# ---------------------------------------------------------------------------------------------
# Spark steps
# ---------------------------------------------------------------------------------------------

def load_incoming_events(spark: SparkSession, bronze_path: str, columns: Sequence[tuple[str, str]],
                         has_files: bool) -> DataFrame:
    """The change events typed as the table's columns, plus `_deleted` (`deleted`, false when absent).

    A value that does not cast becomes null; the merge drops events with a null primary key."""
    from pyspark.sql import functions as F

    if not has_files:  # nothing landed yet: the merge carries the stored snapshot forward
        return spark.createDataFrame([], f"{schema_ddl(columns)}, `{DELETED_COLUMN}` boolean")
    raw = spark.read.schema(bronze_read_ddl(columns)).option("recursiveFileLookup", "true").json(bronze_path)
    return raw.select(
        *(F.col(name).cast(data_type).alias(name) for name, data_type in columns),
        F.coalesce(F.col(DELETED_FIELD).cast("boolean"), F.lit(False)).alias(DELETED_COLUMN),
    )


def load_partition(spark: SparkSession, uri: str, ddl: str, has_data: bool) -> DataFrame:
    """One period's snapshot (the table's data columns), or an empty one where it has no data file.

    Spark lists the files here, before anything is written: the run's own output is never read."""
    if not has_data:
        return spark.createDataFrame([], ddl)
    return spark.read.schema(ddl).parquet(uri)


def transform_merge_snapshot(spark: SparkSession, merge_sql: str, incoming: DataFrame,
                             previous: DataFrame, current: DataFrame) -> DataFrame:
    """The table's retain-last merge over the three temporary views: the new current snapshot.

    Only DataFrames and SQL: a test can run it on a local SparkSession with the table's merge SQL."""
    incoming.createOrReplaceTempView(INCOMING_VIEW)
    previous.createOrReplaceTempView(PREVIOUS_VIEW)
    current.createOrReplaceTempView(CURRENT_VIEW)
    return spark.sql(merge_sql)


def save_partition(snapshot: DataFrame, uri: str, compression: str) -> None:
    """Adds the new snapshot's Parquet files to the partition, next to the old ones (purged later).

    Append, not overwrite: Spark refuses to overwrite a path the query reads, and an overwrite
    would delete the old files before the new ones exist."""
    snapshot.write.mode("append").option("compression", compression).parquet(uri)


def main(glue_context: GlueContext, job: Job, args: JobArguments) -> None:
    """Periods -> load events and snapshots -> merge -> write -> purge the older files -> commit."""
    import boto3

    started_at = datetime.now(timezone.utc)  # decides the period, and which files are purged
    job.init(args.job_name, args.raw_args)
    spark = glue_context.spark_session
    spark.conf.set("spark.sql.session.timeZone", "UTC")  # timestamps are read and written as UTC
    logger = glue_context.get_logger()
    s3 = boto3.client("s3")

    current, previous = partition_values(started_at, args.granularity, args.partition_format)
    current_uri = partition_uri(args.path, args.partition_key, current)
    previous_uri = partition_uri(args.path, args.partition_key, previous)
    logger.info(f"[{args.env}] {args.input_bronze_database} -> {args.database}.{args.table} "
                f"{args.partition_key}={current} (previous {previous}), key ({', '.join(args.primary_key)}), "
                f"newest by {args.effective_date_column}")

    columns = load_table_columns(spark, args.database, args.table, args.partition_key)
    ddl = schema_ddl(columns)
    has_events = has_data_files(s3, args.input_bronze_path)
    previous_has_data, current_has_data = partition_has_data(s3, previous_uri), partition_has_data(s3, current_uri)
    if not (has_events or previous_has_data or current_has_data):
        logger.info(f"[{args.env}] no input under {args.input_bronze_path} and no snapshot in {previous_uri} "
                    f"or {current_uri}: nothing to do")
        job.commit()
        return
    incoming = load_incoming_events(spark, args.input_bronze_path, columns, has_events)
    previous_snapshot = load_partition(spark, previous_uri, ddl, previous_has_data)
    current_snapshot = load_partition(spark, current_uri, ddl, current_has_data)
    snapshot = transform_merge_snapshot(spark, args.merge_sql, incoming, previous_snapshot, current_snapshot)
    save_partition(snapshot, current_uri, args.compression)

    # Only after the write succeeded (it raises otherwise): the files that were there before this
    # run, including those it merged, go. A failure here leaves duplicates the next run merges away.
    purged = purge_older_objects(s3, current_uri, started_at)
    logger.info(f"[{args.env}] wrote {current_uri}, purged {purged} older object(s)")

    # Bookmarks do not make a job atomic, so commit only after the write and the purge succeeded.
    # This job has no bookmark (it reads every event each run); commit just ends the run the same way.
    job.commit()


if __name__ == "__main__":
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from pyspark.context import SparkContext

    arguments = read_arguments(sys.argv)
    context = GlueContext(SparkContext.getOrCreate())
    main(context, Job(context), arguments)
