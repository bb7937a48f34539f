"""Matchers that compare equal to a DataFrame (or DynamicFrame) holding the expected rows.

For mock assertions on what reached a sink::

    glue_context.write_dynamic_frame.from_options.assert_called_once_with(
        frame=DynamicFrameMatcher([{"id": 1, "name": "a"}]), connection_type="s3", ...)

When the rows differ, the matcher's `repr` (what the assertion error prints) carries the
difference: the columns, the missing and the unexpected rows, or the first differing position.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

MAX_ROWS_SHOWN = 20


def _as_dict(row: Any) -> dict[str, Any] | None:
    if isinstance(row, dict):
        return dict(row)
    as_dict = getattr(row, "asDict", None)  # a pyspark Row (with field names)
    if callable(as_dict) and getattr(row, "__fields__", None):
        return as_dict()
    return None


class DataFrameMatcher:
    """Equal to a DataFrame whose rows are `expected_rows`.

    Args:
        expected_rows: dicts (column -> value), pyspark `Row`s, or tuples (in the order of
            `columns`, or of the frame's columns when `columns` is not given).
        columns: the frame's columns, compared as a set (order ignored); by default the keys of the
            dict rows, and not checked for tuple rows.
        ordered: compare the rows in order; by default as a multiset (any order, duplicates count).

    Values are compared with `==`, so `pytest.approx(...)` works inside an expected row.
    """

    def __init__(self, expected_rows: Iterable[Any], *, columns: Sequence[str] | None = None,
                 ordered: bool = False) -> None:
        rows = list(expected_rows)
        dicts = [_as_dict(r) for r in rows]
        if columns is None and rows and all(d is not None for d in dicts):
            keys = list(dicts[0])  # type: ignore[arg-type]
            for d in dicts:
                if set(d) != set(keys):  # type: ignore[arg-type]
                    raise ValueError(f"DataFrameMatcher: the expected rows have different columns: "
                                     f"{sorted(keys)} and {sorted(d)}")  # type: ignore[arg-type]
            columns = keys
        self.columns: list[str] | None = list(columns) if columns is not None else None
        expected: list[tuple[Any, ...]] = []
        for row, as_dict in zip(rows, dicts):
            if as_dict is not None and self.columns is not None:
                missing = [c for c in self.columns if c not in as_dict]
                if missing or len(as_dict) != len(self.columns):
                    raise ValueError(f"DataFrameMatcher: the expected row {as_dict!r} does not have the columns "
                                     f"{self.columns}")
                expected.append(tuple(as_dict[c] for c in self.columns))
            else:
                expected.append(tuple(row))
        self.expected_rows = expected
        self.ordered = ordered
        self.mismatch: str | None = None

    # ------------------------------------------------------------------ comparison
    def _frame(self, other: Any) -> tuple[Any, str | None]:
        """The DataFrame to compare (a DynamicFrameMatcher unwraps), or an explanation."""
        if not (hasattr(other, "collect") and hasattr(other, "columns")):
            return None, f"received {type(other).__name__} {other!r:.200}, not a DataFrame"
        return other, None

    def explain(self, other: Any) -> str | None:
        """Why `other` does not match (None when it does)."""
        frame, problem = self._frame(other)
        if problem is not None:
            return problem
        actual_columns = list(frame.columns)
        lines: list[str] = []
        columns = self.columns
        if columns is not None and set(columns) != set(actual_columns):
            missing = [c for c in columns if c not in actual_columns]
            extra = [c for c in actual_columns if c not in columns]
            return (f"columns differ: expected {columns}, received {actual_columns}"
                    f" (missing {missing}, unexpected {extra})")
        names = columns if columns is not None else actual_columns
        actual = [tuple(row[c] for c in names) if columns is not None else tuple(row) for row in frame.collect()]
        if self.ordered:
            for i, (want, got) in enumerate(zip(self.expected_rows, actual)):
                if not _row_equal(want, got):
                    lines.append(f"row {i} differs:\n  expected {_show(names, want)}\n  received {_show(names, got)}")
                    break
            if len(actual) != len(self.expected_rows):
                lines.append(f"expected {len(self.expected_rows)} row(s), received {len(actual)}")
            return "\n".join(lines) or None
        remaining = list(actual)
        missing_rows: list[tuple[Any, ...]] = []
        for want in self.expected_rows:
            for i, got in enumerate(remaining):
                if _row_equal(want, got):
                    del remaining[i]
                    break
            else:
                missing_rows.append(want)
        if not missing_rows and not remaining:
            return None
        lines.append(f"expected {len(self.expected_rows)} row(s), received {len(actual)}; "
                     f"{len(missing_rows)} expected row(s) not received, {len(remaining)} received row(s) not expected")
        for title, rows in (("missing (expected, not received)", missing_rows),
                            ("unexpected (received, not expected)", remaining)):
            if rows:
                lines.append(f"{title}:")
                lines += [f"  {_show(names, r)}" for r in rows[:MAX_ROWS_SHOWN]]
                if len(rows) > MAX_ROWS_SHOWN:
                    lines.append(f"  ... and {len(rows) - MAX_ROWS_SHOWN} more")
        return "\n".join(lines)

    def matches(self, other: Any) -> bool:
        """Whether `other` holds the expected rows; keeps the explanation in `mismatch` otherwise."""
        self.mismatch = self.explain(other)
        return self.mismatch is None

    def __eq__(self, other: object) -> bool:
        return self.matches(other)

    def __ne__(self, other: object) -> bool:
        return not self.matches(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = [(_show(self.columns, r) if self.columns else repr(r)) for r in self.expected_rows[:MAX_ROWS_SHOWN]]
        hidden = len(self.expected_rows) - MAX_ROWS_SHOWN
        more = f", ... {hidden} more" if hidden > 0 else ""
        text = f"{type(self).__name__}([{', '.join(shown)}{more}], ordered={self.ordered})"
        if self.mismatch is not None:
            text += "\n--- mismatch with the last frame compared ---\n" + self.mismatch
        return text


class DynamicFrameMatcher(DataFrameMatcher):
    """Equal to a DynamicFrame (anything with `toDF()`) whose DataFrame holds `expected_rows`;
    same arguments as `DataFrameMatcher`."""

    def _frame(self, other: Any) -> tuple[Any, str | None]:
        to_df = getattr(other, "toDF", None)
        if not callable(to_df):
            return None, f"received {type(other).__name__} {other!r:.200}, not a DynamicFrame (no toDF())"
        return super()._frame(to_df())


def _row_equal(want: tuple[Any, ...], got: tuple[Any, ...]) -> bool:
    return len(want) == len(got) and all(w == g for w, g in zip(want, got))


def _show(columns: Sequence[str] | None, row: tuple[Any, ...]) -> str:
    if columns is None or len(columns) != len(row):
        return repr(row)
    return "{" + ", ".join(f"{c!r}: {v!r}" for c, v in zip(columns, row)) + "}"
