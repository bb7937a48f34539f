"""The retain-last merge SQL the runtime builds (`retain_last_merge_sql`) is the text the constructs generate.

One source of truth for both languages: test/catalog/merge-sql/<table>.sql, the SQL of
`SnapshotPartitionTable.retainLastMergeSql()` for each table of test/catalog/merge-cases.json, which
test/catalog/merge-sql-fixtures.test.ts keeps equal to the TypeScript generator. Spark SQL runs it on the
cases in test/catalog/test_merge_sql_spark.py, DuckDB in retain-last-merge.test.ts.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _spark import MERGE_SQL_DIR

from gluelake.snapshot import retain_last_merge_sql

TABLES: dict[str, Any] = json.loads((MERGE_SQL_DIR.parent / "merge-cases.json").read_text(encoding="utf-8"))["tables"]


def spec(name: str, upper_types: bool = False) -> tuple[list[tuple[str, str]], list[str], str]:
    """The arguments of `retain_last_merge_sql` for a table of the cases (its Glue types, upper-cased if asked)."""
    table = TABLES[name]
    columns = [(c["name"], c["type"].upper() if upper_types else c["type"]) for c in table["columns"]]
    return columns, table["primaryKey"], table["effectiveDateColumn"]


def committed(name: str) -> str:
    """The committed SQL of a table, without the file's final newline (the generator ends without one)."""
    text = (MERGE_SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    assert text.endswith("\n") and not text.endswith("\n\n"), f"merge-sql/{name}.sql: expected one final newline"
    return text[:-1]


@pytest.mark.parametrize("name", sorted(TABLES))
def test_the_runtime_builds_the_sql_the_constructs_generate(name: str) -> None:
    assert retain_last_merge_sql(*spec(name)) == committed(name)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_complex_types_are_recognised_in_any_case(name: str) -> None:
    """`ARRAY<STRING>` is as complex as `array<string>` (ties broken by `to_json`)."""
    assert retain_last_merge_sql(*spec(name, upper_types=True)) == committed(name)


def test_the_cases_have_a_complex_column_and_a_composite_key() -> None:
    """The tables above cover the generator's branches: a composite key and each kind of complex column."""
    types = {c["type"].split("<")[0] for t in TABLES.values() for c in t["columns"]}
    assert {"array", "map", "struct"} <= types
    assert any(len(t["primaryKey"]) > 1 for t in TABLES.values())


COLUMNS = [("customer_id", "string"), ("email", "string"), ("updated_at", "timestamp")]


@pytest.mark.parametrize(("columns", "primary_key", "effective_date", "message"), [
    (COLUMNS, [], "updated_at",
     "retain_last_merge_sql: received the primary key (none) and the effective-date column 'updated_at' with the "
     "columns customer_id, email, updated_at; expected a non-empty primary key and every key column and the "
     "effective-date column among the columns"),
    (COLUMNS, ["customer_id"], "changed_at",
     "retain_last_merge_sql: received the primary key (customer_id) and the effective-date column 'changed_at' "
     "with the columns customer_id, email, updated_at; expected a non-empty primary key and every key column and "
     "the effective-date column among the columns"),
    ([], ["customer_id"], "updated_at",
     "retain_last_merge_sql: received the primary key (customer_id) and the effective-date column 'updated_at' "
     "with the columns none; expected a non-empty primary key and every key column and the effective-date column "
     "among the columns"),
    ([*COLUMNS, ("full name", "string")], ["customer_id"], "updated_at",
     "retain_last_merge_sql: received the name(s) 'full name'; expected letters, digits and '_', not starting "
     "with a digit (the merge SQL does not quote names)"),
    (COLUMNS, ["customer_id) OR (1 = 1"], "updated_at",
     "retain_last_merge_sql: received the name(s) 'customer_id) OR (1 = 1'; expected letters, digits and '_', "
     "not starting with a digit (the merge SQL does not quote names)"),
])
def test_a_spec_the_sql_cannot_express_is_refused(columns: list[tuple[str, str]], primary_key: list[str],
                                                 effective_date: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        retain_last_merge_sql(columns, primary_key, effective_date)
    assert str(raised.value) == message
