"""A local SparkSession for job tests, set up as cheaply as Spark allows."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Cheap and deterministic: one core, no UI, one shuffle partition, UTC.
DEFAULT_CONF: Mapping[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "1",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}


def create_spark_session(home: Path | str, *, master: str = "local[1]", app_name: str = "gluelake-tests",
                         hive: bool = True, conf: Mapping[str, str] | None = None) -> SparkSession:
    """A SparkSession for tests, with its warehouse (and, with `hive`, a Derby metastore) in `home`.

    With `hive` (the default) the session has Hive support on a Derby metastore in `home`, so that
    `CREATE TABLE db.t ...` and `spark.table("db.t")` work as they do on Glue with the Data Catalog
    as the metastore. The JVM runs in UTC (`-Duser.timezone=UTC`): results do not depend on the
    machine's zone. `conf` entries override the defaults (`DEFAULT_CONF`). The Python workers run
    this interpreter (`PYSPARK_PYTHON` is set to `sys.executable` unless already set).
    """
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.master(master).appName(app_name)
    settings = {**DEFAULT_CONF, "spark.sql.warehouse.dir": str(home / "warehouse"),
                "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
                "spark.executor.extraJavaOptions": "-Duser.timezone=UTC"}
    if hive:
        settings.update({
            "spark.hadoop.javax.jdo.option.ConnectionURL":
                f"jdbc:derby:;databaseName={home / 'metastore_db'};create=true",
            "spark.driver.extraJavaOptions": f"-Dderby.system.home={home} -Duser.timezone=UTC",
        })
    settings.update(conf or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    if hive:
        builder = builder.enableHiveSupport()
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
