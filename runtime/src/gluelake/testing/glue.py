"""The Glue-only parts of a GlueContext and a Job, as recording mocks around a real SparkSession.

`MockGlueContext` is what the `mock_glue_context` fixture gives and what the stub
`awsglue.context.GlueContext` is: its `spark_session` is real, `get_logger()` records what the job
logs, and every method that needs Glue's JVM classes (`create_dynamic_frame`, `write_dynamic_frame`,
`purge_s3_path`, `getSink`, ...) is a `unittest.mock.MagicMock`, so that a test sets what a source
returns and asserts what reached a sink.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from unittest import mock

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# The GlueContext methods (and method groups) that need Glue's JVM classes: each is a MagicMock.
GLUE_ONLY_ATTRIBUTES = (
    "create_dynamic_frame",  # .from_catalog / .from_options
    "create_dynamic_frame_from_catalog",
    "create_dynamic_frame_from_options",
    "create_data_frame",  # .from_catalog / .from_options
    "create_data_frame_from_catalog",
    "create_data_frame_from_options",
    "write_dynamic_frame",  # .from_options / .from_catalog / .from_jdbc_conf
    "write_dynamic_frame_from_options",
    "write_dynamic_frame_from_catalog",
    "write_data_frame",
    "write_data_frame_from_catalog",
    "getSink",
    "getSource",
    "purge_s3_path",
    "purge_table",
    "transition_s3_path",
    "transition_table",
    "forEachBatch",
    "add_ingestion_time_columns",
    "get_catalog_schema_as_spark_schema",
)


class RecordingLogger:
    """The logger of `GlueContext.get_logger()` (log4j on Glue): records `(level, message)` pairs.

    Messages are stored as given (converted to `str`), nothing is printed; `messages` lists them
    without their levels, `of(level)` those of one level.
    """

    def __init__(self) -> None:
        self.records: list[tuple[str, str]] = []

    def _record(self, level: str, message: Any) -> None:
        self.records.append((level, str(message)))

    def info(self, message: Any) -> None:
        """Records an INFO line."""
        self._record("INFO", message)

    def warn(self, message: Any) -> None:
        """Records a WARN line (log4j's name)."""
        self._record("WARN", message)

    def warning(self, message: Any) -> None:
        """Records a WARN line (Python's name)."""
        self._record("WARN", message)

    def error(self, message: Any) -> None:
        """Records an ERROR line."""
        self._record("ERROR", message)

    def debug(self, message: Any) -> None:
        """Records a DEBUG line."""
        self._record("DEBUG", message)

    @property
    def messages(self) -> list[str]:
        """Every recorded message, in order."""
        return [message for _, message in self.records]

    def of(self, level: str) -> list[str]:
        """The messages recorded at `level` (`INFO`, `WARN`, `ERROR`, `DEBUG`)."""
        return [message for lvl, message in self.records if lvl == level.upper()]


class MockGlueContext:
    """A GlueContext for tests: the real session, a recording logger, Glue-only methods as mocks.

    Args:
        spark_session: the session jobs use (`spark_session`, `sparkSession`, `spark_context`).
    """

    def __init__(self, spark_session: SparkSession) -> None:
        self.spark_session = spark_session
        self.sparkSession = spark_session  # the Java-style alias Glue also has  # noqa: N815
        self.spark_context = spark_session.sparkContext
        self._sc = self.spark_context
        self.logger = RecordingLogger()
        for name in GLUE_ONLY_ATTRIBUTES:
            setattr(self, name, mock.MagicMock(name=f"glue_context.{name}"))

    def get_logger(self) -> RecordingLogger:
        """The recording logger (the same object on every call)."""
        return self.logger

    def __repr__(self) -> str:
        return f"<MockGlueContext spark_session={self.spark_session!r}>"


class MockJob:
    """A Job for tests: records `init` and `commit` (and is a `MagicMock` for anything else).

    `init_calls` holds `(job_name, args)` per `init`; `commits` counts `commit()` calls.
    """

    def __init__(self, glue_context: Any = None) -> None:
        self.glue_context = glue_context
        self.init_calls: list[tuple[str, dict[str, Any]]] = []
        self.commits = 0
        self.init = mock.MagicMock(name="job.init", side_effect=self._init)
        self.commit = mock.MagicMock(name="job.commit", side_effect=self._commit)

    def _init(self, job_name: str, args: Any = None) -> None:
        self.init_calls.append((job_name, dict(args or {})))

    def _commit(self) -> None:
        self.commits += 1

    @property
    def committed(self) -> bool:
        """Whether `commit()` was called at least once."""
        return self.commits > 0

    def __repr__(self) -> str:
        return f"<MockJob init_calls={len(self.init_calls)} commits={self.commits}>"
