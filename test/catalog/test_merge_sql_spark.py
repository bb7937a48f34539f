"""The retain-last merge SQL of SnapshotPartitionTable, executed in Spark SQL on the cases of merge-cases.json.

The same cases run in DuckDB (retain-last-merge.test.ts): both engines must give the expected rows of the JSON.
The SQL is what the job runtime builds from the table's columns (`gluelake.snapshot.retain_last_merge_sql`, as
`merge_snapshot` runs it): the text of the committed test/catalog/merge-sql/<table>.sql, which DuckDB runs and
which merge-sql-fixtures.test.ts keeps equal to what the constructs generate (regenerate with
`UPDATE_MERGE_SQL=1 npx jest test/catalog/merge-sql-fixtures.test.ts`); runtime/tests/test_merge_sql.py checks
that the runtime's SQL is that text.

Every case also runs with its incoming rows in reverse order (the result may not depend on it), and its
`then` runs the merge again on the result as the base state, as the job runtime stores it (live rows, and
tombstones that keep only the primary key and the effective date).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from gluelake.snapshot import retain_last_merge_sql

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

HERE = Path(__file__).resolve().parent
CASES: dict[str, Any] = json.loads((HERE / "merge-cases.json").read_text(encoding="utf-8"))
SQL_DIR = HERE / "merge-sql"
DELETED = "_deleted"
INCOMING, BASE, TOMBSTONES = "incoming", "base_snapshot", "base_tombstones"

# Output timestamps with microseconds; canonical_timestamp then drops trailing zeros, as the TypeScript side does.
TO_JSON_OPTIONS = {
    "ignoreNullFields": "false",
    "timestampFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSSSS",
    "dateFormat": "yyyy-MM-dd",
}
TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(?:Z|\+00(?::?00)?)?$")


@pytest.fixture(scope="module")
def merge_spark() -> Iterator[SparkSession]:
    """A local Spark session (one core, one shuffle partition, no UI, UTC), reused if one already runs."""
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .appName("merge-sql-cases")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.conf.set("spark.sql.shuffle.partitions", "1")
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    yield spark


def split_top_level(s: str) -> list[str]:
    """Splits a Hive type's top-level comma-separated parts (`a:int,b:array<string>`)."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(s):
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(s[start:i].strip())
            start = i + 1
    parts.append(s[start:].strip())
    return parts


def canonical_timestamp(value: str) -> str:
    """`2026-11-01 08:00:00.500000` or `2026-11-01T08:00:00.5Z` -> `2026-11-01T08:00:00.5`."""
    m = TIMESTAMP.match(value)
    if not m:
        raise ValueError(f"not a UTC timestamp: {value}")
    fraction = (m.group(3) or "").rstrip("0")
    return f"{m.group(1)}T{m.group(2)}" + (f".{fraction}" if fraction else "")


def canonical_value(value: Any, hive: str) -> Any:
    """A value in one comparable form, directed by its Hive type (as merge-cases.ts does)."""
    if value is None:
        return None
    t = hive.strip().lower()
    m = re.match(r"^(array|map|struct)<(.*)>$", t)
    if m and m.group(1) == "array":
        return [canonical_value(v, m.group(2)) for v in value]
    if m and m.group(1) == "map":
        _, value_type = split_top_level(m.group(2))
        return {str(k): canonical_value(v, value_type) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if m:
        fields = [f.split(":", 1) for f in split_top_level(m.group(2))]
        return {name.strip(): canonical_value(value.get(name.strip()), ftype) for name, ftype in fields}
    if t == "timestamp":
        return canonical_timestamp(value)
    if t in ("tinyint", "smallint", "int", "integer", "bigint"):
        return int(value)
    if t in ("float", "double"):
        return float(value)
    return value


def column_types(table: dict[str, Any], incoming: bool) -> list[tuple[str, str]]:
    """(name, Hive type) of the table's columns, plus `_deleted` for the incoming events."""
    columns = [(c["name"], c["type"]) for c in table["columns"]]
    return columns + [(DELETED, "boolean")] if incoming else columns


def canonical_rows(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Rows in one comparable form, sorted by their JSON: equal row sets give equal lists."""
    canonical = [{name: canonical_value(row.get(name), hive) for name, hive in columns} for row in rows]
    return sorted(canonical, key=lambda r: json.dumps(r, sort_keys=False))


def create_view(spark: SparkSession, name: str, columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> None:
    """(Re)creates the temporary view `name` from JSON rows parsed with the case's Spark types (FAILFAST)."""
    from pyspark.sql import functions as F

    wanted = sorted(c for c, _ in columns)
    for row in rows:
        if sorted(row) != wanted:
            raise ValueError(f"merge-cases.json: a row of {name} has the columns {sorted(row)}; expected {wanted}")
    schema = ", ".join(f"{c} {t}" for c, t in columns)
    raw = spark.createDataFrame([(json.dumps(r),) for r in rows], "j string")
    df = raw.select(F.from_json("j", schema, {"mode": "FAILFAST"}).alias("r")).select(*(f"r.{c}" for c, _ in columns))
    df.createOrReplaceTempView(name)


def collect_json(df: DataFrame) -> list[dict[str, Any]]:
    """The rows of `df` as JSON objects (timestamps and dates as ISO strings, nulls kept)."""
    from pyspark.sql import functions as F

    column = F.to_json(F.struct(*df.columns), TO_JSON_OPTIONS).alias("j")
    return [json.loads(r.j) for r in df.select(column).collect()]


def run_merge(
    spark: SparkSession, table: dict[str, Any], sql: str, base: list[dict[str, Any]],
    tombstones: list[dict[str, Any]], incoming: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Loads the three views, runs the merge SQL; returns the new state (with `_deleted`) in canonical form."""
    columns = column_types(table, False)
    create_view(spark, BASE, columns, base)
    create_view(spark, TOMBSTONES, columns, tombstones)
    create_view(spark, INCOMING, column_types(table, True), incoming)
    result = spark.sql(sql)
    assert result.columns == [c for c, _ in columns] + [DELETED]
    return canonical_rows(collect_json(result), column_types(table, True))


def state_of(table: dict[str, Any], rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The base state the runtime keeps after a merge: live rows, and tombstones with only the key and the date."""
    names = [c["name"] for c in table["columns"]]
    kept = {*table["primaryKey"], table["effectiveDateColumn"]}
    base = [{n: r[n] for n in names} for r in rows if r[DELETED] is not True]
    tombstones = [{n: (r[n] if n in kept else None) for n in names} for r in rows if r[DELETED] is True]
    return base, tombstones


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["name"] for c in CASES["cases"]])
def test_merge_case_in_spark(merge_spark: SparkSession, case: dict[str, Any]) -> None:
    """Spark SQL gives the expected rows of the case (those DuckDB is checked against), in any input order."""
    table = CASES["tables"][case["table"]]
    sql = retain_last_merge_sql(column_types(table, False), table["primaryKey"], table["effectiveDateColumn"])
    columns = column_types(table, True)
    incoming = case["incoming"]
    orders = [incoming, list(reversed(incoming))] if len(incoming) > 1 else [incoming]
    for events in orders:
        rows = run_merge(merge_spark, table, sql, case["base"], case["tombstones"], events)
        assert rows == canonical_rows(case["expected"], columns)
        for rerun in case.get("then", []):
            base, tombstones = state_of(table, rows)
            rows = run_merge(merge_spark, table, sql, base, tombstones, rerun.get("incoming", events))
            assert rows == canonical_rows(rerun["expected"], columns)


def test_every_table_has_its_committed_sql() -> None:
    """Each table of the cases has its SQL file, and the folder holds nothing else."""
    assert sorted(p.name for p in SQL_DIR.glob("*.sql")) == sorted(f"{t}.sql" for t in CASES["tables"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-01T08:00:00", "2026-11-01T08:00:00"),
        ("2026-11-01 08:00:00.500000", "2026-11-01T08:00:00.5"),
        ("2026-11-01T08:00:00.000000", "2026-11-01T08:00:00"),
        ("2026-11-01T08:00:00.125Z", "2026-11-01T08:00:00.125"),
    ],
)
def test_canonical_timestamp(value: str, expected: str) -> None:
    """Spark's and the JSON's spellings of one instant compare equal."""
    assert canonical_timestamp(value) == expected
