"""AWS Glue 5.0 job: new raw JSON click events (bronze) -> Parquet events (silver), by job bookmark.

The bookmark makes each run read only the bronze files added since the last committed run. A batch
rarely holds a whole day, so each day it touches is rewritten from the stored events of that day
plus the new ones, one row per `event_id` (the new batch alone would delete the stored events).
The `transform_*`/`clean_*` functions only take and return DataFrames: test them without Glue.
A run with nothing to read (no file under the input yet, or none the bookmark has not passed) logs
"nothing to do", writes nothing and commits (the bookmark stays where it was)."""

import sys
from dataclasses import dataclass, field
from datetime import date

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

ARGUMENT_NAMES = ["JOB_NAME", "env", "input_bronze_path", "input_bronze_database",
                  "output_silver_path", "output_silver_database", "TempDir"]

SILVER_EVENTS_SCHEMA = T.StructType([
    T.StructField("event_id", T.StringType()),
    T.StructField("user_id", T.StringType()),
    T.StructField("event_type", T.StringType()),
    T.StructField("page_url", T.StringType()),
    T.StructField("event_ts", T.TimestampType()),  # ISO-8601 strings in the raw events
    T.StructField("event_date", T.DateType()),  # the partition column, derived from event_ts
])


@dataclass(frozen=True)
class JobArguments:
    """The job arguments, read once by `read_arguments`."""

    job_name: str
    env: str
    input_bronze_path: str
    input_bronze_database: str
    output_silver_path: str
    output_silver_database: str
    temp_dir: str | None  # getResolvedOptions treats TempDir as optional
    raw_args: dict[str, str | None] = field(repr=False, compare=False)  # what job.init needs


def read_arguments(argv: list[str]) -> JobArguments:
    """Reads the `--NAME value` arguments Glue passes (not --job-bookmark-option: Glue's own)."""
    resolved = getResolvedOptions(argv, ARGUMENT_NAMES)
    return JobArguments(
        job_name=resolved["JOB_NAME"], env=resolved["env"],
        input_bronze_path=resolved["input_bronze_path"],
        input_bronze_database=resolved["input_bronze_database"],
        output_silver_path=resolved["output_silver_path"],
        output_silver_database=resolved["output_silver_database"],
        temp_dir=resolved.get("TempDir"), raw_args=resolved)


def has_input_files(spark: SparkSession, uri: str) -> bool:
    """Whether a file Spark would read exists under `uri`, asked of the Hadoop FileSystem Spark reads
    with (so it sees what Spark sees). On S3 a prefix without objects does not exist. Hidden files (a
    path part below `uri` starting with `_` or `.`: `_SUCCESS`, `_temporary/`, `.crc`) are not data;
    the listing stops at the first file."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    file_system = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not file_system.exists(path):
        return False
    root = file_system.makeQualified(path).toUri().getPath().rstrip("/") + "/"
    files = file_system.listFiles(path, True)  # recursive, paged: stops at the first data file
    while files.hasNext():
        rest = files.next().getPath().toUri().getPath()[len(root):]
        if not any(part.startswith(("_", ".")) for part in rest.split("/")):
            return True
    return False


def load_new_bronze_events(glue_context: GlueContext, bronze_path: str) -> DataFrame:
    """Reads the raw JSON files not yet processed by a committed run (the bookmark filters them)."""
    frame = glue_context.create_dynamic_frame.from_options(
        connection_type="s3", connection_options={"paths": [bronze_path], "recurse": True},
        format="json",
        transformation_ctx="load_bronze_events")  # the bookmark's key: renaming it re-reads all
    # A field seen with several types is a "choice": make it a string, clean_events types it.
    return frame.resolveChoice(choice="cast:string").toDF()


def load_silver_events(spark: SparkSession, silver_path: str, days: list[date]) -> DataFrame:
    """Reads the stored events of `days` (none on the first run, before the output exists)."""
    hadoop_path = spark.sparkContext._jvm.org.apache.hadoop.fs.Path(silver_path)
    file_system = hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not file_system.exists(hadoop_path):
        return spark.createDataFrame([], SILVER_EVENTS_SCHEMA)
    stored = spark.read.schema(SILVER_EVENTS_SCHEMA).parquet(silver_path)
    return stored.where(F.col("event_date").isin(days))  # partition pruning: only these days


def clean_events(raw: DataFrame) -> DataFrame:
    """Types the raw events, drops those without id or timestamp and adds `event_date`.

    A field absent from the whole batch (or an empty batch) becomes a null column."""
    def typed(column: T.StructField) -> Column:
        value = F.col(column.name) if column.name in raw.columns else F.lit(None)
        return value.cast(column.dataType).alias(column.name)

    return (
        raw.select(*(typed(c) for c in SILVER_EVENTS_SCHEMA.fields if c.name != "event_date"))
        .withColumn("event_id", F.trim("event_id"))
        .withColumn("event_type", F.lower(F.trim("event_type")))
        .where((F.col("event_id") != "") & F.col("event_ts").isNotNull())
        .withColumn("event_date", F.to_date("event_ts"))  # the UTC day: see main()
    )


def transform_merge_events(stored: DataFrame, new: DataFrame) -> DataFrame:
    """The stored and the new events together, one row per `event_id` (events never change)."""
    return stored.unionByName(new).dropDuplicates(["event_id"])


def event_days(events: DataFrame) -> list[date]:
    """The distinct `event_date` values of `events`: the partitions this batch rewrites."""
    return [row.event_date for row in events.select("event_date").distinct().collect()]


def save_silver_events(events: DataFrame, silver_path: str) -> None:
    """Writes Parquet partitioned by `event_date`, replacing only the partitions written.

    The option is `spark.sql.sources.partitionOverwriteMode=dynamic` scoped to this write. The
    partitions are replaced at job commit, after every task read the stored events."""
    (events.repartition("event_date")  # one task per day: one file per partition
     .write.mode("overwrite").option("partitionOverwriteMode", "dynamic")
     .partitionBy("event_date").parquet(silver_path))


def main(glue_context: GlueContext, job: Job, args: JobArguments) -> None:
    """Load new -> clean -> load stored days -> merge -> save -> commit the bookmark."""
    job.init(args.job_name, args.raw_args)
    spark = glue_context.spark_session
    spark.conf.set("spark.sql.session.timeZone", "UTC")  # event_date is the UTC day of event_ts
    logger = glue_context.get_logger()
    logger.info(f"[{args.env}] {args.input_bronze_database} -> {args.output_silver_database}")

    # No file at all (a new lake): the read is skipped, Glue's behaviour on a missing path is not
    # documented. With files but none new, the bookmark gives an empty frame without columns.
    if not has_input_files(spark, args.input_bronze_path):
        logger.info(f"[{args.env}] no input under {args.input_bronze_path}: nothing to do")
        job.commit()
        return
    raw_events = load_new_bronze_events(glue_context, args.input_bronze_path)
    new_events = clean_events(raw_events).cache()  # used twice: for the day list and the write
    days = event_days(new_events)
    if not days:  # no new file, or no valid event in the new ones
        logger.info(f"[{args.env}] no new event under {args.input_bronze_path} since the last committed run: "
                    "nothing to do")
    else:
        stored_events = load_silver_events(spark, args.output_silver_path, days)
        merged_events = transform_merge_events(stored_events, new_events)
        save_silver_events(merged_events, args.output_silver_path)
        logger.info(f"[{args.env}] rewrote {len(days)} event_date partition(s)")

    # Bookmarks do not make a job atomic: commit moves the bookmark past the files read above,
    # so commit only after the write succeeded. A failure raises before this line; the next run
    # re-reads the same files, and the merge by event_id makes that rerun harmless.
    job.commit()


if __name__ == "__main__":
    arguments = read_arguments(sys.argv)
    context = GlueContext(SparkContext.getOrCreate())
    main(context, Job(context), arguments)
