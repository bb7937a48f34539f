"""Provider events: one provider's raw JSON events (bronze) -> that provider's Parquet events (silver).

Run once per provider by a `PartitionedJobOrchestrator` (`--partition <provider>`), several runs at once:
each run reads `<bronze>provider=<id>/` and rewrites only the `event_date` partitions of
`<silver>provider=<id>/` that it produces.
"""

from __future__ import annotations


from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from gluelake.job import JobContext, run_job
from gluelake.storage import has_data_files

BRONZE_EVENTS = T.StructType([
    T.StructField("event_id", T.StringType()),
    T.StructField("event_type", T.StringType()),
    T.StructField("event_ts", T.TimestampType()),
    T.StructField("payload", T.StringType()),
])


def provider_path(ctx: JobContext, location: str) -> str:
    """The run's provider prefix under a location: `<path>provider=<id>/`."""
    provider = ctx.args.partition()  # checked against the orchestrator's rule: it cannot point a path elsewhere
    return f"{ctx.args.location(location).path}provider={provider}/"


def source_provider_events(ctx: JobContext) -> DataFrame | None:
    """The provider's raw events, or None when its bronze prefix holds no data file."""
    path = provider_path(ctx, "input_bronze")
    if not has_data_files(path):
        return None
    return ctx.spark.read.schema(BRONZE_EVENTS).option("recursiveFileLookup", "true").json(path)


def sink_provider_events(ctx: JobContext, events: DataFrame) -> None:
    """Parquet by `event_date` under the provider's silver prefix, replacing only the partitions written."""
    (events.repartition("event_date")
     .write.mode("overwrite").option("partitionOverwriteMode", "dynamic")
     .partitionBy("event_date").parquet(provider_path(ctx, "output_silver")))


def clean_events(events: DataFrame) -> DataFrame:
    """Events with an id and a time, one row per `event_id`, with the UTC `event_date`."""
    return (events.where(F.col("event_id").isNotNull() & F.col("event_ts").isNotNull())
            .dropDuplicates(["event_id"])
            .withColumn("event_date", F.to_date("event_ts")))


def main(ctx: JobContext) -> None:
    """the provider's bronze events -> clean -> the provider's silver."""
    events = source_provider_events(ctx)
    if events is None:
        ctx.logger.info("no input under %s: nothing to do", provider_path(ctx, "input_bronze"))
        return
    sink_provider_events(ctx, clean_events(events))


if __name__ == "__main__":
    run_job(main)
