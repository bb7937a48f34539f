"""Orders: every raw JSON order (bronze) -> the latest version of each order (silver Parquet by `order_date`).

A plain job: each run reads all of bronze and rewrites the `order_date` partitions it produces.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from gluelake.job import JobContext, run_job
from gluelake.storage import has_data_files

# Explicit: a new or misspelt field in the raw data cannot change the silver schema.
BRONZE_ORDERS = T.StructType([
    T.StructField("order_id", T.StringType()),
    T.StructField("customer_id", T.StringType()),
    T.StructField("status", T.StringType()),
    T.StructField("amount", T.DecimalType(12, 2)),
    T.StructField("currency", T.StringType()),
    T.StructField("order_ts", T.TimestampType()),
    T.StructField("updated_at", T.TimestampType()),
])


def source_bronze_orders(ctx: JobContext) -> DataFrame | None:
    """Every raw order in bronze (malformed lines become null rows), or None when bronze holds no data file."""
    path = ctx.args.location("input_bronze").path
    if not has_data_files(path):
        return None
    return ctx.spark.read.schema(BRONZE_ORDERS).option("recursiveFileLookup", "true").json(path)


def sink_silver_orders(ctx: JobContext, orders: DataFrame) -> None:
    """Parquet by `order_date`, replacing only the partitions written (dynamic overwrite, this write only)."""
    (orders.repartition("order_date")  # one file per day
     .write.mode("overwrite").option("partitionOverwriteMode", "dynamic")
     .partitionBy("order_date").parquet(ctx.args.location("output_silver").path))


def clean_orders(orders: DataFrame) -> DataFrame:
    """Trimmed, normalised orders with an id, a time and a valid amount, and their UTC `order_date`."""
    return (orders
            .withColumn("order_id", F.trim("order_id"))
            .withColumn("customer_id", F.trim("customer_id"))
            .withColumn("status", F.lower(F.trim("status")))
            .withColumn("currency", F.upper(F.trim("currency")))
            .withColumn("updated_at", F.coalesce("updated_at", "order_ts"))
            .where((F.col("order_id") != "") & F.col("order_ts").isNotNull() & (F.col("amount") >= 0))
            .withColumn("order_date", F.to_date("order_ts")))


def latest_orders(orders: DataFrame) -> DataFrame:
    """One row per `order_id`: its latest version by `updated_at`."""
    latest_first = Window.partitionBy("order_id").orderBy(F.col("updated_at").desc())
    return orders.withColumn("_version", F.row_number().over(latest_first)).where("_version = 1").drop("_version")


def main(ctx: JobContext) -> None:
    """bronze orders -> clean -> latest per order -> silver."""
    orders = source_bronze_orders(ctx)
    if orders is None:
        ctx.logger.info("no input under %s: nothing to do", ctx.args.location("input_bronze").path)
        return
    sink_silver_orders(ctx, latest_orders(clean_orders(orders)))


if __name__ == "__main__":
    run_job(main)
