"""A full-history reference of what a snapshot table's partitions hold, in plain Python (no Spark).

The runtime merges each batch of change events into the stored state; this module recomputes the
same partitions from every event loaded so far, by the rules stated for the table:

* `fold(table, events)`: per primary key the winning event, the maximum by the total order
  (effective date, `None` lowest; then a delete over an upsert; then the other columns in declared
  order, `None` lowest), kept when it is not a delete. Events with a null primary key column are
  dropped. A row is the tuple of the table's columns in declared order.
* `load_time_states`: `LOAD_TIME` periods. The partition of a run's period holds the fold of every
  event loaded so far; an earlier period keeps the state of its last run. With `close_periods`, the
  first run in a period whose base is an earlier registered period Q that is not closed first merges
  its events dated before the end of Q into Q.
* `effective_date_states`: `EFFECTIVE_DATE` periods. Partition P holds the fold of the events loaded
  so far whose effective date falls in P or before, for every P from the earliest event's period to
  L = the latest of the last run's period and the events' periods. Events without a date are dropped.

Periods are calendar months of naive UTC datetimes, named `YYYY-MM` (the order of the names is the
order of the periods). Events are mappings of the table's columns plus the optional boolean
`_deleted` (missing or `None` means false).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Sequence

Event = Mapping[str, Any]
Row = tuple[Any, ...]
DELETED = "_deleted"


@dataclass(frozen=True)
class Table:
    """The columns (in declared order), the primary key and the effective-date column of a table."""

    columns: tuple[str, ...]
    primary_key: tuple[str, ...]
    effective_date: str

    @property
    def others(self) -> tuple[str, ...]:
        """The columns that break ties after the date and the delete flag, in declared order."""
        return tuple(c for c in self.columns if c not in self.primary_key and c != self.effective_date)


def _lowest_none(value: Any) -> tuple[Any, ...]:
    """A sort key in which `None` is below every value."""
    return (0,) if value is None else (1, value)


def rank(table: Table, event: Event) -> tuple[Any, ...]:
    """The event's place in the total order: the larger wins."""
    return (_lowest_none(event[table.effective_date]), bool(event.get(DELETED)),
            *(_lowest_none(event[c]) for c in table.others))


def fold(table: Table, events: Sequence[Event]) -> list[Row]:
    """The live rows after `events` (in any order): per primary key the winner, unless it is a delete. Sorted."""
    winners: dict[Row, Event] = {}
    for event in events:
        key = tuple(event[c] for c in table.primary_key)
        if any(v is None for v in key):
            continue
        if key not in winners or rank(table, event) > rank(table, winners[key]):
            winners[key] = event
    return sorted((tuple(e[c] for c in table.columns) for e in winners.values() if not e.get(DELETED)), key=repr)


def month(moment: datetime) -> str:
    """The period (`YYYY-MM`) of a naive UTC datetime."""
    return f"{moment.year:04d}-{moment.month:02d}"


def months(first: str, last: str) -> list[str]:
    """Every period from `first` to `last`, both included."""
    year, mon = int(first[:4]), int(first[5:])
    result = []
    while f"{year:04d}-{mon:02d}" <= last:
        result.append(f"{year:04d}-{mon:02d}")
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return result


def load_time_states(table: Table, runs: Sequence[tuple[str, Sequence[Event]]], *,
                     close_periods: bool = False) -> dict[str, list[Row]]:
    """The partitions after `runs` (each `(period of the run, its events)`, in time order), `LOAD_TIME` basis.

    A run with no event and no registered period to start from publishes nothing (there is nothing to
    hold); every other run registers its period.
    """
    behind: dict[str, list[Event]] = {}  # registered period -> the events its state folds
    closed: set[str] = set()
    for period, batch in runs:
        if period in behind:
            base = behind[period]
        else:
            earlier = [p for p in behind if p < period]
            if not earlier and not batch:
                continue
            base = behind[max(earlier)] if earlier else []
            if close_periods and earlier and max(earlier) not in closed:
                q = max(earlier)
                behind[q] = base = base + [e for e in batch if e[table.effective_date] is not None
                                           and month(e[table.effective_date]) <= q]
                closed.add(q)
        behind[period] = list(base) + list(batch)
    return {p: fold(table, events) for p, events in behind.items()}


def effective_date_states(table: Table, runs: Sequence[tuple[str, Sequence[Event]]]) -> dict[str, list[Row]]:
    """The partitions after `runs` (each `(period of the run, its events)`, in time order), `EFFECTIVE_DATE` basis."""
    dated = [e for _, batch in runs for e in batch if e[table.effective_date] is not None]
    if not dated:
        return {}
    periods = [month(e[table.effective_date]) for e in dated]
    last = max(max(periods), runs[-1][0])
    return {p: fold(table, [e for e, ep in zip(dated, periods) if ep <= p]) for p in months(min(periods), last)}
