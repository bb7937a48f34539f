"""Tests of gluelake.periods: UTC period arithmetic of snapshot tables."""

from __future__ import annotations

import doctest
from datetime import date, datetime, timedelta, timezone

import pytest

import gluelake.periods
from gluelake.periods import partition_values, period_start, previous_period_start

UTC = timezone.utc


def utc(*parts: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(("moment", "granularity", "start", "previous"), [
    (utc(2026, 11, 21, 9, 30, 15, 123), "YEAR", utc(2026, 1, 1), utc(2025, 1, 1)),
    (utc(2026, 11, 21, 9, 30), "MONTH", utc(2026, 11, 1), utc(2026, 10, 1)),
    (utc(2026, 1, 31, 23, 59, 59), "MONTH", utc(2026, 1, 1), utc(2025, 12, 1)),
    (utc(2026, 3, 1), "MONTH", utc(2026, 3, 1), utc(2026, 2, 1)),
    (utc(2026, 3, 1, 0, 0), "DAY", utc(2026, 3, 1), utc(2026, 2, 28)),
    (utc(2024, 3, 1, 12), "DAY", utc(2024, 3, 1), utc(2024, 2, 29)),
    (utc(2026, 1, 1, 0, 10), "HOUR", utc(2026, 1, 1, 0), utc(2025, 12, 31, 23)),
    (utc(2026, 11, 21, 9, 59, 59, 999999), "HOUR", utc(2026, 11, 21, 9), utc(2026, 11, 21, 8)),
])
def test_period_boundaries(moment: datetime, granularity: str, start: datetime, previous: datetime) -> None:
    assert period_start(moment, granularity) == start
    assert previous_period_start(moment, granularity) == previous
    assert period_start(moment, granularity).tzinfo == UTC


def test_other_time_zones_are_converted_to_utc() -> None:
    # 00:30 on 1 December in UTC+2 is 22:30 on 30 November in UTC: the November period.
    moment = datetime(2026, 12, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    assert period_start(moment, "MONTH") == utc(2026, 11, 1)
    assert partition_values(moment, "MONTH", "%Y-%m") == ("2026-11", "2026-10")
    assert partition_values(moment, "HOUR", "%Y-%m-%d-%H") == ("2026-11-30-22", "2026-11-30-21")


@pytest.mark.parametrize(("moment", "granularity", "fmt", "expected"), [
    (utc(2026, 1, 5), "YEAR", "%Y", ("2026", "2025")),
    (utc(2026, 1, 5), "MONTH", "%Y-%m", ("2026-01", "2025-12")),
    (utc(2026, 1, 1, 3), "DAY", "%Y-%m-%d", ("2026-01-01", "2025-12-31")),
    (utc(2026, 3, 1, 0, 10), "HOUR", "%Y-%m-%d-%H", ("2026-03-01-00", "2026-02-28-23")),
])
def test_partition_values(moment: datetime, granularity: str, fmt: str, expected: tuple[str, str]) -> None:
    assert partition_values(moment, granularity, fmt) == expected


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: period_start(datetime(2026, 1, 5, 12), "MONTH"), ValueError,
     "period_start: received the naive datetime 2026-01-05T12:00:00; expected an aware datetime (periods are UTC), "
     "e.g. datetime.now(timezone.utc)"),
    (lambda: previous_period_start(datetime(2026, 1, 5), "DAY"), ValueError,
     "period_start: received the naive datetime 2026-01-05T00:00:00; expected an aware datetime (periods are UTC), "
     "e.g. datetime.now(timezone.utc)"),
    (lambda: period_start(date(2026, 1, 5), "MONTH"), TypeError,  # type: ignore[arg-type]
     "period_start: received datetime.date(2026, 1, 5) (date); expected an aware datetime (periods are UTC)"),
    (lambda: period_start(utc(2026, 1, 5), "WEEK"), ValueError,
     "period_start: received the granularity 'WEEK'; expected one of YEAR, MONTH, DAY, HOUR"),
    (lambda: previous_period_start(utc(2026, 1, 5), "month"), ValueError,
     "previous_period_start: received the granularity 'month'; expected one of YEAR, MONTH, DAY, HOUR"),
    (lambda: partition_values(utc(2026, 2, 5), "MONTH", "%Y"), ValueError,
     "partition_values: the partition_format '%Y' gives '2026' for both 2026-02-01T00:00:00+00:00 and "
     "2026-01-01T00:00:00+00:00; expected a format that tells MONTH periods apart"),
    (lambda: partition_values(utc(2026, 1, 5), "MONTH", "%Y/%m"), ValueError,
     "partition_values: the partition_format '%Y/%m' gives '2026/01'; expected a format giving a non-empty value "
     "without '/'"),
    (lambda: partition_values(utc(2026, 1, 5), "MONTH", ""), ValueError,
     "partition_values: the partition_format '' gives ''; expected a format giving a non-empty value without '/'"),
])
def test_invalid_input(call: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        call()  # type: ignore[operator]
    assert str(raised.value) == message


def test_doctests() -> None:
    result = doctest.testmod(gluelake.periods)
    assert result.attempted > 0
    assert result.failed == 0
