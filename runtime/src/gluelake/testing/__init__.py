"""The pytest kit of gluelake: test Glue jobs on a local Spark, without a Glue container.

Installed with `pip install cdk-glue-lake-runtime[testing]`, the plugin (`gluelake.testing.plugin`)
registers itself with pytest and gives the fixtures `spark`, `mock_glue_context`, `mock_job`,
`job_arguments`, `job_context`, `aws_credentials`, `s3` and `s3_bucket`. This module exports what
tests use directly: the matchers, the mocks, the argument builders, the S3 helpers, `run_script`
and a fake tokenize Lambda.

Importing it needs neither PySpark nor moto (they are imported where they are used).
"""

from __future__ import annotations

from gluelake.testing.args import (
    DEFAULT_JOB_NAME,
    JobArgumentsFactory,
    argument_mapping,
    argv,
    build_job_arguments,
    layer_arguments,
    location_arguments,
    table_reader_arguments,
    table_writer_arguments,
    tokenizer_arguments,
)
from gluelake.testing.fake_lambda import FakeTokenizerLambda, read_invocations
from gluelake.testing.glue import MockGlueContext, MockJob, RecordingLogger
from gluelake.testing.matchers import DataFrameMatcher, DynamicFrameMatcher
from gluelake.testing.s3 import create_bucket, fake_aws_environment, list_keys, mock_s3, put_objects
from gluelake.testing.scripts import run_script
from gluelake.testing.spark import create_spark_session

__all__ = [
    "DEFAULT_JOB_NAME",
    "DataFrameMatcher",
    "DynamicFrameMatcher",
    "FakeTokenizerLambda",
    "JobArgumentsFactory",
    "MockGlueContext",
    "MockJob",
    "RecordingLogger",
    "argument_mapping",
    "argv",
    "build_job_arguments",
    "create_bucket",
    "create_spark_session",
    "fake_aws_environment",
    "layer_arguments",
    "list_keys",
    "location_arguments",
    "mock_s3",
    "put_objects",
    "read_invocations",
    "run_script",
    "table_reader_arguments",
    "table_writer_arguments",
    "tokenizer_arguments",
]
