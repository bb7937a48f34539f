"""cdk-glue-lake-runtime: the job-side companion of the cdk-glue-lake constructs.

``gluelake.arguments`` reads the arguments the constructs pass to a job into typed objects;
``gluelake.job`` runs a job's ``main`` (``run_job``); the practices (periods, storage, snapshot
merges, reprocessing, tokenizing) and the pytest kit (``gluelake.testing``) live in their modules.
Importing this package imports neither PySpark nor awsglue.

The names below are re-exported lazily (on first access), so that ``python -m gluelake.arguments``
runs the module once, as ``__main__``, without importing it a second time through this package.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from gluelake._version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from gluelake.arguments import (
        JobArgumentError,
        JobArguments,
        Location,
        SnapshotTable,
        Tokenizer,
        get_job_argument,
        get_job_arguments,
    )
    from gluelake.job import JobContext, run_job

_EXPORTS: dict[str, str] = {
    "JobArgumentError": "gluelake.arguments",
    "JobArguments": "gluelake.arguments",
    "Location": "gluelake.arguments",
    "SnapshotTable": "gluelake.arguments",
    "Tokenizer": "gluelake.arguments",
    "get_job_argument": "gluelake.arguments",
    "get_job_arguments": "gluelake.arguments",
    "JobContext": "gluelake.job",
    "run_job": "gluelake.job",
}

__all__ = [  # a literal list, as type checkers read it
    "__version__",
    "JobArgumentError",
    "JobArguments",
    "Location",
    "SnapshotTable",
    "Tokenizer",
    "get_job_argument",
    "get_job_arguments",
    "JobContext",
    "run_job",
]


def __getattr__(name: str) -> Any:
    """The re-exported names, imported from their module on first access."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gluelake' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
