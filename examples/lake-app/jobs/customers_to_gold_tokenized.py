"""Customers to gold: the newest published period of the silver `customers` table -> the current customers, each
email replaced by its token from a `PiiTokenizer` (gold Parquet, overwritten each run).

It reads only what the catalog publishes: the period is the greatest registered partition of the table
(`readsFrom(customersTable)`, `--input_customers_*`) and its rows are those of the partition's registered folder,
as Athena and `spark.table` read them. The other run folders of a period (superseded ones kept for running
queries, and those of failed loads, never published) and periods whose first load has not been published yet are
never read. Without a published period gold is left as it is; a published period without customers (all
deleted) leaves gold without customers.

Run it after customers_snapshot.py has succeeded (`runsAfter`). Plaintext emails stay in the executors' memory
(`gluelake.tokenize`: nothing cached or shuffled before the replacement); the logs hold counts only.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from gluelake.arguments import JobArgumentError, Tokenizer
from gluelake.catalog import default_catalog
from gluelake.job import JobContext, run_job
from gluelake.snapshot import read_partition
from gluelake.tokenize import tokenize_columns

TABLE = "input_customers"  # the arguments' base of readsFrom(customersTable)
PERIOD = "snapshot"  # gold's column of the period the customers come from
GOLD_COLUMNS = ["customer_id", "email_token", "country", "updated_at", PERIOD]


def source_newest_customers(ctx: JobContext) -> DataFrame | None:
    """The customers of the newest published period with the period (`snapshot`), or None when no period is
    published. The table's partition values (`%Y`, `%Y-%m`, `%Y-%m-%d`, `%Y-%m-%d-%H`: fixed width, largest unit
    first) sort as text in time order, so the newest period is the greatest registered value."""
    table = ctx.args.table(TABLE)
    catalog = default_catalog(ctx.spark, table)
    newest = max(catalog.locations(), default=None)
    if newest is None:
        return None
    return read_partition(ctx.spark, table, newest, catalog=catalog).withColumn(PERIOD, F.lit(newest))


def sink_gold_customers(ctx: JobContext, customers: DataFrame) -> tuple[int, int]:
    """Replaces gold with the customers (Parquet, zstd); returns (rows, emails tokenized) as written."""
    gold, silver = ctx.args.location("output_gold").path, ctx.args.table(TABLE).path
    if gold.startswith(silver) or silver.startswith(gold):  # the overwrite would delete silver files
        raise JobArgumentError(f"--output_gold_path: received {gold!r}; expected a location apart from "
                               f"--{TABLE}_path {silver!r}")
    customers.write.mode("overwrite").option("compression", "zstd").parquet(gold)
    counts = ctx.spark.read.parquet(gold).agg(F.count(F.lit(1)), F.count("email_token")).first()
    return counts[0], counts[1]


def tokenize_emails(customers: DataFrame, tokenizer: Tokenizer) -> DataFrame:
    """The customers with `email_token` (null for a blank email) in place of `email`, in gold's column order."""
    return tokenize_columns(customers, tokenizer, ["email"]).withColumnRenamed("email", "email_token").select(
        *GOLD_COLUMNS)


def main(ctx: JobContext) -> None:
    """newest published period of silver customers -> tokenize the emails -> overwrite gold."""
    customers = source_newest_customers(ctx)
    if customers is None:  # overwriting gold with nothing would delete its customers
        table = ctx.args.table(TABLE)
        ctx.logger.info("no period of %s.%s (%s) is published yet: nothing to do, gold is left as it is",
                        table.database, table.table, table.path)
        return
    rows, tokenized = sink_gold_customers(ctx, tokenize_emails(customers, ctx.args.tokenizer()))
    ctx.logger.info("wrote %d customer(s) to gold: %d email(s) tokenized, %d blank", rows, tokenized, rows - tokenized)


if __name__ == "__main__":
    run_job(main)
