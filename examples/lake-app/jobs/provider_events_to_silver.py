"""AWS Glue 5.0 job: one provider's raw JSON events (bronze) -> that provider's Parquet events (silver).

Run once per provider by a `PartitionedJobOrchestrator`, which passes the provider as
`--partition <id>`. Several runs of this job run at once, one per provider, so each run reads and
writes only its provider's prefixes:

    bronze  <input_bronze_path>provider=<id>/...json
    silver  <output_silver_path>provider=<id>/event_date=<day>/...parquet

A run rewrites the `event_date` partitions of its provider that it produces and nothing else, so a
rerun (or a run that took over the lock of a dead one) gives the same result.
A run that finds no file of its provider (a provider registered before its first delivery) logs
"nothing to do", writes nothing and succeeds: Spark would fail on a path that does not exist.

The argument and path functions are pure and carry doctests (`python3 -m doctest` runs them
without Spark or Glue); Spark and Glue are imported only where they are used.
"""

import re
import sys
from dataclasses import dataclass, field

ARGUMENT_NAMES = ["JOB_NAME", "env", "partition", "input_bronze_path", "output_silver_path"]

# The orchestrator's partition ids: letters, digits, '.', '_' and '-', starting with a letter or digit.
PARTITION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class JobArguments:
    """The job arguments, read once by `parse_arguments`."""

    job_name: str
    env: str
    provider: str
    input_bronze_path: str
    output_silver_path: str
    raw_args: dict = field(repr=False, compare=False)  # what job.init needs


def parse_arguments(resolved: dict) -> JobArguments:
    """Checks the resolved arguments; the provider must be an orchestrator partition id.

    >>> args = parse_arguments({"JOB_NAME": "j", "env": "dev", "partition": "acme",
    ...     "input_bronze_path": "s3://b/providers/", "output_silver_path": "s3://s/providers/"})
    >>> args.provider
    'acme'
    >>> parse_arguments({"JOB_NAME": "j", "env": "dev", "partition": "../etc",
    ...     "input_bronze_path": "s3://b/", "output_silver_path": "s3://s/"})
    Traceback (most recent call last):
    ...
    ValueError: --partition '../etc' is not a partition id (letters, digits, '.', '_' and '-', starting with a letter or digit)
    """
    provider = resolved["partition"]
    if not PARTITION_ID.match(provider):
        raise ValueError(f"--partition {provider!r} is not a partition id "
                         "(letters, digits, '.', '_' and '-', starting with a letter or digit)")
    return JobArguments(
        job_name=resolved["JOB_NAME"], env=resolved["env"], provider=provider,
        input_bronze_path=resolved["input_bronze_path"],
        output_silver_path=resolved["output_silver_path"], raw_args=resolved)


def provider_path(base: str, provider: str) -> str:
    """The Hive-style prefix of one provider under a layer location (which ends with '/').

    >>> provider_path("s3://lake-bronze/providers/", "acme")
    's3://lake-bronze/providers/provider=acme/'
    >>> provider_path("s3://lake-bronze/providers", "acme")
    's3://lake-bronze/providers/provider=acme/'
    """
    return f"{base.rstrip('/')}/provider={provider}/"


def has_input_files(spark, uri: str) -> bool:
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


def load_provider_events(spark, bronze_path: str):
    """Reads every raw JSON event of the provider (an explicit schema: a new field cannot leak into silver)."""
    from pyspark.sql import types as T
    schema = T.StructType([
        T.StructField("event_id", T.StringType()),
        T.StructField("event_type", T.StringType()),
        T.StructField("event_ts", T.TimestampType()),
        T.StructField("payload", T.StringType()),
    ])
    return spark.read.schema(schema).option("recursiveFileLookup", "true").json(bronze_path)


def transform_events(events):
    """Drops events without id or time, keeps one row per `event_id`, adds the UTC `event_date`."""
    from pyspark.sql import functions as F
    return (events
            .where(F.col("event_id").isNotNull() & F.col("event_ts").isNotNull())
            .dropDuplicates(["event_id"])
            .withColumn("event_date", F.to_date("event_ts")))


def save_provider_events(events, silver_path: str) -> None:
    """Writes the provider's Parquet, replacing only the `event_date` partitions written."""
    (events.repartition("event_date")
     .write.mode("overwrite").option("partitionOverwriteMode", "dynamic")
     .partitionBy("event_date").parquet(silver_path))


def main(glue_context, job, args: JobArguments) -> None:
    """Load -> transform -> save -> commit, for one provider."""
    job.init(args.job_name, args.raw_args)
    spark = glue_context.spark_session
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    logger = glue_context.get_logger()
    logger.info(f"[{args.env}] provider {args.provider}")

    bronze = provider_path(args.input_bronze_path, args.provider)
    if not has_input_files(spark, bronze):
        logger.info(f"[{args.env}] no input under {bronze}: nothing to do")
        job.commit()
        return
    events = load_provider_events(spark, bronze)
    save_provider_events(transform_events(events), provider_path(args.output_silver_path, args.provider))
    job.commit()


if __name__ == "__main__":
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext

    arguments = parse_arguments(getResolvedOptions(sys.argv, ARGUMENT_NAMES))
    context = GlueContext(SparkContext.getOrCreate())
    main(context, Job(context), arguments)
