"""AWS Glue 5.0 job: raw JSON orders (bronze) -> cleaned, deduplicated Parquet orders (silver).

A plain job (no bookmarks): every run reads the whole bronze input and rewrites each
`order_date` partition it produces, so rerunning it gives the same result.
The `transform_*`/`clean_*` functions only take and return DataFrames: test them with a
local SparkSession, without Glue. A run that finds no input file (a new lake's first runs) logs
"nothing to do", writes nothing and succeeds: Spark would fail on a path that does not exist.
"""

import sys
from dataclasses import dataclass, field

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

ARGUMENT_NAMES = ["JOB_NAME", "env", "input_bronze_path", "input_bronze_database",
                  "output_silver_path", "output_silver_database", "TempDir"]

# An explicit schema: a new or misspelt field in the raw data cannot change the silver schema.
BRONZE_ORDERS_SCHEMA = T.StructType([
    T.StructField("order_id", T.StringType()),
    T.StructField("customer_id", T.StringType()),
    T.StructField("status", T.StringType()),
    T.StructField("amount", T.DecimalType(12, 2)),
    T.StructField("currency", T.StringType()),
    T.StructField("order_ts", T.TimestampType()),
    T.StructField("updated_at", T.TimestampType()),
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
    """Reads the `--NAME value` arguments Glue passes: the one place that knows their names."""
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
    with (so it sees what Spark sees). On S3 a prefix without objects does not exist, and reading it
    fails (`[PATH_NOT_FOUND] Path does not exist`). Hidden files (a path part below `uri` starting
    with `_` or `.`: `_SUCCESS`, `_temporary/`, `.crc`) are not data; the listing stops at the first file."""
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


def load_bronze_orders(spark: SparkSession, bronze_path: str) -> DataFrame:
    """Reads every raw JSON order under `bronze_path` (malformed lines become null rows)."""
    reader = spark.read.schema(BRONZE_ORDERS_SCHEMA).option("recursiveFileLookup", "true")
    return reader.json(bronze_path)


def clean_orders(orders: DataFrame) -> DataFrame:
    """Normalises fields, drops orders without id, timestamp or valid amount, adds `order_date`."""
    return (
        orders
        .withColumn("order_id", F.trim("order_id"))
        .withColumn("customer_id", F.trim("customer_id"))
        .withColumn("status", F.lower(F.trim("status")))
        .withColumn("currency", F.upper(F.trim("currency")))
        .withColumn("updated_at", F.coalesce("updated_at", "order_ts"))
        .where((F.col("order_id") != "") & F.col("order_ts").isNotNull() & (F.col("amount") >= 0))
        .withColumn("order_date", F.to_date("order_ts"))  # the UTC day: see main()
    )


def transform_latest_orders(orders: DataFrame) -> DataFrame:
    """Keeps one row per `order_id`: its latest version by `updated_at`."""
    latest_first = Window.partitionBy("order_id").orderBy(F.col("updated_at").desc())
    ranked = orders.withColumn("_version", F.row_number().over(latest_first))
    return ranked.where(F.col("_version") == 1).drop("_version")


def save_silver_orders(orders: DataFrame, silver_path: str) -> None:
    """Writes Parquet partitioned by `order_date`, replacing only the partitions written.

    The write option is `spark.sql.sources.partitionOverwriteMode=dynamic` scoped to this write,
    so the sink is safe wherever it is reused (a static overwrite would empty the dataset)."""
    (orders.repartition("order_date")  # one task per day: one file per partition, not hundreds
     .write.mode("overwrite").option("partitionOverwriteMode", "dynamic")
     .partitionBy("order_date").parquet(silver_path))


def main(glue_context: GlueContext, job: Job, args: JobArguments) -> None:
    """Load -> clean -> deduplicate -> save -> commit."""
    job.init(args.job_name, args.raw_args)
    spark = glue_context.spark_session
    spark.conf.set("spark.sql.session.timeZone", "UTC")  # order_date is the UTC day of order_ts
    logger = glue_context.get_logger()
    logger.info(f"[{args.env}] {args.input_bronze_database} -> {args.output_silver_database}")

    if not has_input_files(spark, args.input_bronze_path):
        logger.info(f"[{args.env}] no input under {args.input_bronze_path}: nothing to do")
        job.commit()
        return
    raw_orders = load_bronze_orders(spark, args.input_bronze_path)
    silver_orders = transform_latest_orders(clean_orders(raw_orders))
    save_silver_orders(silver_orders, args.output_silver_path)

    # Bookmarks do not make a job atomic, so commit only after the write succeeded: any failure
    # above raises first. This job has no bookmark; commit just ends the run the same way.
    job.commit()


if __name__ == "__main__":
    arguments = read_arguments(sys.argv)
    context = GlueContext(SparkContext.getOrCreate())
    main(context, Job(context), arguments)
