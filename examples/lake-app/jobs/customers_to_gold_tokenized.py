"""Customers to gold: the newest snapshot of the silver `customers` table -> the current customers, each email
replaced by its token from a `PiiTokenizer` (gold Parquet, overwritten each run).

Run it after customers_snapshot.py has succeeded (`runsAfter`). Plaintext emails stay in the executors' memory
(`gluelake.tokenize`: nothing cached or shuffled before the replacement); the logs hold counts only.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from gluelake.arguments import JobArgumentError, Tokenizer
from gluelake.job import JobContext, run_job
from gluelake.storage import is_data_file, list_files
from gluelake.tokenize import tokenize_columns

PARTITION_KEY = "snapshot"  # the silver table's partition key; its values (`yyyy-MM`) sort as text
SILVER_COLUMNS = "`customer_id` string, `email` string, `country` string, `updated_at` timestamp"
GOLD_COLUMNS = ["customer_id", "email_token", "country", "updated_at", PARTITION_KEY]


def newest_snapshot(files: list[str], silver: str) -> str | None:
    """The greatest `snapshot=<value>` folder right under `silver` that holds a data file, or None."""
    prefix = f"{silver}{PARTITION_KEY}="
    return max((f[len(prefix):].split("/")[0] for f in files if f.startswith(prefix) and is_data_file(f, silver)),
               default=None)


def source_newest_customers(ctx: JobContext) -> DataFrame | None:
    """The newest snapshot's customers with their `snapshot`, or None when silver holds none yet."""
    silver = ctx.args.location("input_silver").path
    snapshot = newest_snapshot(list_files(silver), silver)
    if snapshot is None:
        return None
    customers = ctx.spark.read.schema(SILVER_COLUMNS).parquet(f"{silver}{PARTITION_KEY}={snapshot}/")
    return customers.withColumn(PARTITION_KEY, F.lit(snapshot))


def sink_gold_customers(ctx: JobContext, customers: DataFrame) -> tuple[int, int]:
    """Replaces gold with the customers (Parquet, zstd); returns (rows, emails tokenized) as written."""
    gold, silver = ctx.args.location("output_gold").path, ctx.args.location("input_silver").path
    if gold.startswith(silver) or silver.startswith(gold):  # the overwrite would delete silver files
        raise JobArgumentError(f"--output_gold_path: received {gold!r}; expected a location apart from "
                               f"--input_silver_path {silver!r}")
    customers.write.mode("overwrite").option("compression", "zstd").parquet(gold)
    counts = ctx.spark.read.parquet(gold).agg(F.count(F.lit(1)), F.count("email_token")).first()
    return counts[0], counts[1]


def tokenize_emails(customers: DataFrame, tokenizer: Tokenizer) -> DataFrame:
    """The customers with `email_token` (null for a blank email) in place of `email`, in gold's column order."""
    return tokenize_columns(customers, tokenizer, ["email"]).withColumnRenamed("email", "email_token").select(
        *GOLD_COLUMNS)


def main(ctx: JobContext) -> None:
    """newest silver snapshot -> tokenize the emails -> overwrite gold."""
    customers = source_newest_customers(ctx)
    if customers is None:  # overwriting gold with nothing would delete its customers
        ctx.logger.info("no %s=<value>/ partition with data files under %s: nothing to do, gold is left as it is",
                        PARTITION_KEY, ctx.args.location("input_silver").path)
        return
    rows, tokenized = sink_gold_customers(ctx, tokenize_emails(customers, ctx.args.tokenizer()))
    ctx.logger.info("wrote %d customer(s) to gold: %d email(s) tokenized, %d blank", rows, tokenized, rows - tokenized)


if __name__ == "__main__":
    run_job(main)
