"""Fixtures of the skeleton's tests: one local SparkSession for the whole run, as cheap as Spark allows.

The testing kit's fixtures come from the ``gluelake.testing`` plugin, not from here. Spark keeps one
session per process and the first one created decides its static settings, so this one is set up
like the kit's (warehouse and Derby metastore in a temporary folder, Hive support, UTC): whichever
fixture runs first, no test writes a ``spark-warehouse`` or ``metastore_db`` into the working tree.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@pytest.fixture(scope="session")
def job_spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    """A local[1] SparkSession: no UI, one shuffle partition, the driver on the loopback address."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    home = tmp_path_factory.mktemp("gluelake-job-spark")
    session = (
        SparkSession.builder.master("local[1]")
        .appName("gluelake-job-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.warehouse.dir", str(home / "warehouse"))
        .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                f"jdbc:derby:;databaseName={home / 'metastore_db'};create=true")
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={home} -Duser.timezone=UTC")
        .enableHiveSupport()
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
