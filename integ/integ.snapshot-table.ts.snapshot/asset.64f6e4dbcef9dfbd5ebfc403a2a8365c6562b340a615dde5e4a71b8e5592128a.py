"""Customers snapshot, by job bookmark: the customer change events added to bronze since the last committed run
-> merged into the current period of the silver `customers` SnapshotPartitionTable (one full copy per month).

What each run guarantees (`gluelake.snapshot.merge_snapshot`):

- After a committed run, a period holds per customer its newest event (`updated_at`), left out when that event
  is a delete: the same result as merging the whole event history, however the events were split into runs.
  A deleted customer keeps a tombstone, so an older event arriving later cannot bring it back.
- A period's first run starts from the latest published period, however long ago; a period whose customers
  were all deleted stays empty.
- Readers through the catalog (Athena, `spark.table`) see a period's previous state or its new one, never both
  or a half-written one: the run writes a new folder and moves the partition there last.
- A failed run does not move the bookmark: its rerun reads the same files again, which the merge makes harmless.

The table's layout, primary key, effective-date column and settings come from `writesTo(table)`
(`--output_customers_*`), its columns from the catalog; the runtime builds the merge SQL from them.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import types as T

from gluelake.job import JobContext, run_job
from gluelake.snapshot import MergeResult, merge_snapshot, table_columns, type_change_events
from gluelake.storage import has_data_files

BOOKMARK_KEY = "load_bronze_customers"  # the bookmark's transformation_ctx: renaming it re-reads every file
TABLE = "output_customers"  # the arguments' base of writesTo(customersTable)


def source_new_events(ctx: JobContext) -> DataFrame:
    """The change events of the files no committed run has read, typed as the table's columns plus `_deleted`;
    empty, without a read, when bronze holds no data file (Glue's read of a missing path is not documented)."""
    path = ctx.args.location("input_bronze").path
    raw = ctx.spark.createDataFrame([], T.StructType([]))  # what Glue gives when no file is new
    if has_data_files(path):
        frame = ctx.glue_context.create_dynamic_frame.from_options(
            connection_type="s3", connection_options={"paths": [path], "recurse": True}, format="json",
            transformation_ctx=BOOKMARK_KEY)
        raw = frame.resolveChoice(choice="cast:string").toDF()  # a field seen with several types: a string
    return type_change_events(raw, table_columns(ctx.spark, ctx.args.table(TABLE)))  # the catalog's schema


def sink_snapshot(ctx: JobContext, events: DataFrame) -> MergeResult:
    """The events merged into the period of the run's start, written to a new folder, then published."""
    return merge_snapshot(ctx.spark, ctx.args.table(TABLE), events, at=ctx.started_at)


def main(ctx: JobContext) -> None:
    """new bronze change events -> retain-last merge into the current period's snapshot."""
    result = sink_snapshot(ctx, source_new_events(ctx))
    if result.rejected:
        ctx.logger.warning("%d event(s) without an effective date: not loaded", result.rejected)
    for period in result.published:
        ctx.logger.info("published %s%s at %s (base: %s)", period.partition, " (closed)" if period.closed else "",
                        period.location, period.base or "none")
    if not result.written:
        ctx.logger.info("no new change event under %s, and the period %s is published or has nothing to start "
                        "from: nothing to do", ctx.args.location("input_bronze").path, result.partition)
    if result.removed:
        ctx.logger.info("deleted %d file(s) of superseded or never-published folders", result.removed)


if __name__ == "__main__":
    run_job(main)
