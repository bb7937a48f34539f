"""Small helpers of the example jobs' tests: local locations and files, the "nothing to do" lines, the customers
table's arguments, and a job bookmark on local files."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from gluelake.storage import is_data_file, list_files
from gluelake.testing import MockGlueContext, MockJob

JOBS = Path(__file__).resolve().parents[1]  # examples/lake-app/jobs
REPOSITORY = Path(__file__).resolve().parents[4]
INTEG_JOBS = REPOSITORY / "integ" / "jobs"
NOTHING_TO_DO = "nothing to do"


def uri(path: Path) -> str:
    """The `file://` URI of a local directory, ending with '/' like the constructs' location arguments."""
    return path.as_uri() + "/"


def write_lines(path: Path, lines: list[str]) -> None:
    """Writes `lines` (JSON lines, say) to `path`, creating its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines))


def files_under(path: Path) -> list[str]:
    """Every file under `path`, relative to it, sorted (empty when `path` does not exist)."""
    if not path.exists():
        return []
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


def nothing_to_do_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The log lines that say "nothing to do"."""
    return [r.getMessage() for r in caplog.records if NOTHING_TO_DO in r.getMessage()]


def customers_table_arguments(path: str, database: str = "sales_silver", **settings: str) -> dict[str, str]:
    """The `--output_customers_*` arguments of `writesTo(customersTable)` in ../lake-stack.ts, with a local `path`
    and `database` in place of its bucket and Glue database: the table's layout, its primary key and effective-date
    column, and its defaults (`LOAD_TIME` periods, no closing, superseded folders kept 6 hours); `settings` replaces
    them (e.g. `close_periods="true"`). The runtime builds the merge SQL from the table's columns."""
    values = {"database": database, "table": "customers", "path": path, "partition_key": "snapshot",
              "granularity": "MONTH", "partition_format": "%Y-%m", "current_view": "customers_current",
              "primary_key": "customer_id", "effective_date_column": "updated_at", "compression": "zstd",
              "period_basis": "LOAD_TIME", "close_periods": "false", "superseded_retention_minutes": "360",
              **settings}
    return {f"output_customers_{key}": value for key, value in values.items()}


class FakeBookmark:
    """Glue's job bookmark over local JSON files, as a job sees it: `create_dynamic_frame.from_options(...,
    transformation_ctx=...)` of the attached context gives the files under its paths that no committed run has
    read (a frame without columns when there is none), and they count as read only when the attached job
    commits. `keys` lists the `transformation_ctx` of each read, `batches` the files each read gave."""

    def __init__(self) -> None:
        self.committed: set[str] = set()
        self.reading: set[str] = set()
        self.keys: list[str] = []
        self.batches: list[list[str]] = []

    def attach(self, glue_context: MockGlueContext, job: MockJob) -> None:
        """A new run: reads of `glue_context` go through the bookmark, `job.commit()` moves it (what an
        uncommitted run read is read again)."""
        spark = glue_context.spark_session

        def read(*, connection_options: dict[str, Any], format: str, transformation_ctx: str,
                 **_: Any) -> mock.MagicMock:
            assert format == "json", f"FakeBookmark reads JSON lines; received format={format!r}"
            files = [f for path in connection_options["paths"] for f in list_files(path)
                     if is_data_file(f, path) and f not in self.committed]
            self.keys.append(transformation_ctx)
            self.batches.append(files)
            self.reading.update(files)
            df = spark.read.json(files) if files else spark.createDataFrame([], "struct<>")
            frame = mock.MagicMock(name="DynamicFrame")
            frame.toDF.return_value = frame.resolveChoice.return_value.toDF.return_value = df
            return frame

        def commit() -> None:
            job._commit()
            self.committed |= self.reading

        self.reading = set()
        glue_context.create_dynamic_frame.from_options.side_effect = read
        job.commit.side_effect = commit
