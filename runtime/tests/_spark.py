"""Shared pieces of the snapshot and reprocessing tests: a local Spark session, the customers table.

`spark` is a session-scoped fixture (local[1], one shuffle partition, UI off, UTC). Test modules
import it (`from _spark import spark`) so that they run on their own; when a conftest defines a
`spark` fixture too, both give the same session (`getOrCreate`).
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import pytest

from gluelake.arguments import SnapshotTable

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# The merge SQL the constructs generate for the tables of merge-cases.json (its parent folder), committed
# once and checked equal to the TypeScript generator by test/catalog/merge-sql-fixtures.test.ts and to the
# runtime's (retain_last_merge_sql) by test_merge_sql.py.
MERGE_SQL_DIR = Path(__file__).resolve().parents[2] / "test" / "catalog" / "merge-sql"

CUSTOMER_COLUMNS: list[tuple[str, str]] = [
    ("customer_id", "string"), ("email", "string"), ("country", "string"), ("updated_at", "timestamp")]


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """A local SparkSession for the whole test session."""
    from pyspark.sql import SparkSession

    os.environ["TZ"] = "UTC"  # PySpark converts naive datetimes with the process's time zone
    time.tzset()
    warehouse = tempfile.mkdtemp(prefix="gluelake-warehouse-")
    session = (SparkSession.builder.master("local[1]").appName("gluelake-tests")
               .config("spark.sql.shuffle.partitions", "1")
               .config("spark.default.parallelism", "1")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.warehouse.dir", warehouse)
               .config("spark.driver.extraJavaOptions", f"-Duser.timezone=UTC -Dderby.system.home={warehouse}")
               .getOrCreate())
    session.conf.set("spark.sql.session.timeZone", "UTC")
    yield session


def customers_table(path: str, **overrides: Any) -> SnapshotTable:
    """The monthly customers snapshot table as `writesTo` binds it, stored at `path` (ending with `/`)."""
    values: dict[str, Any] = dict(
        name="output_customers", path=path, database="sales_silver", table="customers", partition_key="snapshot",
        granularity="MONTH", partition_format="%Y-%m", current_view="customers_current",
        primary_key=("customer_id",), effective_date_column="updated_at", compression="zstd",
        period_basis="LOAD_TIME", close_periods=False, superseded_retention_minutes=360)
    values.update(overrides)
    return SnapshotTable(**values)


def ts(text: str) -> datetime:
    """A naive timestamp as Spark returns `timestamp` values with the session in UTC."""
    return datetime.fromisoformat(text)


def rows(df: DataFrame, columns: Sequence[str] | None = None) -> list[tuple[Any, ...]]:
    """The rows of `df` as sorted tuples (of `columns`, default all)."""
    selected = df.select(*columns) if columns else df
    return sorted((tuple(r) for r in selected.collect()), key=repr)


def write_parquet(spark: SparkSession, location: str, data: Sequence[tuple[Any, ...]],
                  columns: Sequence[tuple[str, str]] = CUSTOMER_COLUMNS) -> None:
    """Appends `data` to `location` as Parquet with the given columns."""
    ddl = ", ".join(f"`{n}` {t}" for n, t in columns)
    spark.createDataFrame(list(data), ddl).coalesce(1).write.mode("append").parquet(location)
