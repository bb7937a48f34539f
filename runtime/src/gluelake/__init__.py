"""cdk-glue-lake-runtime: the job-side companion of the cdk-glue-lake constructs."""

from __future__ import annotations

from gluelake._version import __version__

__all__ = ["__version__"]
