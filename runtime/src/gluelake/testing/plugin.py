"""The pytest plugin of `gluelake.testing` (entry point `pytest11: gluelake`; in a source tree
load it with `-p gluelake.testing.plugin`).

Fixtures:

- `spark` (session): a local SparkSession (`local[1]`, no UI, one shuffle partition, UTC) with
  Hive support on a Derby metastore in a temporary folder;
- `mock_glue_context`: a `MockGlueContext` on `spark` (Glue-only methods are MagicMocks);
- `mock_job`: a `MockJob` (records `init` and `commit`);
- `job_arguments`: a `JobArgumentsFactory` (call it for a `JobArguments`);
- `job_context`: a factory of `gluelake.job.JobContext` on the above;
- `aws_credentials`: fake credentials and the Region `eu-west-1` in the environment;
- `s3`: a boto3 S3 client on moto (`mock_aws`); `s3_bucket`: a bucket created in it.

ini options: `gluelake_spark_hive` (default true), `gluelake_spark_conf` (lines `key=value`),
`gluelake_awsglue_stub` (`auto`: install the stub `awsglue` when none is importable; `always`;
`never`).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

import pytest

from gluelake.testing import awsglue_stub
from gluelake.testing.args import JobArgumentsFactory
from gluelake.testing.glue import MockGlueContext, MockJob
from gluelake.testing.matchers import DataFrameMatcher

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from gluelake.job import JobContext

STUB_MODES = ("auto", "always", "never")
TEST_BUCKET = "gluelake-test-bucket"


def pytest_addoption(parser: pytest.Parser) -> None:
    """The plugin's ini options."""
    parser.addini("gluelake_spark_hive", "gluelake: Hive support (Derby metastore) in the spark fixture",
                  type="bool", default=True)
    parser.addini("gluelake_spark_conf", "gluelake: extra Spark settings of the spark fixture, one key=value a line",
                  type="linelist", default=[])
    parser.addini("gluelake_awsglue_stub", "gluelake: install the stub awsglue: auto (when none is importable), "
                  "always, never", default="auto")


def pytest_configure(config: pytest.Config) -> None:
    """Installs the stub `awsglue` (before collection, so test modules can import job scripts)."""
    mode = str(config.getini("gluelake_awsglue_stub") or "auto").strip().lower()
    if mode not in STUB_MODES:
        raise pytest.UsageError(f"gluelake_awsglue_stub: received {mode!r}; expected one of {', '.join(STUB_MODES)}")
    if mode != "never":
        awsglue_stub.install(force=mode == "always")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


def pytest_assertrepr_compare(op: str, left: Any, right: Any) -> list[str] | None:
    """`assert matcher == frame` explains the difference."""
    if op != "==":
        return None
    matcher, frame = (left, right) if isinstance(left, DataFrameMatcher) else (right, left)
    if not isinstance(matcher, DataFrameMatcher):
        return None
    explanation = matcher.explain(frame)
    if explanation is None:
        return None
    return [f"{type(matcher).__name__} does not match the frame:", *explanation.splitlines()]


def _spark_conf(config: pytest.Config) -> dict[str, str]:
    conf: dict[str, str] = {}
    for line in config.getini("gluelake_spark_conf"):
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise pytest.UsageError(f"gluelake_spark_conf: received {line!r}; expected key=value")
        conf[key.strip()] = value.strip()
    return conf


_KIT_SESSION = pytest.StashKey[dict]()


def _kit_session(config: pytest.Config) -> SparkSession:
    """The kit's session of this pytest run: created once, with the run's settings, and owned (stopped
    at the end) only when no session existed before."""
    state = config.stash.setdefault(_KIT_SESSION, {})
    if "session" not in state:
        from pyspark.sql import SparkSession

        from gluelake.testing.spark import create_spark_session

        existing = SparkSession.getActiveSession()
        if existing is not None:
            state.update(session=existing, owned=False)
        else:
            home = tempfile.mkdtemp(prefix="gluelake-spark-")
            state.update(home=home, owned=True, session=create_spark_session(
                home, hive=bool(config.getini("gluelake_spark_hive")), conf=_spark_conf(config)))
    return state["session"]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Creates the kit's session before any test runs when a collected test uses `spark`: the first
    session of a process decides the static settings (Hive support), whatever fixture asks later."""
    if any("spark" in getattr(item, "fixturenames", ()) for item in session.items):
        _kit_session(session.config)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stops the kit's session (when it created it) and removes its folder."""
    state = config.stash.get(_KIT_SESSION, {})
    if state.get("owned"):
        state["session"].stop()
        shutil.rmtree(state["home"], ignore_errors=True)
    state.clear()


@pytest.fixture(scope="session")
def spark(request: pytest.FixtureRequest) -> SparkSession:
    """A local SparkSession for the whole run (`local[1]`, no UI, one shuffle partition, UTC, Hive
    support on a Derby metastore in a temporary folder), stopped at the end of the run."""
    return _kit_session(request.config)


@pytest.fixture
def mock_glue_context(spark: SparkSession) -> MockGlueContext:
    """A GlueContext whose `spark_session` is the real session and whose Glue-only methods are mocks."""
    return MockGlueContext(spark)


@pytest.fixture
def mock_job(mock_glue_context: MockGlueContext) -> MockJob:
    """A Job that records `init` and `commit`."""
    return MockJob(mock_glue_context)


@pytest.fixture
def job_arguments() -> JobArgumentsFactory:
    """Builds `JobArguments` (`job_arguments({...}, env="dev")`) and argument mappings of bindings
    (`job_arguments.layer(...)`, `.table_reader(...)`, `.table_writer(...)`, `.tokenizer(...)`)."""
    return JobArgumentsFactory()


@pytest.fixture
def job_context(spark: SparkSession, mock_glue_context: MockGlueContext, mock_job: MockJob,
                job_arguments: JobArgumentsFactory) -> Callable[..., JobContext]:
    """A factory of `gluelake.job.JobContext`: `job_context(args=None, *, started_at=None, **values)`.

    `args` is a `JobArguments` or a mapping of arguments (merged with `values`); `started_at`
    (aware) defaults to now in UTC. The context has the real session, `mock_glue_context`,
    `mock_job` and the logger `gluelake.job`.
    """
    from gluelake.arguments import JobArguments
    from gluelake.job import JobContext

    def make(args: JobArguments | Mapping[str, Any] | None = None, *, started_at: datetime | None = None,
             **values: Any) -> JobContext:
        if not isinstance(args, JobArguments):
            args = job_arguments(args, **values)
        elif values:
            raise TypeError("job_context: give either a JobArguments or argument values, not both")
        moment = started_at or datetime.now(timezone.utc)
        if moment.tzinfo is None:
            raise ValueError(f"job_context: received started_at={moment!r}; expected an aware datetime (UTC)")
        logger = logging.getLogger("gluelake.job")
        if logger.level == logging.NOTSET:  # INFO, as run_job sets it on Glue: a test sees the job's lines
            logger.setLevel(logging.INFO)
        return JobContext(args=args, spark=spark, glue_context=mock_glue_context, job=mock_job,
                          logger=logger, started_at=moment.astimezone(timezone.utc))

    return make


@pytest.fixture
def aws_credentials() -> Iterator[None]:
    """Fake AWS credentials and the Region `eu-west-1` in the environment, restored after the test."""
    from gluelake.testing.s3 import fake_aws_environment

    with fake_aws_environment():
        yield


@pytest.fixture
def s3() -> Iterator[Any]:
    """A boto3 S3 client on moto (`mock_aws`, fake credentials, `eu-west-1`); every AWS call of the
    test goes to moto. Needs moto (`pip install cdk-glue-lake-runtime[testing]`)."""
    from gluelake.testing.s3 import mock_s3

    with mock_s3() as client:
        yield client


@pytest.fixture
def s3_bucket(s3: Any) -> str:
    """The name of an empty bucket created on moto (`gluelake-test-bucket`)."""
    from gluelake.testing.s3 import create_bucket

    return create_bucket(s3, TEST_BUCKET)
