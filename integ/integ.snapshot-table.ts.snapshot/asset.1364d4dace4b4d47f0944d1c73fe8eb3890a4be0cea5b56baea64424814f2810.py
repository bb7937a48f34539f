"""Customers snapshot: every customer change event (bronze JSON lines) -> this period's full copy of the
customers in the silver `customers` SnapshotPartitionTable, by the table's retain-last merge.

The table's layout and merge SQL come from `writesTo(table)` (`--output_customers_*`), its columns from the
catalog; `gluelake.snapshot.merge_snapshot` writes the partition, then deletes what it held before the run.
"""

from __future__ import annotations

from pyspark.sql import DataFrame

from gluelake.job import JobContext, run_job
from gluelake.snapshot import MergeResult, load_change_events, merge_snapshot, table_columns

TABLE = "output_customers"  # the arguments' base of writesTo(customersTable)


def source_change_events(ctx: JobContext) -> DataFrame:
    """Every change event in bronze as the table's columns plus `_deleted`; empty when bronze holds no data file."""
    columns = table_columns(ctx.spark, ctx.args.table(TABLE))  # the catalog's schema, no row read
    return load_change_events(ctx.spark, ctx.args.location("input_bronze").path, columns)


def sink_snapshot(ctx: JobContext, events: DataFrame) -> MergeResult:
    """The events merged into the partition of the run's period (the previous period's copy carried forward
    on its first load): written, then the files the partition held before the run deleted."""
    return merge_snapshot(ctx.spark, ctx.args.table(TABLE), events, at=ctx.started_at)


def main(ctx: JobContext) -> None:
    """bronze change events -> retain-last merge into this period's snapshot."""
    result = sink_snapshot(ctx, source_change_events(ctx))
    if not result.written:
        ctx.logger.info("no change event under %s and no snapshot in %s or the previous period: nothing to do",
                        ctx.args.location("input_bronze").path, result.location)
        return
    ctx.logger.info("wrote %s, deleted the %d file(s) it held before", result.location, result.removed)


if __name__ == "__main__":
    run_job(main)
