"""Runs the example Glue jobs and the integ probes on a local Spark, with the Glue-only parts faked.

One SparkSession for the whole run (`local[1]`, one shuffle partition, no UI), with Hive support and
a Derby metastore in a temporary directory: with `--enable-glue-datacatalog` a Glue job's session
uses the Data Catalog as its Hive metastore, and a job that reads a catalog table through Spark
reads it here from the local metastore.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import glue_fakes  # noqa: E402

glue_fakes.install()
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the workers run the venv's Python


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from pyspark.sql import SparkSession

    home = tmp_path_factory.mktemp("spark")
    session = (
        SparkSession.builder.master("local[1]").appName("glue-job-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.warehouse.dir", str(home / "warehouse"))
        .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                f"jdbc:derby:;databaseName={home / 'metastore_db'};create=true")
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={home}")
        .enableHiveSupport()
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(autouse=True)
def fresh_glue(spark: Any) -> Iterator[None]:
    """Each test starts with no recorded run, no bookmark and the session's default time zone."""
    glue_fakes.reset()
    zone = spark.conf.get("spark.sql.session.timeZone")
    yield
    spark.conf.set("spark.sql.session.timeZone", zone)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a Region for boto3 (moto answers in-process; nothing leaves the machine)."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "eu-west-1",
                        "AWS_REGION": "eu-west-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def customers_table(spark: Any, tmp_path: Path) -> Iterator[str]:
    """The silver `customers` table as `SnapshotPartitionTable` defines it in the Glue catalog: an
    external Parquet (Hive SerDe) table partitioned by `snapshot`, with Athena partition projection
    properties, and no partition registered. Returns its name, `sales_silver.customers`."""
    location = (tmp_path / "silver-catalog" / "customers").as_uri() + "/"
    spark.sql("CREATE DATABASE IF NOT EXISTS sales_silver")
    spark.sql(f"""
        CREATE EXTERNAL TABLE sales_silver.customers (
          customer_id string, email string, country string, updated_at timestamp)
        PARTITIONED BY (snapshot string)
        STORED AS PARQUET
        LOCATION '{location}'
        TBLPROPERTIES ('classification'='parquet', 'parquet.compression'='zstd', 'projection.enabled'='true',
                       'projection.snapshot.type'='date', 'projection.snapshot.format'='yyyy-MM',
                       'projection.snapshot.range'='2026-01,NOW', 'projection.snapshot.interval'='1',
                       'projection.snapshot.interval.unit'='MONTHS')""")
    yield "sales_silver.customers"
    spark.sql("DROP DATABASE IF EXISTS sales_silver CASCADE")
