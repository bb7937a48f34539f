"""The job skeleton: :func:`run_job` builds what Glue provides, runs the script's ``main`` and commits.

A job script defines ``main(ctx: JobContext) -> None`` and ends with::

    if __name__ == "__main__":
        run_job(main)

so that importing the script in a test starts nothing: no Spark, no ``GlueContext``. This module
imports neither PySpark nor ``awsglue`` at import time.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from gluelake.arguments import JobArguments, SnapshotTable

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

__all__ = ["JobContext", "run_job", "LOGGER_NAME"]

LOGGER_NAME = "gluelake.job"
"""The name of the logger a job's :attr:`JobContext.logger` uses."""

_NOT_ON_GLUE = (
    "run_job: the awsglue library cannot be imported: this script is not running on AWS Glue. "
    "To run or test a job elsewhere, call run_job(main, argv, glue_context=..., job=...) with your own "
    "GlueContext-like and Job-like objects (glue_context.spark_session must be a SparkSession), or use the "
    "gluelake.testing fixtures (pip install cdk-glue-lake-runtime[testing]), or call main(ctx) directly."
)


@dataclass
class JobContext:
    """What a job's ``main`` receives.

    ``args`` the parsed job arguments; ``spark`` the session (``glue_context.spark_session``);
    ``glue_context`` and ``job`` the awsglue objects (mocks in tests); ``logger`` the logger
    ``gluelake.job`` (Glue ships stdout and stderr to CloudWatch Logs); ``started_at`` the aware UTC
    time taken before ``main`` runs, which decides the periods a run works on.
    """

    args: JobArguments
    spark: SparkSession
    glue_context: Any
    job: Any
    logger: logging.Logger
    started_at: datetime


def _logger() -> logging.Logger:
    """The job logger; given a stderr handler at INFO when no logging is configured (as on Glue)."""
    logger = logging.getLogger(LOGGER_NAME)
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    return logger


def _glue_objects(glue_context: Any, job: Any) -> tuple[Any, Any]:
    """The given objects, or ``GlueContext(SparkContext.getOrCreate())`` and ``Job(glue_context)``."""
    if glue_context is not None and job is not None:
        return glue_context, job
    try:
        from awsglue.context import GlueContext
        from awsglue.job import Job
    except ImportError as error:
        raise RuntimeError(_NOT_ON_GLUE) from error
    if glue_context is None:
        from pyspark.context import SparkContext

        glue_context = GlueContext(SparkContext.getOrCreate())
    if job is None:
        job = Job(glue_context)
    return glue_context, job


_RESOLVED_OPTION_KEYS = ("job-bookmark-option", "job-bookmark-from", "job-bookmark-to", "encryption-type")
"""Glue's reserved keys that ``awsglue.utils.getResolvedOptions`` returns under argparse's names
(``job_bookmark_option``, ...): the canonical script passes that dict to ``Job.init``."""


def _init_arguments(args: JobArguments) -> dict[str, str]:
    """What ``Job.init`` receives: every raw argument, and the reserved keys under the names
    ``getResolvedOptions`` gives them, so that the job's bookmarks see what they see in the canonical
    ``job.init(args["JOB_NAME"], getResolvedOptions(sys.argv, [...]))``."""
    values = dict(args.raw)
    for key in _RESOLVED_OPTION_KEYS:
        if key in args.raw:
            values.setdefault(key.replace("-", "_"), args.raw[key])
    return values


def _describe(args: JobArguments) -> str:
    """Names and locations of a run, never the values of ``extra`` (they may be secrets)."""
    locations = ", ".join(
        f"{name} ({'table ' + loc.database + '.' + loc.table if isinstance(loc, SnapshotTable) else loc.database}"
        f" at {loc.path})"
        for name, loc in sorted(args.locations.items())
    ) or "none"
    tokenizers = ", ".join(sorted(args.tokenizers)) or "none"
    extra = ", ".join(f"--{k}" for k in sorted(args.extra)) or "none"
    return f"env {args.env or '-'}; locations: {locations}; tokenizers: {tokenizers}; other arguments: {extra}"


def run_job(
    main: Callable[[JobContext], None],
    argv: Sequence[str] | None = None,
    *,
    glue_context: Any = None,
    job: Any = None,
) -> None:
    """Runs a Glue job's ``main``; call it only under ``if __name__ == "__main__":``.

    Parses ``argv`` (``sys.argv`` by default) into :class:`~gluelake.arguments.JobArguments`; builds
    ``GlueContext(SparkContext.getOrCreate())`` and ``Job(glue_context)`` only when they are not
    given (so only on Glue, where ``awsglue`` exists: elsewhere a ``RuntimeError`` says how to test);
    calls ``job.init(args.job_name, raw)`` where ``raw`` is ``dict(args.raw)`` with the bookmark and
    encryption keys also under ``getResolvedOptions``' names (``job_bookmark_option``, ...); sets
    ``spark.sql.session.timeZone`` to ``UTC``; logs the start (job name, env, locations, the names of
    other arguments, never their values); calls ``main(ctx)``. When ``main`` returns, calls
    ``job.commit()`` (bookmarks advance only then) and logs the duration; when it raises, logs the
    failure and re-raises it without committing.
    """
    args = JobArguments.from_argv(sys.argv if argv is None else argv)
    glue_context, job = _glue_objects(glue_context, job)
    logger = _logger()
    spark = glue_context.spark_session
    job.init(args.job_name, _init_arguments(args))
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    started_at = datetime.now(timezone.utc)
    ctx = JobContext(args=args, spark=spark, glue_context=glue_context, job=job, logger=logger,
                     started_at=started_at)
    name = args.job_name or "(local run)"
    logger.info("Job %s started at %s; %s", name, started_at.isoformat(), _describe(args))
    clock = time.monotonic()
    try:
        main(ctx)
    except BaseException:
        logger.exception("Job %s failed after %.1f s; not committed", name, time.monotonic() - clock)
        raise
    job.commit()
    logger.info("Job %s succeeded in %.1f s; committed", name, time.monotonic() - clock)
