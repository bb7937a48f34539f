"""The job-argument contract: parsing Glue's argv, the typed objects, every error message."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import gluelake.arguments
from gluelake.arguments import (
    GRANULARITIES,
    JobArgumentError,
    JobArguments,
    Location,
    SnapshotTable,
    Tokenizer,
    get_job_argument,
    get_job_arguments,
    parse_argv,
)

SRC = Path(gluelake.arguments.__file__).resolve().parents[1]
"""The folder the tested package is imported from: the command runs the same code."""

SQL_VALUE = (
    "WITH ranked AS (SELECT *, row_number() OVER (PARTITION BY customer_id ORDER BY updated_at DESC) AS rn "
    "FROM incoming) SELECT * FROM ranked WHERE rn = 1 AND deleted = false AND note <> 'a = b'"
)

LAYER = {"--input_bronze_path": "s3://lake-bronze/crm/", "--input_bronze_database": "bronze"}
READER = {
    "--input_customers_path": "s3://lake-silver/customers/",
    "--input_customers_database": "silver",
    "--input_customers_table": "customers",
    "--input_customers_partition_key": "snapshot",
    "--input_customers_granularity": "MONTH",
    "--input_customers_partition_format": "%Y-%m",
    "--input_customers_current_view": "customers_current",
}
WRITER = {
    "--output_customers_path": "s3://lake-silver/customers/",
    "--output_customers_database": "silver",
    "--output_customers_table": "customers",
    "--output_customers_partition_key": "snapshot",
    "--output_customers_granularity": "DAY",
    "--output_customers_partition_format": "%Y-%m-%d",
    "--output_customers_primary_key": "customer_id,country",
    "--output_customers_effective_date_column": "updated_at",
    "--output_customers_compression": "zstd",
    "--output_customers_period_basis": "EFFECTIVE_DATE",
    "--output_customers_close_periods": "false",
    "--output_customers_superseded_retention_minutes": "360",
}
TOKENIZER = {"--pii_tokenizer_function": "lake-tokenize", "--pii_tokenizer_detokenize_function": "lake-detokenize"}
MANAGED = {
    "--JOB_NAME": "customers-snapshot",
    "--JOB_ID": "j_0123",
    "--JOB_RUN_ID": "jr_4567",
    "--job-bookmark-option": "job-bookmark-enable",
    "--TempDir": "s3://lake-temp/jobs/customers/",
    "--env": "prod",
    "--enable-metrics": "",
    "--enable-glue-datacatalog": "true",
    "--continuous-log-logGroup": "/aws-glue/jobs",
    "--custom-logGroup-prefix": "/lake/jobs",
    "--custom-logStream-prefix": "customers",
    "--extra-py-files": "s3://assets/gluelake.zip",
    "--additional-python-modules": "duckdb==1.1.0",
    "--job-language": "python",
}
USER = {"--partition": "2024-03-01", "--batch_size": "500"}
ALL = {**LAYER, **READER, **WRITER, **TOKENIZER, **MANAGED, **USER}


def argv_of(mapping: dict[str, str]) -> list[str]:
    """The argv Glue builds from a map of arguments: the script, then every key and its value."""
    argv = ["/tmp/customers_snapshot.py"]
    for key, value in mapping.items():
        argv += [key, value]
    return argv


# --- parse_argv -------------------------------------------------------------------------------------


def test_parse_argv_reads_glue_argv_keys_without_dashes() -> None:
    argv = [
        "script.py", "--JOB_NAME", "x", "--job-bookmark-option", "job-bookmark-enable",
        "--TempDir", "s3://lake-temp/x/", "--report_sql", SQL_VALUE, "--note", "two words",
    ]
    assert parse_argv(argv) == {
        "JOB_NAME": "x",
        "job-bookmark-option": "job-bookmark-enable",
        "TempDir": "s3://lake-temp/x/",
        "report_sql": SQL_VALUE,
        "note": "two words",
    }


def test_parse_argv_ignores_the_script_name() -> None:
    assert parse_argv(["--looks_like_a_key"]) == {}
    assert parse_argv([]) == {}


def test_parse_argv_accepts_key_equals_value_and_keeps_later_equals_in_the_value() -> None:
    assert parse_argv(["s.py", "--filter=a = b", "--JOB_NAME=x"]) == {"filter": "a = b", "JOB_NAME": "x"}


def test_parse_argv_gives_flags_without_value_an_empty_string() -> None:
    assert parse_argv(["s.py", "--enable-metrics", "--JOB_NAME", "x", "--debug"]) == {
        "enable-metrics": "", "JOB_NAME": "x", "debug": "",
    }


def test_parse_argv_takes_values_that_start_with_a_dash_but_are_not_keys() -> None:
    assert parse_argv(["s.py", "--offset", "-5", "--sep", "--", "--comment", "-- not a key"]) == {
        "offset": "-5", "sep": "--", "comment": "-- not a key",
    }


def test_parse_argv_keeps_the_last_value_of_a_repeated_key() -> None:
    assert parse_argv(["s.py", "--env", "dev", "--env", "prod"]) == {"env": "prod"}


@pytest.mark.parametrize(("argv", "message"), [
    (["s.py", "stray"],
     "Job argument at position 1: received 'stray', expected a key starting with '--' "
     "(arguments come as --key value pairs)"),
    (["s.py", "--a", "1", "2"],
     "Job argument at position 3: received '2', expected a key starting with '--' "
     "(arguments come as --key value pairs)"),
    (["s.py", "-a", "1"],
     "Job argument at position 1: received '-a', expected a key starting with '--' "
     "(arguments come as --key value pairs)"),
])
def test_parse_argv_rejects_tokens_in_a_key_place(argv: list[str], message: str) -> None:
    with pytest.raises(JobArgumentError) as error:
        parse_argv(argv)
    assert str(error.value) == message


# --- get_job_argument(s) ----------------------------------------------------------------------------


def test_get_job_argument_reads_names_with_or_without_dashes() -> None:
    argv = ["s.py", "--JOB_NAME", "x", "--orders_path", "s3://b/orders/"]
    assert get_job_argument("orders_path", argv) == "s3://b/orders/"
    assert get_job_argument("--JOB_NAME", argv) == "x"


def test_get_job_argument_reads_sys_argv_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["s.py", "--JOB_NAME", "from-sys-argv"])
    assert get_job_argument("JOB_NAME") == "from-sys-argv"
    assert get_job_arguments("JOB_NAME") == {"JOB_NAME": "from-sys-argv"}


def test_get_job_argument_missing_names_the_argument_and_what_the_job_has() -> None:
    with pytest.raises(JobArgumentError) as error:
        get_job_argument("--orders_path", ["s.py", "--JOB_NAME", "x", "--env", "dev"])
    assert str(error.value) == (
        "Job argument --orders_path: received no such argument (the job has --JOB_NAME, --env), "
        "expected it in the job's arguments")


def test_get_job_arguments_returns_every_name_without_dashes() -> None:
    argv = ["s.py", "--JOB_NAME", "x", "--a", "1", "--b", "2"]
    assert get_job_arguments("JOB_NAME", "--a", "b", argv=argv) == {"JOB_NAME": "x", "a": "1", "b": "2"}


def test_get_job_arguments_reports_every_missing_name_at_once() -> None:
    with pytest.raises(JobArgumentError) as error:
        get_job_arguments("JOB_NAME", "--a", "b", argv=["s.py", "--JOB_NAME", "x"])
    assert str(error.value) == (
        "Job arguments --a, --b: received no such arguments (the job has --JOB_NAME), "
        "expected them in the job's arguments")


def test_get_job_arguments_missing_from_an_empty_argv_says_none() -> None:
    with pytest.raises(JobArgumentError) as error:
        get_job_arguments("a", argv=["s.py"])
    assert str(error.value) == (
        "Job argument --a: received no such argument (the job has none), expected it in the job's arguments")


def test_job_argument_error_is_a_value_error() -> None:
    assert issubclass(JobArgumentError, ValueError)


# --- JobArguments: every binding ---------------------------------------------------------------------


def test_from_argv_reads_every_binding() -> None:
    args = JobArguments.from_argv(argv_of(ALL))
    assert args.job_name == "customers-snapshot"
    assert args.env == "prod"
    assert args.temp_dir == "s3://lake-temp/jobs/customers/"
    assert dict(args.locations) == {
        "input_bronze": Location(name="input_bronze", path="s3://lake-bronze/crm/", database="bronze"),
        "input_customers": SnapshotTable(
            name="input_customers", path="s3://lake-silver/customers/", database="silver", table="customers",
            partition_key="snapshot", granularity="MONTH", partition_format="%Y-%m",
            current_view="customers_current"),
        "output_customers": SnapshotTable(
            name="output_customers", path="s3://lake-silver/customers/", database="silver", table="customers",
            partition_key="snapshot", granularity="DAY", partition_format="%Y-%m-%d",
            primary_key=("customer_id", "country"), effective_date_column="updated_at", compression="zstd",
            period_basis="EFFECTIVE_DATE", close_periods=False, superseded_retention_minutes=360),
    }
    assert dict(args.tokenizers) == {
        "pii_tokenizer": Tokenizer(name="pii_tokenizer", function_name="lake-tokenize",
                                   detokenize_function_name="lake-detokenize"),
    }
    assert dict(args.extra) == {"partition": "2024-03-01", "batch_size": "500"}
    assert dict(args.raw) == {k[2:]: v for k, v in ALL.items()}


def test_from_mapping_accepts_keys_with_or_without_dashes_and_equals_from_argv() -> None:
    without = {k[2:]: v for k, v in ALL.items()}
    assert JobArguments.from_mapping(without) == JobArguments.from_argv(argv_of(ALL))
    assert JobArguments.from_mapping(ALL) == JobArguments.from_argv(argv_of(ALL))


def test_a_local_run_without_glue_keys_has_an_empty_job_name_and_no_env() -> None:
    args = JobArguments.from_argv(["s.py", *sum(([k, v] for k, v in LAYER.items()), [])])
    assert (args.job_name, args.env, args.temp_dir) == ("", None, None)
    assert dict(args.extra) == {}
    assert dict(args.tokenizers) == {}


def test_glue_and_library_managed_keys_are_never_extra() -> None:
    more = {
        "--continuous-log-logStreamPrefix": "x", "--enable-spark-ui": "true", "--job-bookmark-from": "a",
        "--job-bookmark-to": "b", "--user-jars-first": "true", "--extra-jars": "s3://j/", "--extra-files": "s3://f/",
        "--python-modules-installer-option": "--upgrade", "--spark-event-logs-path": "s3://l/", "--mode": "x",
        "--endpoint": "e", "--SECURITY_CONFIGURATION": "lake", "--continuation-option": "continuation-enabled",
        "--encryption-type": "sse-s3", "--RedshiftTempDir": "s3://t/", "--scriptLocation": "s3://s/job.py",
        "--datalake-formats": "iceberg", "--conf": "spark.x=y",
    }
    args = JobArguments.from_mapping({**MANAGED, **more})
    assert dict(args.extra) == {}


def test_a_layer_location_with_a_file_uri() -> None:
    args = JobArguments.from_mapping({"--output_silver_path": "file:///tmp/lake/silver/",
                                      "--output_silver_database": "silver"})
    location = args.location("output_silver")
    assert location == Location(name="output_silver", path="file:///tmp/lake/silver/", database="silver")
    assert type(location) is Location


def test_a_path_without_database_is_not_a_location_but_an_extra() -> None:
    args = JobArguments.from_mapping({"--report_path": "not validated: no database"})
    assert dict(args.locations) == {}
    assert dict(args.extra) == {"report_path": "not validated: no database"}


def test_a_tokenizer_without_detokenize_and_with_a_custom_name() -> None:
    args = JobArguments.from_mapping({"--pii_function": "tok", "--cards_function": "tok2",
                                      "--cards_detokenize_function": "detok2"})
    assert args.tokenizer("pii") == Tokenizer(name="pii", function_name="tok")
    assert args.tokenizer("cards") == Tokenizer(name="cards", function_name="tok2", detokenize_function_name="detok2")
    assert dict(args.extra) == {}


def test_snapshot_table_writable_and_partition_uri() -> None:
    args = JobArguments.from_mapping(ALL)
    assert args.table("output_customers").writable is True
    assert args.table("input_customers").writable is False
    assert args.table("--input_customers").partition_uri("2024-03") == "s3://lake-silver/customers/snapshot=2024-03/"


@pytest.mark.parametrize("base", ["output_customers", "input_customers", "input_bronze"])
def test_a_merge_sql_argument_is_a_user_argument_the_runtime_does_not_use(base: str) -> None:
    """The merge SQL is built from the table's columns: a `--<base>_merge_sql` left in a job's arguments
    binds nothing and stays the user's."""
    bound = {**LAYER, **READER, **WRITER}
    args = JobArguments.from_mapping({**bound, f"--{base}_merge_sql": SQL_VALUE})
    assert dict(args.locations) == dict(JobArguments.from_mapping(bound).locations)
    assert dict(args.extra) == {f"{base}_merge_sql": SQL_VALUE}


def test_primary_key_spaces_around_commas_are_dropped() -> None:
    args = JobArguments.from_mapping({**WRITER, "--output_customers_primary_key": " customer_id , country "})
    assert args.table("output_customers").primary_key == ("customer_id", "country")


@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_every_granularity_is_accepted(granularity: str) -> None:
    args = JobArguments.from_mapping({**READER, "--input_customers_granularity": granularity})
    assert args.table("input_customers").granularity == granularity


def test_the_objects_are_frozen_and_the_mappings_read_only() -> None:
    args = JobArguments.from_mapping(ALL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        args.job_name = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        args.table("output_customers").path = "s3://elsewhere/"  # type: ignore[misc]
    with pytest.raises(TypeError):
        args.extra["partition"] = "x"  # type: ignore[index]
    with pytest.raises(TypeError):
        args.locations["x"] = args.location("input_bronze")  # type: ignore[index]


def test_get_require_and_partition() -> None:
    args = JobArguments.from_mapping(ALL)
    assert args.get("partition") == "2024-03-01"
    assert args.get("--TempDir") == "s3://lake-temp/jobs/customers/"
    assert args.get("absent") is None
    assert args.get("absent", "fallback") == "fallback"
    assert args.require("--batch_size") == "500"
    assert args.partition() == "2024-03-01"
    assert JobArguments.from_mapping({"--day": "2024-03-02"}).partition("--day") == "2024-03-02"


# --- every error message -----------------------------------------------------------------------------


def without(mapping: dict[str, str], *keys: str) -> dict[str, str]:
    return {k: v for k, v in mapping.items() if k not in keys}


INVALID: list[tuple[str, dict[str, str], str]] = [
    ("path without trailing slash", {**LAYER, "--input_bronze_path": "s3://lake-bronze/crm"},
     "Job argument --input_bronze_path: received 's3://lake-bronze/crm', "
     "expected an s3:// or file: URI ending with '/', e.g. s3://bucket/prefix/"),
    ("path not a URI", {**LAYER, "--input_bronze_path": "/tmp/lake/"},
     "Job argument --input_bronze_path: received '/tmp/lake/', "
     "expected an s3:// or file: URI ending with '/', e.g. s3://bucket/prefix/"),
    ("path without bucket", {**LAYER, "--input_bronze_path": "s3:///"},
     "Job argument --input_bronze_path: received 's3:///', "
     "expected an s3:// or file: URI ending with '/', e.g. s3://bucket/prefix/"),
    ("path of another scheme", {**LAYER, "--input_bronze_path": "s3a://lake-bronze/crm/"},
     "Job argument --input_bronze_path: received 's3a://lake-bronze/crm/', "
     "expected an s3:// or file: URI ending with '/', e.g. s3://bucket/prefix/"),
    ("empty database", {**LAYER, "--input_bronze_database": ""},
     "Job argument --input_bronze_database: received '', expected a non-empty value"),
    ("table without partition key and format", without(READER, "--input_customers_partition_key",
                                                        "--input_customers_partition_format"),
     "Job arguments of the table --input_customers_*: received --input_customers_current_view, "
     "--input_customers_granularity, --input_customers_table, expected also --input_customers_partition_format, "
     "--input_customers_partition_key (a table binding passes them all)"),
    ("primary key on a layer", {**LAYER, "--input_bronze_primary_key": "id"},
     "Job arguments of the table --input_bronze_*: received --input_bronze_primary_key, expected also "
     "--input_bronze_granularity, --input_bronze_partition_format, --input_bronze_partition_key, "
     "--input_bronze_table (a table binding passes them all)"),
    ("writer without primary key", without(WRITER, "--output_customers_primary_key"),
     "Job arguments of the table --output_customers_*: received --output_customers_close_periods, "
     "--output_customers_compression, --output_customers_effective_date_column, "
     "--output_customers_period_basis, --output_customers_superseded_retention_minutes, expected also "
     "--output_customers_primary_key (a writer binding passes them all)"),
    ("primary key alone on a reader", {**READER, "--input_customers_primary_key": "id"},
     "Job arguments of the table --input_customers_*: received --input_customers_primary_key, expected also "
     "--input_customers_close_periods, --input_customers_compression, --input_customers_effective_date_column, "
     "--input_customers_period_basis, --input_customers_superseded_retention_minutes "
     "(a writer binding passes them all)"),
    ("lowercase granularity", {**READER, "--input_customers_granularity": "month"},
     "Job argument --input_customers_granularity: received 'month', expected one of YEAR, MONTH, DAY, HOUR"),
    ("unknown granularity", {**READER, "--input_customers_granularity": "WEEK"},
     "Job argument --input_customers_granularity: received 'WEEK', expected one of YEAR, MONTH, DAY, HOUR"),
    ("empty table", {**READER, "--input_customers_table": " "},
     "Job argument --input_customers_table: received ' ', expected a non-empty value"),
    ("empty partition key", {**READER, "--input_customers_partition_key": ""},
     "Job argument --input_customers_partition_key: received '', expected a non-empty value"),
    ("empty partition format", {**READER, "--input_customers_partition_format": ""},
     "Job argument --input_customers_partition_format: received '', expected a non-empty value"),
    ("empty current view", {**READER, "--input_customers_current_view": ""},
     "Job argument --input_customers_current_view: received '', expected a non-empty value"),
    ("empty primary key", {**WRITER, "--output_customers_primary_key": ""},
     "Job argument --output_customers_primary_key: received '', "
     "expected comma-separated column names, e.g. customer_id,country"),
    ("primary key with an empty column", {**WRITER, "--output_customers_primary_key": "customer_id,,country"},
     "Job argument --output_customers_primary_key: received 'customer_id,,country', "
     "expected comma-separated column names, e.g. customer_id,country"),
    ("unknown compression", {**WRITER, "--output_customers_compression": "gzip"},
     "Job argument --output_customers_compression: received 'gzip', expected one of snappy, zstd"),
    ("uppercase compression", {**WRITER, "--output_customers_compression": "ZSTD"},
     "Job argument --output_customers_compression: received 'ZSTD', expected one of snappy, zstd"),
    ("empty effective date column", {**WRITER, "--output_customers_effective_date_column": ""},
     "Job argument --output_customers_effective_date_column: received '', expected a non-empty value"),
    ("unknown period basis", {**WRITER, "--output_customers_period_basis": "BUSINESS_DATE"},
     "Job argument --output_customers_period_basis: received 'BUSINESS_DATE', expected one of LOAD_TIME, "
     "EFFECTIVE_DATE"),
    ("close periods not a boolean", {**WRITER, "--output_customers_close_periods": "yes"},
     "Job argument --output_customers_close_periods: received 'yes', expected true or false"),
    ("closing effective-date periods", {**WRITER, "--output_customers_close_periods": "true"},
     "Job argument --output_customers_close_periods: received 'true', expected false with "
     "--output_customers_period_basis EFFECTIVE_DATE (closing a period applies to LOAD_TIME periods; "
     "EFFECTIVE_DATE periods hold exactly the events dated up to their end)"),
    ("negative retention", {**WRITER, "--output_customers_superseded_retention_minutes": "-1"},
     "Job argument --output_customers_superseded_retention_minutes: received '-1', "
     "expected a whole number of minutes from 0 to 9999999"),
    ("retention in hours", {**WRITER, "--output_customers_superseded_retention_minutes": "6h"},
     "Job argument --output_customers_superseded_retention_minutes: received '6h', "
     "expected a whole number of minutes from 0 to 9999999"),
    ("empty tokenize function", {"--pii_tokenizer_function": ""},
     "Job argument --pii_tokenizer_function: received '', expected a non-empty value"),
    ("empty detokenize function", {"--pii_tokenizer_function": "f", "--pii_tokenizer_detokenize_function": ""},
     "Job argument --pii_tokenizer_detokenize_function: received '', expected a non-empty value"),
    ("detokenize without tokenize", {"--pii_tokenizer_detokenize_function": "g"},
     "Job argument --pii_tokenizer_detokenize_function: received it without --pii_tokenizer_function, expected "
     "both (a tokenizer binding passes the tokenize function with the detokenize function)"),
    ("a value that is not a string", {"--batch_size": 500},  # type: ignore[dict-item]
     "Job argument '--batch_size': received 500 (int), expected a string value under a string key"),
]


@pytest.mark.parametrize(("values", "message"), [(v, m) for _, v, m in INVALID], ids=[i for i, _, _ in INVALID])
def test_invalid_arguments(values: dict[str, str], message: str) -> None:
    with pytest.raises(JobArgumentError) as error:
        JobArguments.from_mapping(values)
    assert str(error.value) == message


ACCESSOR_ERRORS: list[tuple[str, Any, str]] = [
    ("absent location", lambda a: a.location("output_gold"),
     "Job location 'output_gold': received no --output_gold_path and --output_gold_database, expected one of the "
     "locations bound to the job: input_bronze, input_customers, output_customers"),
    ("absent table", lambda a: a.table("--output_orders"),
     "Job location 'output_orders': received no --output_orders_path and --output_orders_database, expected one of "
     "the locations bound to the job: input_bronze, input_customers, output_customers"),
    ("a layer is not a table", lambda a: a.table("input_bronze"),
     "Job location 'input_bronze': received a layer location (no --input_bronze_table), expected a table bound to "
     "the job: input_customers, output_customers"),
    ("absent tokenizer", lambda a: a.tokenizer("cards"),
     "Job argument --cards_function: received no such argument, expected one of the tokenizers bound to the job: "
     "pii_tokenizer"),
    ("absent required", lambda a: a.require("--threshold"),
     "Job argument --threshold: received no such argument (the job has "
     + ", ".join(f"--{k}" for k in sorted(k[2:] for k in ALL)) + "), expected it in the job's arguments"),
    ("absent partition", lambda a: a.partition("--day"),
     "Job argument --day: received no such argument (the job has "
     + ", ".join(f"--{k}" for k in sorted(k[2:] for k in ALL)) + "), expected it in the job's arguments"),
]


@pytest.mark.parametrize(("call", "message"), [(c, m) for _, c, m in ACCESSOR_ERRORS],
                         ids=[i for i, _, _ in ACCESSOR_ERRORS])
def test_accessor_errors(call: Any, message: str) -> None:
    with pytest.raises(JobArgumentError) as error:
        call(JobArguments.from_mapping(ALL))
    assert str(error.value) == message


@pytest.mark.parametrize(("values", "call", "message"), [
    ({}, lambda a: a.location("x"),
     "Job location 'x': received no --x_path and --x_database, expected one of the locations bound to the job: none"),
    (LAYER, lambda a: a.table("input_bronze"),
     "Job location 'input_bronze': received a layer location (no --input_bronze_table), expected a table bound to "
     "the job: none"),
    ({}, lambda a: a.tokenizer(),
     "Job argument --pii_tokenizer_function: received no such argument, expected one of the tokenizers bound to "
     "the job: none"),
    ({"--partition": " "}, lambda a: a.partition(),
     "Job argument --partition: received ' ', expected a partition id: letters, digits, '_' and '-', starting with "
     "a letter or digit, at most 64 characters"),
    ({"--partition": "../etc"}, lambda a: a.partition(),
     "Job argument --partition: received '../etc', expected a partition id: letters, digits, '_' and '-', starting "
     "with a letter or digit, at most 64 characters"),
    ({"--partition": "a.b"}, lambda a: a.partition(),
     "Job argument --partition: received 'a.b', expected a partition id: letters, digits, '_' and '-', starting "
     "with a letter or digit, at most 64 characters"),
    ({"--partition": "a" * 65}, lambda a: a.partition(),
     f"Job argument --partition: received '{'a' * 65}', expected a partition id: letters, digits, '_' and '-', "
     "starting with a letter or digit, at most 64 characters"),
    ({}, lambda a: a.partition(),
     "Job argument --partition: received no such argument (the job has none), expected it in the job's arguments"),
])
def test_accessor_errors_on_a_job_without_bindings(values: dict[str, str], call: Any, message: str) -> None:
    with pytest.raises(JobArgumentError) as error:
        call(JobArguments.from_mapping(values))
    assert str(error.value) == message


# --- python -m gluelake.arguments --------------------------------------------------------------------


def run_command(stdin: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "gluelake.arguments"], input=stdin, capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def test_command_prints_the_parsed_arguments_as_json() -> None:
    result = run_command(json.dumps(ALL))
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout) == {
        "job_name": "customers-snapshot",
        "env": "prod",
        "temp_dir": "s3://lake-temp/jobs/customers/",
        "locations": {
            "input_bronze": {"kind": "location", "name": "input_bronze", "path": "s3://lake-bronze/crm/",
                             "database": "bronze"},
            "input_customers": {
                "kind": "table", "name": "input_customers", "path": "s3://lake-silver/customers/",
                "database": "silver", "table": "customers", "partition_key": "snapshot", "granularity": "MONTH",
                "partition_format": "%Y-%m", "current_view": "customers_current", "primary_key": [],
                "effective_date_column": None, "compression": None,
                "period_basis": None, "close_periods": False, "superseded_retention_minutes": None,
            },
            "output_customers": {
                "kind": "table", "name": "output_customers", "path": "s3://lake-silver/customers/",
                "database": "silver", "table": "customers", "partition_key": "snapshot", "granularity": "DAY",
                "partition_format": "%Y-%m-%d", "current_view": None, "primary_key": ["customer_id", "country"],
                "effective_date_column": "updated_at", "compression": "zstd",
                "period_basis": "EFFECTIVE_DATE", "close_periods": False, "superseded_retention_minutes": 360,
            },
        },
        "tokenizers": {
            "pii_tokenizer": {"name": "pii_tokenizer", "function_name": "lake-tokenize",
                              "detokenize_function_name": "lake-detokenize"},
        },
        "extra": {"batch_size": "500", "partition": "2024-03-01"},
    }


@pytest.mark.parametrize(("stdin", "message"), [
    (json.dumps({**WRITER, "--output_customers_compression": "gzip"}),
     "Job argument --output_customers_compression: received 'gzip', expected one of snappy, zstd\n"),
    ("[1, 2]", "Job arguments: received a JSON list, expected a JSON object\n"),
    ('{"--a": 1}', "Job argument '--a': received 1 (int), expected a string value under a string key\n"),
])
def test_command_exits_2_with_the_message_on_stderr(stdin: str, message: str) -> None:
    result = run_command(stdin)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message)


def test_command_exits_2_on_input_that_is_not_json() -> None:
    result = run_command("--a b")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("Job arguments: received input that is not JSON (")
    assert result.stderr.endswith("), expected a JSON object\n")
