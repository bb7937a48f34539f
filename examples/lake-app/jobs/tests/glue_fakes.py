"""The Glue-only parts of `awsglue`, faked around a real local SparkSession.

`awsglue` (AWS's `AWSGlueDataplanePython`) needs Glue's JVM classes, which no registry serves, so the
tests install these modules in `sys.modules` instead (see `install`):

- `awsglue.utils.getResolvedOptions(argv, names)`: the `--NAME value` arguments of `names`, as a dict;
  a missing name raises, except `TempDir`, which Glue treats as optional;
- `awsglue.context.GlueContext(spark_context)`: `spark_session`, `get_logger()` (records every line),
  and `create_dynamic_frame.from_options(...)` for S3 JSON with a job bookmark: it reads the files
  under the paths that no committed run of the same job has read, and gives an empty frame (no
  columns) when there is none;
- `awsglue.job.Job(glue_context)`: records `init` and `commit`; `commit` moves the job's bookmark
  past the files read in the run.

Every `Job` created is appended to `RUNS`, so a test that runs a script finds its run there.
"""

from __future__ import annotations

import runpy
import sys
import types
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlparse

JOBS = Path(__file__).resolve().parents[1]  # examples/lake-app/jobs
INTEG_JOBS = Path(__file__).resolve().parents[4] / "integ" / "jobs"

RUNS: list["Job"] = []
# job name -> transformation_ctx -> files read by committed runs (the job bookmarks)
BOOKMARKS: dict[str, dict[str, set[str]]] = {}


def reset() -> None:
    """Forgets every run and every bookmark."""
    RUNS.clear()
    BOOKMARKS.clear()


def getResolvedOptions(argv: list[str], names: list[str]) -> dict[str, str | None]:  # noqa: N802 (Glue's name)
    """The values of `--NAME value` in `argv` for each of `names`."""
    values: dict[str, str] = {}
    i = 1
    while i < len(argv):
        if argv[i].startswith("--") and i + 1 < len(argv):
            values[argv[i][2:]] = argv[i + 1]
            i += 2
        else:
            i += 1
    resolved: dict[str, str | None] = {}
    for name in names:
        if name in values:
            resolved[name] = values[name]
        elif name != "TempDir":
            raise SystemExit(f"the following arguments are required: --{name}")
    for glue_owned in ("job-bookmark-option",):
        if glue_owned in values:
            resolved[glue_owned.replace("-", "_")] = values[glue_owned]
    return resolved


class Logger:
    """The log4j logger of `GlueContext.get_logger()`: records the lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(str(message))
        print(f"INFO {message}")

    warn = info
    error = info


class DynamicFrame:
    """The part of a DynamicFrame the scripts use: a DataFrame inside."""

    def __init__(self, frame: Any) -> None:
        self._frame = frame

    def resolveChoice(self, choice: str | None = None, **_: Any) -> "DynamicFrame":  # noqa: N802
        return self

    def toDF(self) -> Any:  # noqa: N802
        return self._frame


def _local_files(uri: str) -> list[str]:
    """The data files under a `file://` URI or local path (Hadoop's hidden `_*` and `.*` excluded)."""
    parsed = urlparse(uri)
    root = Path(parsed.path if parsed.scheme == "file" else uri)
    if not root.exists():
        return []
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    return [p.as_uri() for p in files
            if not any(part.startswith(("_", ".")) for part in p.relative_to(root if root.is_dir() else root.parent).parts)]


class _DynamicFrameReader:
    def __init__(self, context: "GlueContext") -> None:
        self._context = context

    def from_options(self, connection_type: str, connection_options: dict, format: str,  # noqa: A002
                     transformation_ctx: str = "", **_: Any) -> DynamicFrame:
        if connection_type != "s3" or format != "json":
            raise NotImplementedError(f"fake from_options: {connection_type}/{format}")
        context = self._context
        context.dynamic_frame_reads.append({"paths": list(connection_options["paths"]),
                                            "transformation_ctx": transformation_ctx})
        seen = BOOKMARKS.get(context.job_name or "", {}).get(transformation_ctx, set())
        files = [f for path in connection_options["paths"] for f in _local_files(path) if f not in seen]
        context.files_read.setdefault(transformation_ctx, set()).update(files)
        spark = context.spark_session
        if not files:  # what Glue gives when there is no new file: an empty frame without columns
            from pyspark.sql import types as T
            return DynamicFrame(spark.createDataFrame([], T.StructType([])))
        return DynamicFrame(spark.read.json(files))


class GlueContext:
    """`GlueContext(spark_context)`: the session, a recording logger and a bookmarked S3 JSON reader."""

    def __init__(self, spark_context: Any) -> None:
        from pyspark.sql import SparkSession

        self.spark_session = SparkSession.builder.getOrCreate()
        assert self.spark_session.sparkContext is spark_context
        self.logger = Logger()
        self.job_name: str | None = None
        self.dynamic_frame_reads: list[dict] = []
        self.files_read: dict[str, set[str]] = {}
        self.create_dynamic_frame = _DynamicFrameReader(self)

    def get_logger(self) -> Logger:
        return self.logger


class Job:
    """`Job(glue_context)`: records `init` and `commit`; `commit` saves the run's bookmark."""

    def __init__(self, glue_context: GlueContext) -> None:
        self.glue_context = glue_context
        self.init_calls: list[tuple[str, dict]] = []
        self.commits = 0
        RUNS.append(self)

    def init(self, job_name: str, args: dict | None = None) -> None:
        self.init_calls.append((job_name, dict(args or {})))
        self.glue_context.job_name = job_name

    def commit(self) -> None:
        if not self.init_calls:
            raise RuntimeError("Job.commit() before Job.init()")
        self.commits += 1
        bookmark = BOOKMARKS.setdefault(self.init_calls[-1][0], {})
        for ctx, files in self.glue_context.files_read.items():
            bookmark.setdefault(ctx, set()).update(files)

    @property
    def log(self) -> list[str]:
        return self.glue_context.logger.lines


def install() -> None:
    """Puts the fake `awsglue`, `awsglue.context`, `awsglue.job` and `awsglue.utils` in `sys.modules`."""
    package = types.ModuleType("awsglue")
    package.__path__ = []  # a package: `from awsglue.context import ...` works
    modules = {
        "awsglue.context": {"GlueContext": GlueContext},
        "awsglue.job": {"Job": Job},
        "awsglue.utils": {"getResolvedOptions": getResolvedOptions},
        "awsglue.dynamicframe": {"DynamicFrame": DynamicFrame},
    }
    sys.modules["awsglue"] = package
    for name, members in modules.items():
        module = types.ModuleType(name)
        module.__dict__.update(members)
        sys.modules[name] = module
        setattr(package, name.split(".")[1], module)


def run_job(script: Path, arguments: dict[str, str]) -> "Job":
    """Runs `script` as Glue does (`__main__`, `--NAME value` arguments); returns its recorded run."""
    argv = [str(script)]
    for name, value in arguments.items():
        argv += [f"--{name}", value]
    before = len(RUNS)
    with mock.patch.object(sys, "argv", argv):
        runpy.run_path(str(script), run_name="__main__")
    runs = RUNS[before:]
    assert len(runs) == 1, f"{script.name} created {len(runs)} Job(s)"
    return runs[0]


def files_under(path: Path) -> list[str]:
    """Every file under `path`, relative to it, sorted (empty when `path` does not exist)."""
    if not path.exists():
        return []
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())
