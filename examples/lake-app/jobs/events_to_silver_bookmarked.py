"""Click events, by job bookmark: the raw JSON events added since the last committed run (bronze) -> silver
Parquet by `event_date`, one row per `event_id`.

A batch rarely holds a whole day, so each day it touches is rewritten from that day's stored events plus
the new ones. The bookmark moves only when the run commits, after the write; a failed run's rerun re-reads
the same files, and the merge by `event_id` makes that harmless.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from gluelake.job import JobContext, run_job
from gluelake.storage import has_data_files

BOOKMARK_KEY = "load_bronze_events"  # the bookmark's transformation_ctx: renaming it re-reads every file
SILVER_EVENTS = T.StructType([
    T.StructField("event_id", T.StringType()),
    T.StructField("user_id", T.StringType()),
    T.StructField("event_type", T.StringType()),
    T.StructField("page_url", T.StringType()),
    T.StructField("event_ts", T.TimestampType()),
    T.StructField("event_date", T.DateType()),  # the partition column, from event_ts
])


def source_new_events(ctx: JobContext) -> DataFrame:
    """The raw events of the files no committed run has read; an empty frame without columns when there is
    none (as Glue gives), without a read when bronze holds no data file (Glue's read of a missing path is
    not documented)."""
    path = ctx.args.location("input_bronze").path
    if not has_data_files(path):
        return ctx.spark.createDataFrame([], T.StructType([]))
    frame = ctx.glue_context.create_dynamic_frame.from_options(
        connection_type="s3", connection_options={"paths": [path], "recurse": True}, format="json",
        transformation_ctx=BOOKMARK_KEY)
    return frame.resolveChoice(choice="cast:string").toDF()  # a field seen with several types: a string


def source_stored_events(ctx: JobContext, days: list[date]) -> DataFrame:
    """The events stored in silver for `days` (none before the first write)."""
    path = ctx.args.location("output_silver").path
    if not has_data_files(path):
        return ctx.spark.createDataFrame([], SILVER_EVENTS)
    return ctx.spark.read.schema(SILVER_EVENTS).parquet(path).where(F.col("event_date").isin(days))


def sink_events(ctx: JobContext, events: DataFrame) -> None:
    """Parquet by `event_date`, replacing only the partitions written (dynamic overwrite, this write only)."""
    (events.repartition("event_date")
     .write.mode("overwrite").option("partitionOverwriteMode", "dynamic")
     .partitionBy("event_date").parquet(ctx.args.location("output_silver").path))


def clean_events(raw: DataFrame) -> DataFrame:
    """Typed events with an id and a time, with the UTC `event_date`; a field absent from the batch is null."""
    def typed(field: T.StructField) -> Column:
        return (F.col(field.name) if field.name in raw.columns else F.lit(None)).cast(field.dataType).alias(field.name)

    return (raw.select(*(typed(f) for f in SILVER_EVENTS.fields if f.name != "event_date"))
            .withColumn("event_id", F.trim("event_id"))
            .withColumn("event_type", F.lower(F.trim("event_type")))
            .where((F.col("event_id") != "") & F.col("event_ts").isNotNull())
            .withColumn("event_date", F.to_date("event_ts")))


def event_days(events: DataFrame) -> list[date]:
    """The `event_date` values of the events: the partitions the batch rewrites."""
    return sorted(row.event_date for row in events.select("event_date").distinct().collect())


def main(ctx: JobContext) -> None:
    """new bronze events -> clean -> + the stored events of their days -> one per event_id -> silver."""
    new = clean_events(source_new_events(ctx)).cache()  # used twice: the days, the write
    days = event_days(new)
    if not days:
        ctx.logger.info("no new event under %s since the last committed run: nothing to do",
                        ctx.args.location("input_bronze").path)
        return
    sink_events(ctx, source_stored_events(ctx, days).unionByName(new).dropDuplicates(["event_id"]))
    ctx.logger.info("rewrote %d event_date partition(s)", len(days))


if __name__ == "__main__":
    run_job(main)
