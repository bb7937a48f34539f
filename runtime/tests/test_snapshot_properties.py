"""Property tests of snapshot tables: incremental loads through the runtime equal a full-history recomputation.

Hypothesis generates event streams (inserts, updates, deletes, late and exactly duplicated events,
equal-date ties, null dates, null keys) split into runs at increasing times over several months
(runs in the same month, skipped months, empty runs), with failures injected between the write of a
period's folder and its publication (the catalog's `publish` raises once), each followed by a rerun of
the same batch, as a job whose bookmark did not commit does. The runs go through
`gluelake.snapshot.merge_snapshot` on a local Spark, into an external table of the local Hive
metastore, with the merge SQL the runtime builds from the table's columns (the text the constructs
generate, test/catalog/merge-sql/; test_merge_sql.py checks it).

After every run, every partition read through the catalog (`spark.table`, filtered on the partition
key) equals `snapshot_oracle`, which recomputes each period from all the events loaded so far.
Readers sampled between steps (after a folder is written and before it is published, after each
publication, after a failed one) see each partition either in its state before the run or in its
state after it: never both, never a duplicate key.

The oracle's own tests (plain Python) come first.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import pytest
from _spark import MERGE_SQL_DIR, spark  # noqa: F401 (fixture)
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

import snapshot_oracle as oracle
from snapshot_oracle import DELETED, Table, effective_date_states, fold, load_time_states, month, months

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- the oracle ----------------------------------------------------------------------------------

T = Table(columns=("id", "name", "n", "at"), primary_key=("id",), effective_date="at")


def ev(key: Any, name: Any, when: str | None, n: Any = 0, deleted: bool | None = None) -> dict[str, Any]:
    event = {"id": key, "name": name, "n": n, "at": at(when) if when else None}
    if deleted is not None:
        event[DELETED] = deleted
    return event


def row(key: Any, name: Any, when: str | None, n: Any = 0) -> tuple[Any, ...]:
    return (key, name, n, at(when) if when else None)


def test_oracle_fold_keeps_the_latest_event_of_each_key() -> None:
    events = [ev("a", "old", "2026-01-02"), ev("a", "new", "2026-01-03"), ev("b", "b1", "2026-01-01")]
    assert fold(T, events) == [row("a", "new", "2026-01-03"), row("b", "b1", "2026-01-01")]
    assert fold(T, events[::-1]) == fold(T, events)


def test_oracle_fold_a_null_date_loses_to_any_date_and_a_null_key_is_dropped() -> None:
    assert fold(T, [ev("a", "dated", "2026-01-01"), ev("a", "undated", None), ev(None, "x", "2026-01-01")]) == [
        row("a", "dated", "2026-01-01")]
    assert fold(T, [ev("a", "undated", None)]) == [row("a", "undated", None)]


def test_oracle_fold_a_delete_wins_at_an_equal_date_and_hides_the_key() -> None:
    upsert, delete = ev("a", "z", "2026-01-02"), ev("a", "a", "2026-01-02", deleted=True)
    assert fold(T, [upsert, delete]) == [] == fold(T, [delete, upsert])
    assert fold(T, [delete, ev("a", "back", "2026-01-03")]) == [row("a", "back", "2026-01-03")]
    assert fold(T, [delete, ev("a", "late", "2026-01-01")]) == []


def test_oracle_fold_ties_break_on_the_other_columns_in_order_nulls_lowest() -> None:
    day = "2026-01-02"
    assert fold(T, [ev("a", "x", day, 9), ev("a", "y", day, 1)]) == [row("a", "y", day, 1)]
    assert fold(T, [ev("a", "x", day, 1), ev("a", "x", day, 2)]) == [row("a", "x", day, 2)]
    assert fold(T, [ev("a", None, day, 9), ev("a", "", day, 0)]) == [row("a", "", day, 0)]
    assert fold(T, [ev("a", "x", day, None), ev("a", "x", day, -5)]) == [row("a", "x", day, -5)]
    assert fold(T, [ev("a", "x", day), ev("a", "x", day)]) == [row("a", "x", day)]  # exact duplicates


def test_oracle_fold_a_composite_key_drops_events_with_any_null_part() -> None:
    table = Table(columns=("t", "id", "at"), primary_key=("t", "id"), effective_date="at")
    events = [{"t": 1, "id": "a", "at": None}, {"t": 2, "id": "a", "at": None}, {"t": None, "id": "a", "at": None},
              {"t": 1, "id": None, "at": None}]
    assert fold(table, events) == [(1, "a", None), (2, "a", None)]


def test_oracle_months() -> None:
    assert month(at("2026-12-31T23:59:59.999999")) == "2026-12"
    assert months("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert months("2026-03", "2026-03") == ["2026-03"]
    assert months("2026-03", "2026-02") == []


def test_oracle_load_time_each_run_period_holds_everything_loaded_so_far() -> None:
    jan, mar = [ev("a", "a1", "2026-01-05"), ev("b", "b1", "2026-01-05")], [ev("a", "gone", "2026-03-01", deleted=True)]
    late = [ev("a", "older", "2025-12-01"), ev("c", "c1", None)]
    states = load_time_states(T, [("2026-01", jan), ("2026-03", mar), ("2026-03", late)])
    assert states == {
        "2026-01": [row("a", "a1", "2026-01-05"), row("b", "b1", "2026-01-05")],  # kept as its last run left it
        "2026-03": [row("b", "b1", "2026-01-05"), row("c", "c1", None)],  # the delete keeps hiding "a"
    }


def test_oracle_load_time_an_empty_run_copies_its_base_and_an_empty_lake_publishes_nothing() -> None:
    assert load_time_states(T, [("2026-01", []), ("2026-02", [])]) == {}
    jan = [ev("a", "a1", "2026-01-05")]
    assert load_time_states(T, [("2026-01", jan), ("2026-04", [])]) == {
        "2026-01": [row("a", "a1", "2026-01-05")], "2026-04": [row("a", "a1", "2026-01-05")]}


def test_oracle_load_time_closing_merges_the_events_dated_before_the_end_of_the_base_period() -> None:
    jan = [ev("a", "a1", "2026-01-05")]
    feb = [ev("a", "a2", "2026-01-31T23:59:59.999999"), ev("b", "b1", "2026-02-01"), ev("c", "c1", None),
           ev("d", "d1", "2025-06-01")]
    runs = [("2026-01", jan), ("2026-02", feb)]
    assert load_time_states(T, runs) == {
        "2026-01": [row("a", "a1", "2026-01-05")],
        "2026-02": [row("a", "a2", "2026-01-31T23:59:59.999999"), row("b", "b1", "2026-02-01"), row("c", "c1", None),
                    row("d", "d1", "2025-06-01")]}
    closed = load_time_states(T, runs, close_periods=True)
    assert closed["2026-01"] == [row("a", "a2", "2026-01-31T23:59:59.999999"), row("d", "d1", "2025-06-01")]
    assert closed["2026-02"] == load_time_states(T, runs)["2026-02"]
    # Once closed, a period is not closed again; a skipped period in between does not matter.
    more = runs + [("2026-02", [ev("e", "e1", "2026-01-10")]), ("2026-05", [ev("f", "f1", "2026-01-11")])]
    closed = load_time_states(T, more, close_periods=True)
    assert closed["2026-01"] == [row("a", "a2", "2026-01-31T23:59:59.999999"), row("d", "d1", "2025-06-01")]
    assert row("e", "e1", "2026-01-10") in closed["2026-02"] and row("f", "f1", "2026-01-11") in closed["2026-02"]
    assert len(closed["2026-05"]) == 6


def test_oracle_effective_date_each_period_holds_the_events_dated_up_to_its_end() -> None:
    runs = [("2026-03", [ev("a", "a3", "2026-03-02"), ev("b", "b1", "2026-01-02"), ev("x", "undated", None)]),
            ("2026-05", [ev("b", "gone", "2026-02-01", deleted=True), ev("c", "c1", "2026-06-30")])]
    assert effective_date_states(T, runs[:1]) == {
        "2026-01": [row("b", "b1", "2026-01-02")],
        "2026-02": [row("b", "b1", "2026-01-02")],
        "2026-03": [row("a", "a3", "2026-03-02"), row("b", "b1", "2026-01-02")],
    }
    states = effective_date_states(T, runs)
    assert list(states) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert states["2026-01"] == [row("b", "b1", "2026-01-02")]
    assert states["2026-02"] == [] and states["2026-05"] == [row("a", "a3", "2026-03-02")]
    assert states["2026-06"] == [row("a", "a3", "2026-03-02"), row("c", "c1", "2026-06-30")]
    assert effective_date_states(T, [("2026-03", [ev("x", "undated", None)])]) == {}


def _winners(table: Table, events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The winners of `events`, deletes included: what a stored state plus its tombstones hold."""
    best: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    for event in events:
        key = tuple(event[c] for c in table.primary_key)
        if None not in key and (key not in best or oracle.rank(table, event) > oracle.rank(table, best[key])):
            best[key] = event
    return list(best.values())


_small_events = st.lists(st.builds(
    ev, st.sampled_from(["a", "b", None]), st.sampled_from(["x", "y", None]),
    st.sampled_from(["2026-01-01", "2026-01-02", None]), st.sampled_from([0, 1, None]), st.sampled_from([True, False, None])),
    max_size=8)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(_small_events, _small_events, st.randoms(use_true_random=False))
def test_oracle_fold_is_incremental_and_order_free(first: list[dict[str, Any]], second: list[dict[str, Any]],
                                                   rnd: random.Random) -> None:
    whole = first + second
    shuffled = list(whole)
    rnd.shuffle(shuffled)
    assert fold(T, shuffled) == fold(T, whole)
    assert fold(T, _winners(T, first) + second) == fold(T, whole)


# --- generated scenarios -------------------------------------------------------------------------

CASES = json.loads((MERGE_SQL_DIR.parent / "merge-cases.json").read_text(encoding="utf-8"))["tables"]
TABLES = ("customers", "customers_by_tenant")  # string key; int + string key; string columns; timestamp date
KEY = "snapshot"
DATABASE = "snapshot_properties"
FIRST_MONTH = 2026, 1
MONTHS = 6  # runs and effective dates fall in 2026-01 .. 2026-06

KEY_VALUES: dict[str, list[Any]] = {"string": ["a", "b", "c"], "int": [1, 2]}
OTHER_VALUES: dict[str, list[Any]] = {"string": ["x", "y", None], "int": [0, 7, None]}


def _dates() -> list[datetime]:
    """A small set of effective dates (so that ties are common): each month's first instant, middle and last instant."""
    dates = []
    for i in range(MONTHS):
        start = datetime(FIRST_MONTH[0], FIRST_MONTH[1] + i, 1)
        end = datetime(FIRST_MONTH[0], FIRST_MONTH[1] + i + 1, 1) - timedelta(microseconds=1)
        dates += [start, start.replace(day=15, hour=12), end]
    return dates


DATES = _dates()


@dataclass(frozen=True)
class Spec:
    """A table of merge-cases.json (its merge SQL is that of test/catalog/merge-sql/<name>.sql): its columns
    `(name, type)` and the oracle's view of it."""

    name: str
    columns: tuple[tuple[str, str], ...]
    table: Table

    @classmethod
    def of(cls, name: str) -> Spec:
        case = CASES[name]
        columns = tuple((c["name"], c["type"]) for c in case["columns"])
        return cls(name, columns, Table(tuple(n for n, _ in columns), tuple(case["primaryKey"]),
                                        case["effectiveDateColumn"]))

    @property
    def ddl(self) -> str:
        return ", ".join(f"`{n}` {t}" for n, t in self.columns)


SPECS = {name: Spec.of(name) for name in TABLES}


@dataclass(frozen=True)
class Run:
    """One run: its start time, its events, and the publication (1st, 2nd, ...) that fails, if any: just
    before the catalog call (the folder is written, the partition unchanged) or, with
    `fail_after_publication`, just after it (the run stops before its own bookkeeping)."""

    at: datetime
    events: tuple[Mapping[str, Any], ...]
    fail_at_publication: int | None = None
    fail_after_publication: bool = False

    @property
    def period(self) -> str:
        return month(self.at.replace(tzinfo=None))


@dataclass(frozen=True)
class Scenario:
    table: str
    retention_minutes: int
    runs: tuple[Run, ...]


def _event(spec: Spec) -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, data_type in spec.columns:
        if name == spec.table.effective_date:
            fields[name] = st.sampled_from([*DATES, None])
        elif name in spec.table.primary_key:
            fields[name] = st.sampled_from([*KEY_VALUES[data_type], *KEY_VALUES[data_type], None])
        else:
            fields[name] = st.sampled_from(OTHER_VALUES[data_type])
    fields[DELETED] = st.sampled_from([False, False, None, True])  # None: an upsert
    return st.fixed_dictionaries(fields)


@st.composite
def scenarios(draw: st.DrawFn, *, max_runs: int) -> Scenario:
    spec = SPECS[draw(st.sampled_from(TABLES))]
    event = _event(spec)
    period = draw(st.integers(0, 1))
    runs: list[Run] = []
    seen: list[Mapping[str, Any]] = []
    for i in range(draw(st.integers(1, max_runs))):
        if i:
            period = min(MONTHS - 1, period + draw(st.sampled_from([0, 1, 2])))  # 2: a skipped month
        batch: list[Mapping[str, Any]] = []
        for _ in range(draw(st.integers(0, 4))):  # 0: an empty run
            duplicate = seen and draw(st.integers(0, 4)) == 0
            batch.append(draw(st.sampled_from(seen)) if duplicate else draw(event))  # an exact (maybe late) duplicate
            seen.append(batch[-1])
        start = datetime(FIRST_MONTH[0], FIRST_MONTH[1] + period, 2 + 3 * i, 6, tzinfo=UTC)
        fail_at = draw(st.sampled_from([None, None, 1, 2]))
        runs.append(Run(start, tuple(batch), fail_at, fail_at is not None and draw(st.booleans())))
    return Scenario(spec.name, draw(st.sampled_from([0, 360])), tuple(runs))


def customer(key: str | None, email: str | None, when: str | None, *, deleted: bool = False,
             country: str | None = "x") -> dict[str, Any]:
    """An event of the `customers` table."""
    return {"customer_id": key, "email": email, "country": country, "updated_at": at(when) if when else None,
            DELETED: deleted}


def runs(*steps: tuple[Any, ...]) -> tuple[Run, ...]:
    """Runs from `(start, events[, failing publication[, after it]])`, the start an ISO UTC time."""
    return tuple(Run(datetime.fromisoformat(start).replace(tzinfo=UTC), tuple(events), *failure)
                 for start, events, *failure in steps)


END_OF_JANUARY = "2026-01-31T23:59:59.999999"

# The cases of the issue, as explicit examples (run every time, before the generated ones).
LOAD_TIME_CASES = Scenario("customers", 0, runs(
    ("2026-01-02T06:00", [customer("a", "a1", "2026-01-15T12:00"), customer("b", "b1", "2026-01-15T12:00")]),
    # deletes (one at an equal date: the delete wins); the publication fails, the batch is loaded again
    ("2026-01-05T06:00", [customer("a", None, END_OF_JANUARY, deleted=True),
                          customer("b", None, "2026-01-15T12:00", deleted=True)], 1),
    # a late, older upsert does not bring "a" back; the period starts with every entity deleted; the run
    # stops just after publishing, before its bookkeeping, and is run again
    ("2026-02-03T06:00", [customer("a", "late", "2026-01-20T00:00"), customer("b", "b1", "2026-01-15T12:00")], 1, True),
    # March skipped; April's base is February (empty), not January; an exact duplicate, a null date
    ("2026-04-02T06:00", [customer("a", "late", "2026-01-20T00:00"), customer("c", "c1", None)]),
))
CLOSING_CASES = Scenario("customers", 360, runs(
    ("2026-01-02T06:00", [customer("a", "a1", "2026-01-15T12:00")]),
    # February skipped: closing January takes the events dated before its end only; the period's own
    # publication fails after January's, and the rerun does not close January again
    ("2026-03-02T06:00", [customer("a", "a2", END_OF_JANUARY), customer("b", "b1", "2026-02-01T00:00"),
                          customer("c", "c1", None)], 2),
    ("2026-03-05T06:00", [customer("d", "d1", "2026-01-10T00:00")]),  # into March: January is closed
    ("2026-04-02T06:00", []),  # an empty run closes March
))
EFFECTIVE_DATE_CASES = Scenario("customers", 0, runs(
    ("2026-01-02T06:00", [customer("a", "a1", "2026-01-15T12:00")]),
    # an event dated in March while January is the latest period: February holds January's state
    ("2026-01-05T06:00", [customer("b", "b1", "2026-03-01T00:00")]),
    # late events rebuild from their period (February) on; an older delete loses; a null date is dropped
    ("2026-03-02T06:00", [customer("c", "c1", "2026-02-15T12:00"), customer("a", None, "2026-01-01T00:00", deleted=True),
                          customer("d", "d1", None)], 2),
))


# --- running a scenario --------------------------------------------------------------------------

class InjectedFailure(RuntimeError):
    """The failure a test injects between a folder's write and its publication."""


Rows = list[tuple[Any, ...]]


class ProbeCatalog:
    """A `PartitionCatalog` around the real one that samples readers around each publication and fails
    one publication on demand (before delegating: the folder is written, the catalog unchanged)."""

    def __init__(self, inner: Any, probe: Callable[[str, str | None], None]) -> None:
        self.inner, self.probe = inner, probe
        self.fail_at: int | None = None
        self.fail_after = False
        self.calls = 0

    def arm(self, fail_at: int | None, after: bool = False) -> None:
        self.fail_at, self.fail_after, self.calls = fail_at, after, 0

    def locations(self) -> dict[str, str]:
        return self.inner.locations()

    def publish(self, value: str, location: str) -> None:
        self.calls += 1
        self.probe(f"after the write of {location}, before its publication", value)
        failing = self.calls == self.fail_at
        if failing and not self.fail_after:
            raise InjectedFailure(f"injected: the run stops before publication {self.calls} ({KEY}={value})")
        self.inner.publish(value, location)
        if failing:
            raise InjectedFailure(f"injected: the run stops after publication {self.calls} ({KEY}={value})")


def _canonical(rows: Sequence[Sequence[Any]]) -> Rows:
    return sorted((tuple(r) for r in rows), key=repr)


class Lake:
    """One generated table in the local metastore, its runs, and the checks."""

    def __init__(self, spark: Any, root: Path, spec: Spec, basis: str, close: bool, retention: int,
                 serial: int) -> None:
        from gluelake.arguments import SnapshotTable
        from gluelake.catalog import SparkCatalog

        self.spark, self.spec, self.basis, self.close = spark, spec, basis, close
        self.name = f"t{serial}_{spec.name}"
        self.qualified = f"{DATABASE}.{self.name}"
        self.path = (root / self.name).as_uri() + "/"
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
        spark.sql(f"""CREATE EXTERNAL TABLE {self.qualified} ({spec.ddl}) PARTITIONED BY ({KEY} string)
                      STORED AS PARQUET LOCATION '{self.path}'
                      TBLPROPERTIES ('classification'='parquet', 'parquet.compression'='SNAPPY')""")
        self.table = SnapshotTable(
            name="output_props", path=self.path, database=DATABASE, table=self.name, partition_key=KEY,
            granularity="MONTH", partition_format="%Y-%m", primary_key=spec.table.primary_key,
            effective_date_column=spec.table.effective_date, compression="snappy",
            period_basis=basis, close_periods=close, superseded_retention_minutes=retention)
        self.catalog = ProbeCatalog(SparkCatalog(spark, DATABASE, self.name, KEY), self._probe)
        self.loaded: list[tuple[str, Sequence[Mapping[str, Any]]]] = []
        self.before: dict[str, Rows] = {}
        self.after: dict[str, Rows] = {}

    def drop(self) -> None:
        self.spark.sql(f"DROP TABLE IF EXISTS {self.qualified}")

    def expected(self, runs: Sequence[tuple[str, Sequence[Mapping[str, Any]]]]) -> dict[str, Rows]:
        if self.basis == "EFFECTIVE_DATE":
            return effective_date_states(self.spec.table, runs)
        return load_time_states(self.spec.table, runs, close_periods=self.close)

    # reads -----------------------------------------------------------------------------------

    def read_all(self) -> dict[str, Rows]:
        """Every partition as a reader through the catalog sees it (one query)."""
        columns = [n for n, _ in self.spec.columns]
        result: dict[str, list[tuple[Any, ...]]] = {}
        for r in self.spark.table(self.qualified).select(*columns, KEY).collect():
            result.setdefault(r[KEY], []).append(tuple(r)[:-1])
        return {p: _canonical(rows) for p, rows in result.items()}

    def read_partition(self, value: str) -> Rows:
        from pyspark.sql import functions as F

        columns = [n for n, _ in self.spec.columns]
        return _canonical(self.spark.table(self.qualified).where(F.col(KEY) == value).select(*columns).collect())

    # checks ----------------------------------------------------------------------------------

    def _no_duplicate_keys(self, moment: str, value: str, rows: Rows) -> None:
        positions = [self.spec.table.columns.index(c) for c in self.spec.table.primary_key]
        keys = Counter(tuple(r[i] for i in positions) for r in rows)
        duplicated = sorted((k for k, n in keys.items() if n > 1), key=repr)
        assert not duplicated, f"{moment}: {KEY}={value} has duplicate keys {duplicated}: {rows}"

    def _probe(self, moment: str, value: str | None) -> None:
        """A reader between steps: each partition is in its state before the run or after it."""
        seen = self.read_all()
        for period in sorted(set(seen) | set(self.before) | set(self.after)):
            rows = seen.get(period, [])
            self._no_duplicate_keys(moment, period, rows)
            before, after = self.before.get(period, []), self.after.get(period, [])
            assert rows in (before, after), (f"{moment} of {KEY}={value}: a reader of {KEY}={period} sees {rows}; "
                                             f"expected the state before the run {before} or after it {after}")

    def registered(self) -> set[str]:
        prefix = f"{KEY}="
        return {r[0][len(prefix):] for r in self.spark.sql(f"SHOW PARTITIONS {self.qualified}").collect()}

    def check(self, moment: str, *, each: bool) -> None:
        """After a run: every partition, registered or expected, equals the oracle. Read with one query
        (grouped by the partition key), or with `each`, one query per partition filtered on its key."""
        registered = self.registered() if each else set()
        seen = {} if each else self.read_all()
        for period in sorted(registered | set(self.after) | set(seen)):
            rows = self.read_partition(period) if each else seen.get(period, [])
            self._no_duplicate_keys(moment, period, rows)
            assert rows == self.after.get(period, []), (
                f"{moment}: {KEY}={period} holds {rows}; the full history gives {self.after.get(period, [])}")
        missing = sorted(p for p, rows in self.after.items() if each and rows and p not in registered)
        assert not missing, f"{moment}: periods {missing} are not registered"

    # runs ------------------------------------------------------------------------------------

    def frame(self, events: Sequence[Mapping[str, Any]]) -> Any:
        columns = [n for n, _ in self.spec.columns]
        data = [tuple(e[c] for c in columns) + (e.get(DELETED),) for e in events]
        return self.spark.createDataFrame(data, f"{self.spec.ddl}, `{DELETED}` boolean")

    def run(self, number: int, run: Run, *, last: bool) -> None:
        from gluelake.snapshot import merge_snapshot

        self.before = self.after
        self.after = self.expected([*self.loaded, (run.period, run.events)])
        self.catalog.arm(run.fail_at_publication, run.fail_after_publication)
        attempt = run.at
        try:
            merge_snapshot(self.spark, self.table, self.frame(run.events), at=attempt, columns=self.spec.columns,
                           catalog=self.catalog)
        except InjectedFailure as failure:
            note(f"run {number}: {failure}")
            self._probe("after the failure", None)
            attempt = run.at + timedelta(hours=1)  # the rerun of the batch: its bookmark did not commit
            self.catalog.arm(None)
            merge_snapshot(self.spark, self.table, self.frame(run.events), at=attempt, columns=self.spec.columns,
                           catalog=self.catalog)
        self.loaded.append((run.period, run.events))
        self.check(f"after run {number} ({attempt.isoformat()}, {len(run.events)} event(s))", each=last)


_serial = iter(range(1, 1_000_000))


@pytest.fixture(scope="module")
def lake_root(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:  # noqa: F811
    os.environ["TZ"] = "UTC"  # PySpark converts naive datetimes with the process's time zone
    time.tzset()
    root = tmp_path_factory.mktemp("snapshot-properties")
    yield root
    spark.sql(f"DROP DATABASE IF EXISTS {DATABASE} CASCADE")
    shutil.rmtree(root, ignore_errors=True)


def play(spark: Any, root: Path, scenario: Scenario, basis: str, close: bool = False) -> None:
    lake = Lake(spark, root, SPECS[scenario.table], basis, close, scenario.retention_minutes, next(_serial))
    try:
        for number, run in enumerate(scenario.runs, 1):
            lake.run(number, run, last=number == len(scenario.runs))
    finally:
        lake.drop()


SCALE = int(os.environ.get("GLUELAKE_PROPERTY_SCALE", "1"))
"""A multiplier of the number of examples, for a deeper run than CI's (`GLUELAKE_PROPERTY_SCALE=10`)."""


def examples(count: int) -> settings:
    """Deterministic (the same scenarios every run) and bounded: each example costs seconds of Spark."""
    return settings(max_examples=count * SCALE, deadline=None, derandomize=True, database=None, print_blob=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])


@examples(3)
@given(scenario=scenarios(max_runs=5))
@example(scenario=LOAD_TIME_CASES)
def test_load_time_incremental_runs_equal_the_full_history(spark: Any, lake_root: Path,  # noqa: F811
                                                           scenario: Scenario) -> None:
    play(spark, lake_root, scenario, "LOAD_TIME")


@examples(2)
@given(scenario=scenarios(max_runs=5))
@example(scenario=CLOSING_CASES)
def test_load_time_closing_periods_equal_the_full_history(spark: Any, lake_root: Path,  # noqa: F811
                                                          scenario: Scenario) -> None:
    play(spark, lake_root, scenario, "LOAD_TIME", close=True)


@examples(3)
@given(scenario=scenarios(max_runs=4))
@example(scenario=EFFECTIVE_DATE_CASES)
def test_effective_date_incremental_runs_equal_the_full_history(spark: Any, lake_root: Path,  # noqa: F811
                                                                scenario: Scenario) -> None:
    play(spark, lake_root, scenario, "EFFECTIVE_DATE")
