"""The job skeleton on a real local SparkSession, with fake GlueContext and Job objects."""

from __future__ import annotations

import importlib.util
import logging
import runpy
import sys
import types
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest

from gluelake.arguments import JobArguments, Location
from gluelake.job import JobContext, run_job

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ARGV = [
    "/tmp/customers.py",
    "--JOB_NAME", "customers",
    "--JOB_RUN_ID", "jr_0123",
    "--job-bookmark-option", "job-bookmark-enable",
    "--TempDir", "s3://lake-temp/customers/",
    "--env", "prod",
    "--input_bronze_path", "s3://lake-bronze/crm/",
    "--input_bronze_database", "bronze",
    "--api_token", "s3cr3t-value",
]
RAW = {
    "JOB_NAME": "customers", "JOB_RUN_ID": "jr_0123", "job-bookmark-option": "job-bookmark-enable",
    "TempDir": "s3://lake-temp/customers/", "env": "prod", "input_bronze_path": "s3://lake-bronze/crm/",
    "input_bronze_database": "bronze", "api_token": "s3cr3t-value",
}
INIT_ARGS = {**RAW, "job_bookmark_option": "job-bookmark-enable"}
"""What Job.init receives: the raw arguments and getResolvedOptions' name of the bookmark option."""
TZ = "spark.sql.session.timeZone"


@pytest.fixture
def spark(job_spark: SparkSession) -> Iterator[SparkSession]:
    """The shared session with a non-UTC time zone, restored afterwards."""
    previous = job_spark.conf.get(TZ)
    job_spark.conf.set(TZ, "America/New_York")
    yield job_spark
    job_spark.conf.set(TZ, previous)


@pytest.fixture
def glue(spark: SparkSession) -> mock.Mock:
    """A fake GlueContext whose spark_session is the real session."""
    return mock.Mock(name="GlueContext", spark_session=spark)


@pytest.fixture
def job() -> mock.Mock:
    return mock.Mock(name="Job")


@pytest.fixture
def fake_awsglue(monkeypatch: pytest.MonkeyPatch, glue: mock.Mock) -> types.SimpleNamespace:
    """An importable fake `awsglue` whose GlueContext and Job classes are mocks."""
    glue_context_class = mock.Mock(name="GlueContextClass", return_value=glue)
    job_class = mock.Mock(name="JobClass")
    package = types.ModuleType("awsglue")
    package.__path__ = []  # a package, so that its submodules import
    context = types.ModuleType("awsglue.context")
    context.GlueContext = glue_context_class  # type: ignore[attr-defined]
    job_module = types.ModuleType("awsglue.job")
    job_module.Job = job_class  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "awsglue", package)
    monkeypatch.setitem(sys.modules, "awsglue.context", context)
    monkeypatch.setitem(sys.modules, "awsglue.job", job_module)
    return types.SimpleNamespace(GlueContext=glue_context_class, Job=job_class)


def test_main_receives_the_context_and_commit_follows_once(
        spark: SparkSession, glue: mock.Mock, job: mock.Mock) -> None:
    seen: list[JobContext] = []

    def main(ctx: JobContext) -> None:
        job.init.assert_called_once()
        job.commit.assert_not_called()
        seen.append(ctx)

    run_job(main, ARGV, glue_context=glue, job=job)

    assert len(seen) == 1
    ctx = seen[0]
    assert ctx.args == JobArguments.from_argv(ARGV)
    assert ctx.args.location("input_bronze") == Location("input_bronze", "s3://lake-bronze/crm/", "bronze")
    assert ctx.spark is spark
    assert ctx.glue_context is glue
    assert ctx.job is job
    assert ctx.logger.name == "gluelake.job"
    job.commit.assert_called_once_with()


def test_job_init_receives_the_job_name_and_every_raw_argument(glue: mock.Mock, job: mock.Mock) -> None:
    run_job(lambda ctx: None, ARGV, glue_context=glue, job=job)
    job.init.assert_called_once_with("customers", INIT_ARGS)
    assert type(job.init.call_args.args[1]) is dict


def test_job_init_also_receives_the_bookmark_keys_as_get_resolved_options_names_them(
        glue: mock.Mock, job: mock.Mock) -> None:
    argv = ["j.py", "--JOB_NAME", "j", "--job-bookmark-option", "job-bookmark-pause", "--job-bookmark-from", "jr_1",
            "--job-bookmark-to", "jr_2", "--encryption-type", "sse-s3"]
    run_job(lambda ctx: None, argv, glue_context=glue, job=job)
    job.init.assert_called_once_with("j", {
        "JOB_NAME": "j", "job-bookmark-option": "job-bookmark-pause", "job-bookmark-from": "jr_1",
        "job-bookmark-to": "jr_2", "encryption-type": "sse-s3", "job_bookmark_option": "job-bookmark-pause",
        "job_bookmark_from": "jr_1", "job_bookmark_to": "jr_2", "encryption_type": "sse-s3",
    })


def test_a_local_run_without_job_name_inits_with_an_empty_name(glue: mock.Mock, job: mock.Mock) -> None:
    run_job(lambda ctx: None, ["local.py", "--partition", "2024-01"], glue_context=glue, job=job)
    job.init.assert_called_once_with("", {"partition": "2024-01"})
    job.commit.assert_called_once_with()


@pytest.mark.parametrize("error", [ValueError("bad data"), KeyboardInterrupt(), SystemExit(1)],
                         ids=["exception", "interrupt", "exit"])
def test_a_failing_main_is_reraised_and_never_committed(
        glue: mock.Mock, job: mock.Mock, error: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    def main(ctx: JobContext) -> None:
        raise error

    with caplog.at_level(logging.INFO, logger="gluelake.job"), pytest.raises(type(error)) as raised:
        run_job(main, ARGV, glue_context=glue, job=job)

    assert raised.value is error
    job.commit.assert_not_called()
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 1
    assert failures[0].getMessage().startswith("Job customers failed after ")
    assert failures[0].getMessage().endswith(" s; not committed")
    assert failures[0].exc_info is not None and failures[0].exc_info[1] is error


def test_the_session_time_zone_is_utc_during_main(spark: SparkSession, glue: mock.Mock, job: mock.Mock) -> None:
    assert spark.conf.get(TZ) == "America/New_York"
    seen: dict[str, Any] = {}

    def main(ctx: JobContext) -> None:
        seen["zone"] = ctx.spark.conf.get(TZ)
        # 2024-03-01 00:00 read in the session time zone: 1709251200 only in UTC (New York is 5 hours behind).
        seen["epoch"] = ctx.spark.sql("SELECT CAST(TIMESTAMP '2024-03-01 00:00:00' AS LONG) AS s").first()["s"]

    run_job(main, ARGV, glue_context=glue, job=job)
    assert seen == {"zone": "UTC", "epoch": 1709251200}


def test_started_at_is_aware_utc_and_taken_before_main(glue: mock.Mock, job: mock.Mock) -> None:
    seen: list[datetime] = []
    before = datetime.now(timezone.utc)

    def main(ctx: JobContext) -> None:
        seen.append(datetime.now(timezone.utc))
        assert ctx.started_at <= seen[0]
        seen.append(ctx.started_at)

    run_job(main, ARGV, glue_context=glue, job=job)
    started_at = seen[1]
    assert started_at.tzinfo is timezone.utc
    assert started_at.utcoffset() == timedelta(0)
    assert before <= started_at <= seen[0]


def test_argv_defaults_to_sys_argv(monkeypatch: pytest.MonkeyPatch, glue: mock.Mock, job: mock.Mock) -> None:
    monkeypatch.setattr(sys, "argv", ["job.py", "--JOB_NAME", "from-sys-argv"])
    seen: list[str] = []
    run_job(lambda ctx: seen.append(ctx.args.job_name), glue_context=glue, job=job)
    assert seen == ["from-sys-argv"]
    job.init.assert_called_once_with("from-sys-argv", {"JOB_NAME": "from-sys-argv"})


def test_the_log_names_the_job_and_its_locations_but_no_argument_values(
        glue: mock.Mock, job: mock.Mock, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="gluelake.job"):
        run_job(lambda ctx: None, ARGV, glue_context=glue, job=job)
    messages = [r.getMessage() for r in caplog.records if r.name == "gluelake.job"]
    assert len(messages) == 2
    assert messages[0].startswith("Job customers started at ")
    assert messages[0].endswith(
        "; env prod; locations: input_bronze (bronze at s3://lake-bronze/crm/); tokenizers: none; "
        "other arguments: --api_token")
    assert messages[1].startswith("Job customers succeeded in ")
    assert messages[1].endswith(" s; committed")
    assert "s3cr3t-value" not in caplog.text


def test_an_argument_error_stops_the_run_before_anything_starts(glue: mock.Mock, job: mock.Mock) -> None:
    main = mock.Mock()
    with pytest.raises(ValueError, match=r"^Job argument --input_bronze_path: received 's3://lake-bronze/crm'"):
        run_job(main, ["j.py", "--input_bronze_path", "s3://lake-bronze/crm", "--input_bronze_database", "b"],
                glue_context=glue, job=job)
    main.assert_not_called()
    job.init.assert_not_called()
    job.commit.assert_not_called()


NOT_ON_GLUE = (
    "run_job: the awsglue library cannot be imported: this script is not running on AWS Glue. To run or test a "
    "job elsewhere, call run_job(main, argv, glue_context=..., job=...) with your own GlueContext-like and "
    "Job-like objects (glue_context.spark_session must be a SparkSession), or use the gluelake.testing fixtures "
    "(pip install cdk-glue-lake-runtime[testing]), or call main(ctx) directly."
)


@pytest.mark.parametrize("given", ["nothing", "glue_context only", "job only"])
def test_without_awsglue_and_without_both_objects_run_job_says_it_is_not_on_glue(
        monkeypatch: pytest.MonkeyPatch, glue: mock.Mock, job: mock.Mock, given: str) -> None:
    for name in ("awsglue", "awsglue.context", "awsglue.job"):  # also when a test before imported the stub
        monkeypatch.setitem(sys.modules, name, None)
    main = mock.Mock()
    objects = {"nothing": {}, "glue_context only": {"glue_context": glue}, "job only": {"job": job}}[given]
    with pytest.raises(RuntimeError) as error:
        run_job(main, ARGV, **objects)
    assert str(error.value) == NOT_ON_GLUE
    assert isinstance(error.value.__cause__, ImportError)
    main.assert_not_called()
    job.init.assert_not_called()


def test_on_glue_run_job_builds_glue_context_on_the_spark_context_and_the_job(
        spark: SparkSession, glue: mock.Mock, fake_awsglue: types.SimpleNamespace) -> None:
    seen: list[JobContext] = []
    run_job(seen.append, ARGV)
    fake_awsglue.GlueContext.assert_called_once_with(spark.sparkContext)
    fake_awsglue.Job.assert_called_once_with(glue)
    built_job = fake_awsglue.Job.return_value
    built_job.init.assert_called_once_with("customers", INIT_ARGS)
    built_job.commit.assert_called_once_with()
    assert seen[0].glue_context is glue and seen[0].job is built_job and seen[0].spark is spark


def test_given_objects_are_used_even_where_awsglue_exists(
        glue: mock.Mock, job: mock.Mock, fake_awsglue: types.SimpleNamespace) -> None:
    run_job(lambda ctx: None, ARGV, glue_context=glue, job=job)
    fake_awsglue.GlueContext.assert_not_called()
    fake_awsglue.Job.assert_not_called()
    job.commit.assert_called_once_with()


SCRIPT = '''
from __future__ import annotations

from gluelake.job import JobContext, run_job

CALLS: list[str] = []


def main(ctx: JobContext) -> None:
    CALLS.append(ctx.args.job_name)


if __name__ == "__main__":
    run_job(main)
'''


def test_importing_a_job_script_starts_no_spark_and_builds_no_glue_context(
        tmp_path: Path, fake_awsglue: types.SimpleNamespace) -> None:
    from pyspark import SparkContext

    script = tmp_path / "customers_job.py"
    script.write_text(SCRIPT)
    active = SparkContext._active_spark_context
    spec = importlib.util.spec_from_file_location("customers_job", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    assert callable(module.main)
    assert module.CALLS == []
    assert SparkContext._active_spark_context is active
    fake_awsglue.GlueContext.assert_not_called()
    fake_awsglue.Job.assert_not_called()


def test_running_the_same_script_as_main_runs_the_job(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_awsglue: types.SimpleNamespace) -> None:
    script = tmp_path / "customers_job.py"
    script.write_text(SCRIPT)
    monkeypatch.setattr(sys, "argv", [str(script), "--JOB_NAME", "customers"])
    namespace = runpy.run_path(str(script), run_name="__main__")
    assert namespace["CALLS"] == ["customers"]
    fake_awsglue.GlueContext.assert_called_once()
    fake_awsglue.Job.return_value.commit.assert_called_once_with()


# --- the package ---------------------------------------------------------------------------------------


def test_the_package_re_exports_the_arguments_and_the_skeleton() -> None:
    import gluelake
    import gluelake.arguments as arguments
    import gluelake.job as job_module
    from gluelake._version import __version__

    assert gluelake.__version__ == __version__
    names = ["JobArguments", "Location", "SnapshotTable", "Tokenizer", "JobArgumentError", "get_job_argument",
             "get_job_arguments"]
    assert {n: getattr(gluelake, n) for n in names} == {n: getattr(arguments, n) for n in names}
    assert (gluelake.run_job, gluelake.JobContext) == (job_module.run_job, job_module.JobContext)
    assert sorted(gluelake.__all__) == sorted([*names, "run_job", "JobContext", "__version__"])
    star: dict[str, Any] = {}
    exec("from gluelake import *", star)  # noqa: S102 (the star import a script may write)
    assert {n: star[n] for n in gluelake.__all__} == {n: getattr(gluelake, n) for n in gluelake.__all__}
    with pytest.raises(AttributeError, match="^module 'gluelake' has no attribute 'missing'$"):
        gluelake.missing  # noqa: B018


def test_importing_the_package_imports_no_pyspark_and_no_awsglue() -> None:
    import subprocess

    import gluelake

    src = str(Path(gluelake.__file__).resolve().parents[1])
    code = (
        "import sys, gluelake, gluelake.arguments, gluelake.job; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pyspark', 'py4j', 'awsglue', 'boto3')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False,
                            env={"PYTHONPATH": src, "PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"})
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "[]\n")
