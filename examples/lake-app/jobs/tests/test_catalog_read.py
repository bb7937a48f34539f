"""`customers_snapshot.py` reads its table through Spark's catalog (the Glue Data Catalog on Glue,
with `--enable-glue-datacatalog`; the local Hive metastore here).

The job is one of the Dev stage's smoke-test jobs and the job of integ.snapshot-table, so every run
there exercises Spark's catalog path on AWS (the `default` database read, `GetTable`, `GetPartitions`).
It reads the table's schema only: the table's partitions exist through Athena's partition
projection, which Spark does not use, so Spark sees no row of it (the last test shows that).
"""

from __future__ import annotations

import runpy
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from pyspark.errors import AnalysisException

from glue_fakes import JOBS, run_job
from test_empty_inputs import BRONZE_BUCKET, SILVER_BUCKET, fake_awsglue, snapshot_arguments  # noqa: F401

SNAPSHOT_JOB = JOBS / "customers_snapshot.py"
DATA_COLUMNS = [("customer_id", "string"), ("email", "string"), ("country", "string"), ("updated_at", "timestamp")]


def insert_one_customer(spark, table: str) -> None:
    spark.sql(f"INSERT INTO {table} PARTITION (snapshot='2026-11') "
              "VALUES ('c-001', 'ana@example.com', 'PT', TIMESTAMP '2026-11-21 10:00:00')")


@pytest.mark.parametrize("rows", [0, 1])
def test_customers_snapshot_reads_the_table_columns_through_the_spark_catalog(spark, customers_table, rows: int) -> None:
    if rows:
        insert_one_customer(spark, customers_table)
    job = runpy.run_path(str(SNAPSHOT_JOB))  # the module's functions, without running main

    columns = job["load_table_columns"](spark, "sales_silver", "customers", "snapshot")

    assert columns == DATA_COLUMNS  # in order, without the partition key
    assert spark.table(customers_table).count() == rows
    assert job["bronze_read_ddl"](columns) == (
        "`customer_id` string, `email` string, `country` string, `updated_at` string, `deleted` string")


def test_customers_snapshot_run_uses_the_catalog_table_and_not_the_glue_api(aws_credentials, customers_table) -> None:
    with mock_aws():  # moto's Glue holds no table: a boto3 glue.get_table would fail
        s3 = boto3.client("s3")
        for bucket in (BRONZE_BUCKET, SILVER_BUCKET):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})

        run = run_job(SNAPSHOT_JOB, snapshot_arguments())

        assert run.commits == 1
        with pytest.raises(AnalysisException, match="TABLE_OR_VIEW_NOT_FOUND"):
            run_job(SNAPSHOT_JOB, snapshot_arguments(table="no_such_table"))


def test_spark_reads_no_row_of_a_partition_that_only_athena_projection_knows(spark, customers_table, tmp_path: Path) -> None:
    location = spark.sql(f"DESCRIBE TABLE EXTENDED {customers_table}").where("col_name = 'Location'").first()["data_type"]
    (spark.createDataFrame([("c-001", "ana@example.com", "PT")], "customer_id string, email string, country string")
     .selectExpr("*", "TIMESTAMP '2026-11-21 10:00:00' AS updated_at")
     .write.parquet(location.rstrip("/") + "/snapshot=2026-11/"))

    assert spark.table(customers_table).count() == 0  # the files are there, the partition is not registered
    spark.sql(f"ALTER TABLE {customers_table} ADD PARTITION (snapshot='2026-11')")
    assert spark.table(customers_table).count() == 1
