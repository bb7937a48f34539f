"""The example jobs' tests, on the fixtures of the runtime's pytest kit (`-p gluelake.testing.plugin`, or
the `pytest11` entry point when `cdk-glue-lake-runtime[testing]` is installed): the job scripts import as
modules, the job logger's lines reach `caplog`, and the silver `customers` table exists in the local
metastore where a test asks for it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

import pytest


sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]


@pytest.fixture
def customers_table(spark: Any, tmp_path: Path) -> Iterator[str]:
    """The silver `customers` table as `SnapshotPartitionTable` defines it in the Glue catalog: an external
    Parquet (Hive SerDe) table partitioned by `snapshot`, without partition projection, and no partition
    registered (the loads register them). Returns its name, `sales_silver.customers`."""
    location = (tmp_path / "silver-catalog" / "customers").as_uri() + "/"
    spark.sql("CREATE DATABASE IF NOT EXISTS sales_silver")
    spark.sql(f"""
        CREATE EXTERNAL TABLE sales_silver.customers (
          customer_id string, email string, country string, updated_at timestamp)
        PARTITIONED BY (snapshot string)
        STORED AS PARQUET
        LOCATION '{location}'
        TBLPROPERTIES ('classification'='parquet', 'parquet.compression'='zstd')""")
    yield "sales_silver.customers"
    spark.sql("DROP DATABASE IF EXISTS sales_silver CASCADE")
