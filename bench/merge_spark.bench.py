"""`npm run bench` (Spark part): the snapshot job's retain-last merge on a local Spark.

The customers table of the tests (test/catalog/merge-cases.json), run the way a job runs it:
`gluelake.snapshot.merge_snapshot` reads the current period's published folder (and its tombstones),
runs the merge SQL it builds from the table's columns (the SQL the construct generates,
test/catalog/merge-sql/customers.sql) over the incoming events, writes the live rows and the
tombstones to a new run folder as Parquet (snappy, the table's default) and publishes it; all under
a temporary folder, with the partitions in an in-memory catalog (the catalog's own time is not part
of the figure).

Per size N: a published current snapshot of N rows (and a previous period's, not read since the
current one is published), and N/10 incoming events read from Parquet: 6% of the keys updated, 2%
deleted, 2% new keys (so the partition keeps N rows). Each run starts from the same published state
(a fresh catalog); the time covers reading the events, the merge, the writes and the publication.
Prints the median of the runs and rows/s (N / median). Figures are printed, never asserted: they
compare versions on one machine; on Glue, workers and S3 set the time.

Run: `.venv-test/bin/python bench/merge_spark.bench.py` (options: --sizes, --runs, --master; the
environment variable MERGE_BENCH_SIZES sets the default sizes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "runtime" / "src"))
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

from gluelake.arguments import SnapshotTable  # noqa: E402
from gluelake.snapshot import merge_snapshot  # noqa: E402

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

COLUMNS = [("customer_id", "string"), ("email", "string"), ("country", "string"), ("updated_at", "timestamp")]
AT = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
"""The run's moment: current partition 2026-11, previous 2026-10."""
OCTOBER = int(datetime(2026, 10, 1, tzinfo=timezone.utc).timestamp())
NOVEMBER = int(datetime(2026, 11, 1, tzinfo=timezone.utc).timestamp())
EVENTS_AT = int(datetime(2026, 11, 10, tzinfo=timezone.utc).timestamp())


def snapshot_rows(spark: SparkSession, n: int, epoch: int) -> DataFrame:
    """N customers `c000000000`... with dates within the day after `epoch`."""
    return spark.range(n).selectExpr(
        "format_string('c%09d', id) AS customer_id",
        "concat('user', id, '@example.com') AS email",
        "element_at(array('FR', 'DE', 'ES', 'IT'), CAST(id % 4 AS INT) + 1) AS country",
        f"timestamp_seconds({epoch} + id % 86400) AS updated_at",
    )


def incoming_events(spark: SparkSession, n: int) -> DataFrame:
    """N/10 events on every tenth key: 3 in 5 update, 1 in 5 deletes, 1 in 5 creates a new key (id + N)."""
    return spark.range(0, n, 10).selectExpr(
        f"format_string('c%09d', CASE WHEN (id DIV 10) % 5 = 4 THEN id + {n} ELSE id END) AS customer_id",
        "concat('new', id, '@example.com') AS email",
        "'PT' AS country",
        f"timestamp_seconds({EVENTS_AT} + id % 86400) AS updated_at",
        "(id DIV 10) % 5 = 3 AS _deleted",
    )


class MemoryCatalog:
    """A `PartitionCatalog` in a dict (the bench times the merge, not a metastore)."""

    def __init__(self, locations: dict[str, str]) -> None:
        self._locations = dict(locations)

    def locations(self) -> dict[str, str]:
        return dict(self._locations)

    def publish(self, value: str, location: str) -> None:
        self._locations[value] = location


def bench_size(spark: SparkSession, n: int, runs: int, root: Path) -> str:
    """Times `runs` merges of a current partition of `n` rows; returns one line of figures."""
    table_dir = root / f"customers_{n}"
    seed = root / f"seed_{n}"
    incoming_dir = root / f"incoming_{n}"
    table = SnapshotTable(
        name="output_customers", path=table_dir.as_uri() + "/", database="bench", table="customers",
        partition_key="snapshot", granularity="MONTH", partition_format="%Y-%m", primary_key=("customer_id",),
        effective_date_column="updated_at", compression="snappy",
        period_basis="LOAD_TIME", close_periods=False, superseded_retention_minutes=360,
    )
    snapshot_rows(spark, n, NOVEMBER).write.option("compression", "snappy").parquet(str(seed))
    snapshot_rows(spark, n, OCTOBER).write.option("compression", "snappy").parquet(str(table_dir / "snapshot=2026-10"))
    incoming_events(spark, n).write.option("compression", "snappy").parquet(str(incoming_dir))
    published = {"2026-10": (table_dir / "snapshot=2026-10").as_uri() + "/", "2026-11": seed.as_uri() + "/"}

    seconds: list[float] = []
    location = ""
    for _ in range(runs):
        catalog = MemoryCatalog(published)
        started = time.perf_counter()
        result = merge_snapshot(spark, table, spark.read.parquet(str(incoming_dir)), at=AT, columns=COLUMNS,
                                catalog=catalog)
        seconds.append(time.perf_counter() - started)
        if not result.written or not result.location:
            raise RuntimeError("the merge wrote nothing")
        location = result.location
    rows = spark.read.parquet(location).count()
    median = statistics.median(seconds)
    return (f"{n:>9,} rows | {n // 10:>7,} events | {rows:>9,} rows written | median {median:6.2f} s of "
            f"{', '.join(f'{s:.2f}' for s in seconds)} | {n / median:>9,.0f} rows/s")


def main(argv: list[str] | None = None) -> None:
    """Parses the options, starts a local Spark session and benchmarks each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # MERGE_BENCH_SIZES (e.g. "100000"): CI measures the smaller size only, to stay short.
    sizes = [int(n) for n in os.environ.get("MERGE_BENCH_SIZES", "100000 1000000").split()]
    parser.add_argument("--sizes", type=int, nargs="+", default=sizes)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args(argv)

    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master(args.master)
        .appName("merge-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    print(f"retain-last merge of the customers table on Spark {spark.version} ({args.master}), "
          f"merge + Parquet write, median of {args.runs} runs", flush=True)
    root = Path(tempfile.mkdtemp(prefix="merge-bench-"))
    try:
        # Warm-up (not printed): the first job of a session pays for class loading and code generation.
        bench_size(spark, 1_000, 1, root / "warmup")
        for n in args.sizes:
            print(bench_size(spark, n, args.runs, root), flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        spark.stop()


if __name__ == "__main__":
    main()
