"""gluelake.testing: the fixtures, matchers, argument builders, S3 helpers and the stub awsglue,
used as a job's tests use them; one end-to-end run of the plugin in a fresh pytest process."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator
from unittest import mock

import pytest

from gluelake.arguments import JobArgumentError, SnapshotTable
from gluelake.testing import (
    DataFrameMatcher,
    DynamicFrameMatcher,
    JobArgumentsFactory,
    MockGlueContext,
    MockJob,
    awsglue_stub,
    create_bucket,
    fake_aws_environment,
    list_keys,
    put_objects,
    run_script,
    table_reader_arguments,
    table_writer_arguments,
)

pytest_plugins = ["pytester"]  # the kit's plugin: `-p gluelake.testing.plugin`, or its pytest11 entry point

SRC = Path(__file__).resolve().parents[1] / "src"


def plugin_args() -> list[str]:
    """`-p gluelake.testing.plugin` for a nested pytest, unless an installed entry point loads it."""
    from importlib.metadata import entry_points

    if any(ep.value == "gluelake.testing.plugin" for ep in entry_points(group="pytest11")):
        return []
    return ["-p", "gluelake.testing.plugin"]


# ---------------------------------------------------------------------------------------------
# spark, mock_glue_context, mock_job
# ---------------------------------------------------------------------------------------------

def test_spark_is_a_cheap_local_session_in_utc(spark: Any) -> None:
    """(Hive tables: in the end-to-end test below, in a fresh process: the metastore is slow to start.)"""
    assert spark.sparkContext.master.startswith("local")
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.conf.get("spark.sql.shuffle.partitions") == "1"
    assert spark.conf.get("spark.ui.enabled") == "false"
    assert os.environ["PYSPARK_PYTHON"]
    assert spark.createDataFrame([(1, "a")], "id int, v string") == DataFrameMatcher([{"id": 1, "v": "a"}])


def test_mock_glue_context_has_the_real_session_a_recording_logger_and_mocked_sources_and_sinks(
        spark: Any, mock_glue_context: MockGlueContext) -> None:
    assert mock_glue_context.spark_session is spark
    source = spark.createDataFrame([(1, "a"), (2, "b")], "id int, v string")
    mock_glue_context.create_dynamic_frame.from_catalog.return_value = awsglue_stub.DynamicFrame.fromDF(source)

    # what a job does: read a source, log, write a sink
    frame = mock_glue_context.create_dynamic_frame.from_catalog(database="db", table_name="t")
    kept = frame.toDF().where("id > 1")
    mock_glue_context.get_logger().info(f"kept {kept.count()} row(s)")
    mock_glue_context.write_dynamic_frame.from_options(
        frame=awsglue_stub.DynamicFrame.fromDF(kept), connection_type="s3",
        connection_options={"path": "s3://b/p/"}, format="parquet")

    mock_glue_context.create_dynamic_frame.from_catalog.assert_called_once_with(database="db", table_name="t")
    mock_glue_context.write_dynamic_frame.from_options.assert_called_once_with(
        frame=DynamicFrameMatcher([{"id": 2, "v": "b"}]), connection_type="s3",
        connection_options={"path": "s3://b/p/"}, format="parquet")
    assert mock_glue_context.get_logger().messages == ["kept 1 row(s)"]
    assert mock_glue_context.get_logger().of("info") == ["kept 1 row(s)"]
    mock_glue_context.purge_s3_path.assert_not_called()
    mock_glue_context.getSink.assert_not_called()


def test_mock_job_records_init_and_commit(mock_job: MockJob) -> None:
    mock_job.init("job", {"--x": "1"})
    assert not mock_job.committed
    mock_job.commit()
    assert mock_job.init_calls == [("job", {"--x": "1"})] and mock_job.commits == 1
    mock_job.commit.assert_called_once_with()


# ---------------------------------------------------------------------------------------------
# Matchers
# ---------------------------------------------------------------------------------------------

def test_a_matcher_mismatch_says_which_rows_differ_in_the_assertion_error(spark: Any) -> None:
    sink = mock.MagicMock(name="sink")
    sink(frame=spark.createDataFrame([(1, "a"), (2, "B"), (3, "c")], "id int, v string"))
    with pytest.raises(AssertionError) as raised:
        sink.assert_called_once_with(frame=DataFrameMatcher([{"id": 1, "v": "a"}, {"id": 2, "v": "b"}]))
    message = str(raised.value)
    assert ("--- mismatch with the last frame compared ---\n"
            "expected 2 row(s), received 3; 1 expected row(s) not received, 2 received row(s) not expected\n"
            "missing (expected, not received):\n"
            "  {'id': 2, 'v': 'b'}\n"
            "unexpected (received, not expected):\n"
            "  {'id': 2, 'v': 'B'}\n"
            "  {'id': 3, 'v': 'c'}") in message
    assert "DataFrameMatcher([{'id': 1, 'v': 'a'}, {'id': 2, 'v': 'b'}], ordered=False)" in message


@pytest.mark.parametrize("matcher, expected", [
    (DataFrameMatcher([{"id": 2, "v": "b"}, {"id": 1, "v": "a"}], ordered=True),
     "row 0 differs:\n  expected {'id': 2, 'v': 'b'}\n  received {'id': 1, 'v': 'a'}"),
    (DataFrameMatcher([{"id": 1, "v": "a"}], ordered=True),
     "expected 1 row(s), received 2"),
    (DataFrameMatcher([{"id": 1}, {"id": 2}]),
     "columns differ: expected ['id'], received ['id', 'v'] (missing [], unexpected ['v'])"),
    (DataFrameMatcher([(1, "a"), (1, "a")], columns=["v", "id"]),  # tuples in the order of `columns`
     "expected 2 row(s), received 2; 2 expected row(s) not received, 2 received row(s) not expected\n"
     "missing (expected, not received):\n  {'v': 1, 'id': 'a'}\n  {'v': 1, 'id': 'a'}\n"
     "unexpected (received, not expected):\n  {'v': 'a', 'id': 1}\n  {'v': 'b', 'id': 2}"),
])
def test_matcher_mismatch_explanations(spark: Any, matcher: DataFrameMatcher, expected: str) -> None:
    frame = spark.createDataFrame([(1, "a"), (2, "b")], "id int, v string")
    assert matcher != frame
    assert matcher.mismatch == expected


def test_matchers_accept_dicts_rows_tuples_and_approx_in_any_order(spark: Any) -> None:
    from pyspark.sql import Row

    frame = spark.createDataFrame([(2, "b", 0.30000000000000004), (1, "a", 1.0)], "id int, v string, x double")
    assert frame == DataFrameMatcher([{"id": 1, "v": "a", "x": 1.0}, {"id": 2, "v": "b", "x": pytest.approx(0.3)}])
    assert frame == DataFrameMatcher([Row(id=1, v="a", x=1.0), Row(id=2, v="b", x=pytest.approx(0.3))])
    assert frame != DataFrameMatcher([("a", 1), ("b", 2)], columns=["v", "id"])  # x is not expected
    assert frame.select("v", "id") == DataFrameMatcher([("a", 1), ("b", 2)], columns=["v", "id"])
    assert frame.select("id") == DataFrameMatcher([(2,), (1,)], ordered=True)
    assert DataFrameMatcher([]) == spark.createDataFrame([], "id int")


def test_matchers_refuse_what_is_not_a_frame() -> None:
    matcher = DynamicFrameMatcher([{"id": 1}])
    assert matcher != "not a frame"
    assert matcher.mismatch == "received str 'not a frame', not a DynamicFrame (no toDF())"
    data_matcher = DataFrameMatcher([{"id": 1}])
    assert data_matcher != None  # noqa: E711 (what a mock compares)
    assert data_matcher.mismatch == "received NoneType None, not a DataFrame"
    with pytest.raises(ValueError, match=r"the expected rows have different columns: \['id'\] and \['id', 'v'\]"):
        DataFrameMatcher([{"id": 1}, {"id": 2, "v": "b"}])


def test_assert_on_a_matcher_explains_the_difference(pytester: pytest.Pytester) -> None:
    """pytest's own `assert matcher == frame` message (the plugin's assertrepr hook), in-process."""
    pytester.makepyfile(test_explain="""
        from gluelake.testing import DataFrameMatcher

        class Frame:
            columns = ["id"]
            def collect(self):
                return [(1,)]

        def test_explained():
            assert DataFrameMatcher([(2,)]) == Frame()
    """)
    result = pytester.runpytest(*plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*DataFrameMatcher does not match the frame:*", "*missing (expected, not received):*",
                                 "*  {'id': 2}*", "*unexpected (received, not expected):*", "*  {'id': 1}*"])


# ---------------------------------------------------------------------------------------------
# job_arguments, job_context
# ---------------------------------------------------------------------------------------------

def test_binding_arguments_are_named_as_the_constructs_name_them() -> None:
    assert table_writer_arguments("customers", database="sales_silver", path="s3://silver/customers/",
                                  primary_key=["customer_id", "country"], effective_date_column="updated_at",
                                  current_view="customers_current") == {
        "--output_customers_database": "sales_silver",
        "--output_customers_table": "customers",
        "--output_customers_path": "s3://silver/customers/",
        "--output_customers_partition_key": "snapshot",
        "--output_customers_granularity": "MONTH",
        "--output_customers_partition_format": "%Y-%m",
        "--output_customers_current_view": "customers_current",
        "--output_customers_primary_key": "customer_id,country",
        "--output_customers_effective_date_column": "updated_at",
        "--output_customers_compression": "zstd",
        "--output_customers_period_basis": "LOAD_TIME",
        "--output_customers_close_periods": "false",
        "--output_customers_superseded_retention_minutes": "360",
    }
    assert table_reader_arguments("customers", database="s", path="s3://s/c/", granularity="HOUR") == {
        "--input_customers_database": "s", "--input_customers_table": "customers",
        "--input_customers_path": "s3://s/c/",
        "--input_customers_partition_key": "snapshot", "--input_customers_granularity": "HOUR",
        "--input_customers_partition_format": "%Y-%m-%d-%H"}
    factory = JobArgumentsFactory()
    assert factory.layer("raw-events", path="s3://r/", database="raw") == {
        "--input_raw_events_path": "s3://r/", "--input_raw_events_database": "raw"}
    assert factory.layer("gold", path="s3://g/", database="gold", output=True, argument_name="target") == {
        "--target_path": "s3://g/", "--target_database": "gold"}
    assert factory.tokenizer(function_name="tok", detokenize_function_name="detok") == {
        "--pii_tokenizer_function": "tok", "--pii_tokenizer_detokenize_function": "detok"}


def test_job_arguments_builds_the_parsed_arguments(job_arguments: JobArgumentsFactory) -> None:
    args = job_arguments(
        job_arguments.layer("bronze", path="s3://bronze/", database="lake_bronze"),
        job_arguments.table_writer("customers", database="sales_silver", path="s3://silver/customers/",
                                   primary_key="customer_id", effective_date_column="updated_at"),
        job_arguments.tokenizer(function_name="lake-pii-tokenize"),
        env="dev", partition="2026-11")
    assert args.job_name == "test-job" and args.env == "dev"
    assert args.location("input_bronze").path == "s3://bronze/"
    table = args.table("output_customers")
    assert isinstance(table, SnapshotTable) and table.writable and table.primary_key == ("customer_id",)
    assert args.tokenizer().function_name == "lake-pii-tokenize"
    assert args.partition() == "2026-11"
    assert job_arguments({"JOB_NAME": "other"}).job_name == "other"
    assert job_arguments.argv({"--env": "dev"}, script="job.py") == ["job.py", "--env", "dev", "--JOB_NAME", "test-job"]
    with pytest.raises(JobArgumentError):
        job_arguments({"--input_x_path": "s3://no-trailing-slash", "--input_x_database": "db"})


def test_job_context_gives_a_context_on_the_real_session_and_the_mocks(
        job_context: Callable[..., Any], spark: Any, mock_glue_context: MockGlueContext, mock_job: MockJob) -> None:
    at = datetime(2026, 11, 30, 23, 59, tzinfo=timezone.utc)
    ctx = job_context({"--env": "prod"}, started_at=at)
    assert (ctx.args.env, ctx.spark, ctx.glue_context, ctx.job, ctx.started_at) == (
        "prod", spark, mock_glue_context, mock_job, at)
    assert ctx.logger.name == "gluelake.job"
    now = job_context().started_at
    assert now.tzinfo == timezone.utc and abs((datetime.now(timezone.utc) - now).total_seconds()) < 3600
    with pytest.raises(ValueError, match="expected an aware datetime"):
        job_context(started_at=datetime(2026, 1, 1))


def test_run_job_runs_main_on_the_mocks_and_commits(spark: Any, mock_glue_context: MockGlueContext,
                                                    mock_job: MockJob, job_arguments: JobArgumentsFactory) -> None:
    from gluelake.job import run_job

    seen: list[Any] = []
    run_job(lambda ctx: seen.append(ctx.args.require("threshold")), job_arguments.argv({"threshold": "3"}),
            glue_context=mock_glue_context, job=mock_job)
    assert seen == ["3"]
    assert mock_job.init_calls == [("test-job", {"threshold": "3", "JOB_NAME": "test-job"})]
    assert mock_job.commits == 1


# ---------------------------------------------------------------------------------------------
# s3
# ---------------------------------------------------------------------------------------------

def test_s3_is_moto_with_fake_credentials(s3: Any) -> None:
    # moto puts its own fake keys in the environment while it is active; no profile can reach an account
    assert "AWS_PROFILE" not in os.environ and s3.meta.region_name == "eu-west-1"
    create_bucket(s3, "lake", {"silver/customers/snapshot=2026-11/part-0.parquet": b"x", "silver/_SUCCESS": ""})
    assert put_objects(s3, "lake", {"gold/a.json": "{}"}) == ["s3://lake/gold/a.json"]
    assert list_keys(s3, "lake", "silver/") == ["silver/_SUCCESS", "silver/customers/snapshot=2026-11/part-0.parquet"]
    assert s3.get_bucket_location(Bucket="lake")["LocationConstraint"] == "eu-west-1"


def test_s3_bucket_is_an_empty_bucket(s3: Any, s3_bucket: str) -> None:
    assert s3_bucket == "gluelake-test-bucket" and list_keys(s3, s3_bucket) == []


def test_fake_aws_environment_restores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "real-profile")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    with fake_aws_environment():
        assert os.environ["AWS_ACCESS_KEY_ID"] == "testing" and "AWS_PROFILE" not in os.environ
    assert os.environ["AWS_PROFILE"] == "real-profile" and "AWS_ACCESS_KEY_ID" not in os.environ


# ---------------------------------------------------------------------------------------------
# The stub awsglue
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def awsglue_modules() -> Iterator[None]:
    """Restores the `awsglue` modules of `sys.modules` after the test."""
    saved = {name: sys.modules[name] for name in list(sys.modules) if name.split(".")[0] == "awsglue"}
    yield
    for name in [n for n in sys.modules if n.split(".")[0] == "awsglue"]:
        del sys.modules[name]
    sys.modules.update(saved)


def test_the_plugin_installed_the_stub_awsglue_for_job_scripts(spark: Any) -> None:
    from awsglue.context import GlueContext
    from awsglue.dynamicframe import DynamicFrame
    from awsglue.job import Job
    exec("from awsglue.transforms import *", {})  # what job scripts do at their top
    from awsglue.utils import GlueArgumentError, getResolvedOptions

    assert awsglue_stub.is_installed()
    assert getResolvedOptions(["job.py", "--JOB_NAME", "j", "--day=2026-11-30"], ["JOB_NAME", "day", "TempDir"]) == {
        "JOB_NAME": "j", "day": "2026-11-30", "TempDir": None, "RedshiftTempDir": None}
    with pytest.raises(GlueArgumentError, match="^the following arguments are required: --day, --env$"):
        getResolvedOptions(["job.py", "--JOB_NAME", "j"], ["JOB_NAME", "day", "env"])
    glue_context = GlueContext(spark.sparkContext)
    assert isinstance(glue_context, MockGlueContext) and glue_context.spark_session is spark
    df = spark.createDataFrame([(1,)], "id int")
    assert DynamicFrame.fromDF(df, glue_context, "x").toDF() is df
    assert DynamicFrame.fromDF(df, glue_context, "x").count() == 1
    job = Job(glue_context)
    assert awsglue_stub.JOBS[-1] is job


def test_the_stub_gives_way_to_a_real_awsglue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             awsglue_modules: None) -> None:
    awsglue_stub.uninstall()
    assert "awsglue" not in sys.modules
    (tmp_path / "awsglue").mkdir()
    (tmp_path / "awsglue" / "__init__.py").write_text("REAL = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert awsglue_stub.is_real_awsglue_importable()
    assert awsglue_stub.install() is False and "awsglue" not in sys.modules
    assert awsglue_stub.install(force=True) is True and awsglue_stub.is_installed()


def test_the_stub_is_an_import_hook_that_a_none_in_sys_modules_hides(monkeypatch: pytest.MonkeyPatch,
                                                                      awsglue_modules: None) -> None:
    for name in [n for n in sys.modules if n.split(".")[0] == "awsglue"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "awsglue", None)  # how a test says "not on Glue"
    with pytest.raises(ImportError):
        importlib.import_module("awsglue.context")
    monkeypatch.delitem(sys.modules, "awsglue")
    from awsglue.context import GlueContext as Stub

    assert Stub is awsglue_stub.GlueContext


def test_run_script_runs_a_job_script_as_glue_does(tmp_path: Path, spark: Any) -> None:
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent("""
        from gluelake.job import run_job

        def main(ctx):
            frame = ctx.glue_context.create_dynamic_frame.from_catalog(database="db", table_name="t")
            ctx.glue_context.write_dynamic_frame.from_options(frame=frame, connection_type="s3",
                connection_options={"path": ctx.args.location("output_gold").path}, format="parquet")

        if __name__ == "__main__":
            run_job(main)
    """))
    job = run_script(script, {"output_gold_path": "s3://gold/", "output_gold_database": "gold"})
    assert job.init_calls[0][0] == "test-job" and job.commits == 1
    job.glue_context.write_dynamic_frame.from_options.assert_called_once_with(
        frame=mock.ANY, connection_type="s3", connection_options={"path": "s3://gold/"}, format="parquet")


def test_importing_the_kit_needs_neither_pyspark_nor_moto() -> None:
    code = ("import sys\n"
            "for name in ('pyspark', 'moto', 'boto3', 'botocore', 'awsglue'): sys.modules[name] = None\n"
            "import gluelake.testing, gluelake.testing.plugin, gluelake.tokenize\n"
            "print('imported')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(SRC)})
    assert (result.returncode, result.stdout.strip()) == (0, "imported"), result.stderr


# ---------------------------------------------------------------------------------------------
# End to end: the plugin in a fresh pytest process
# ---------------------------------------------------------------------------------------------

def test_the_plugin_end_to_end_in_a_fresh_pytest_process(pytester: pytest.Pytester,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])))
    pytester.makeini("""
        [pytest]
        gluelake_spark_conf =
            spark.sql.shuffle.partitions=2
    """)
    pytester.makeconftest("""
        import pytest

        @pytest.fixture(scope="session")
        def plain_spark():
            from pyspark.sql import SparkSession
            return SparkSession.builder.master("local[1]").getOrCreate()
    """)
    pytester.makepyfile(test_job="""
        from awsglue.dynamicframe import DynamicFrame
        from gluelake.testing import DynamicFrameMatcher

        def main(ctx):
            gc = ctx.glue_context
            orders = gc.create_dynamic_frame.from_catalog(database="bronze", table_name="orders").toDF()
            gc.write_dynamic_frame.from_options(frame=DynamicFrame.fromDF(orders.where("amount > 10"), gc, "big"),
                                                connection_type="s3", format="parquet",
                                                connection_options={"path": ctx.args.location("output_silver").path})
            ctx.job.commit()

        def run(job_context, job_arguments, spark, rows):
            ctx = job_context(job_arguments.layer("silver", path="s3://silver/", database="s", output=True))
            source = spark.createDataFrame(rows, "id int, amount int")
            ctx.glue_context.create_dynamic_frame.from_catalog.return_value = DynamicFrame.fromDF(source, None)
            main(ctx)
            return ctx

        def test_a_plain_session_asked_for_first(plain_spark):
            # the kit's session exists already: the first session of a process decides Hive support
            assert plain_spark.conf.get("spark.sql.catalogImplementation") == "hive"

        def test_hive_session(spark):
            assert spark.conf.get("spark.sql.catalogImplementation") == "hive"
            assert spark.conf.get("spark.sql.shuffle.partitions") == "2"
            spark.sql("CREATE DATABASE IF NOT EXISTS bronze")
            spark.sql("CREATE TABLE bronze.orders (id int, amount int) STORED AS PARQUET")
            assert spark.table("bronze.orders").columns == ["id", "amount"]

        def test_main_passes(job_context, job_arguments, spark):
            ctx = run(job_context, job_arguments, spark, [(1, 5), (2, 50)])
            ctx.glue_context.write_dynamic_frame.from_options.assert_called_once_with(
                frame=DynamicFrameMatcher([{"id": 2, "amount": 50}]), connection_type="s3", format="parquet",
                connection_options={"path": "s3://silver/"})
            ctx.job.commit.assert_called_once_with()

        def test_main_mismatch(job_context, job_arguments, spark):
            ctx = run(job_context, job_arguments, spark, [(1, 5), (2, 50), (3, 70)])
            ctx.glue_context.write_dynamic_frame.from_options.assert_called_once_with(
                frame=DynamicFrameMatcher([{"id": 2, "amount": 50}]), connection_type="s3", format="parquet",
                connection_options={"path": "s3://silver/"})
    """)
    result = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider", timeout=600)
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines([
        "*AssertionError: expected call not found.*",
        "*unexpected (received, not expected):*",
        "*{'id': 3, 'amount': 70}*",
    ])


def test_job_context_logs_the_job_s_info_lines_as_run_job_does(job_context: Any, caplog: pytest.LogCaptureFixture,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import logging

    monkeypatch.setattr(logging.getLogger("gluelake.job"), "level", logging.NOTSET)
    ctx = job_context()
    ctx.logger.info("nothing to do")
    assert [r.getMessage() for r in caplog.records if r.name == "gluelake.job"] == ["nothing to do"]
