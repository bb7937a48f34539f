"""Period arithmetic of snapshot tables, in UTC.

A `SnapshotPartitionTable` keeps one full copy of its entities per period (a year, month, day or
hour); the partition of a period is named by formatting the period's first instant with the
table's `partition_format` (a `strftime` pattern, e.g. `%Y-%m`). Every function here takes an
*aware* datetime and works in UTC, whatever the moment's own time zone: a naive datetime is
refused rather than guessed.

>>> from datetime import datetime, timezone
>>> partition_values(datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc), "MONTH", "%Y-%m")
('2026-01', '2025-12')
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from gluelake.arguments import GRANULARITIES

__all__ = ["period_start", "previous_period_start", "partition_values"]


def _utc(moment: datetime, function: str) -> datetime:
    """`moment` converted to UTC; refuses what is not an aware datetime."""
    if not isinstance(moment, datetime):
        raise TypeError(f"{function}: received {moment!r} ({type(moment).__name__}); "
                        "expected an aware datetime (periods are UTC)")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{function}: received the naive datetime {moment.isoformat()}; "
                         "expected an aware datetime (periods are UTC), e.g. datetime.now(timezone.utc)")
    return moment.astimezone(timezone.utc)


def _check_granularity(granularity: str, function: str) -> None:
    if granularity not in GRANULARITIES:
        raise ValueError(f"{function}: received the granularity {granularity!r}; "
                         f"expected one of {', '.join(GRANULARITIES)}")


def period_start(moment: datetime, granularity: str) -> datetime:
    """The first instant (UTC) of the period that contains `moment`.

    Args:
        moment: an aware datetime, in any time zone.
        granularity: `YEAR`, `MONTH`, `DAY` or `HOUR`.

    Returns:
        An aware datetime in UTC.

    Raises:
        TypeError: `moment` is not a datetime.
        ValueError: `moment` is naive, or the granularity is unknown.

    >>> from datetime import datetime, timedelta, timezone
    >>> period_start(datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc), "MONTH").isoformat()
    '2026-11-01T00:00:00+00:00'
    >>> period_start(datetime(2026, 11, 21, 0, 30, tzinfo=timezone(timedelta(hours=2))), "DAY").isoformat()
    '2026-11-20T00:00:00+00:00'
    """
    _check_granularity(granularity, "period_start")
    utc = _utc(moment, "period_start")
    if granularity == "YEAR":
        return datetime(utc.year, 1, 1, tzinfo=timezone.utc)
    if granularity == "MONTH":
        return datetime(utc.year, utc.month, 1, tzinfo=timezone.utc)
    if granularity == "DAY":
        return datetime(utc.year, utc.month, utc.day, tzinfo=timezone.utc)
    return datetime(utc.year, utc.month, utc.day, utc.hour, tzinfo=timezone.utc)


def previous_period_start(moment: datetime, granularity: str) -> datetime:
    """The first instant (UTC) of the period before the one that contains `moment`.

    Raises what `period_start` raises.

    >>> from datetime import datetime, timezone
    >>> jan = datetime(2026, 1, 5, 12, tzinfo=timezone.utc)
    >>> [previous_period_start(jan, g).isoformat() for g in ("YEAR", "MONTH", "DAY", "HOUR")]
    ['2025-01-01T00:00:00+00:00', '2025-12-01T00:00:00+00:00', '2026-01-04T00:00:00+00:00', \
'2026-01-05T11:00:00+00:00']
    """
    _check_granularity(granularity, "previous_period_start")
    start = period_start(moment, granularity)
    if granularity == "YEAR":
        return start.replace(year=start.year - 1)
    if granularity == "MONTH":
        if start.month == 1:
            return start.replace(year=start.year - 1, month=12)
        return start.replace(month=start.month - 1)
    return start - (timedelta(days=1) if granularity == "DAY" else timedelta(hours=1))


def partition_values(moment: datetime, granularity: str, partition_format: str) -> tuple[str, str]:
    """The partition values `(current, previous)` of the period that contains `moment`.

    Args:
        moment: an aware datetime (e.g. the job's start, `JobContext.started_at`).
        granularity: `YEAR`, `MONTH`, `DAY` or `HOUR` (`SnapshotTable.granularity`).
        partition_format: the `strftime` pattern of a partition value (`SnapshotTable.partition_format`).

    Raises:
        TypeError: `moment` is not a datetime.
        ValueError: `moment` is naive, the granularity is unknown, or the format gives the same value
            for both periods, an empty value, or a value containing `/` (it is one folder name).

    >>> from datetime import datetime, timezone
    >>> partition_values(datetime(2026, 3, 1, 0, 10, tzinfo=timezone.utc), "HOUR", "%Y-%m-%d-%H")
    ('2026-03-01-00', '2026-02-28-23')
    """
    current_start = period_start(moment, granularity)
    previous_start = previous_period_start(moment, granularity)
    current, previous = current_start.strftime(partition_format), previous_start.strftime(partition_format)
    for value in (current, previous):
        if value == "" or "/" in value:
            raise ValueError(f"partition_values: the partition_format {partition_format!r} gives {value!r}; "
                             "expected a format giving a non-empty value without '/'")
    if current == previous:
        raise ValueError(f"partition_values: the partition_format {partition_format!r} gives {current!r} for both "
                         f"{current_start.isoformat()} and {previous_start.isoformat()}; expected a format that "
                         f"tells {granularity} periods apart")
    return current, previous
