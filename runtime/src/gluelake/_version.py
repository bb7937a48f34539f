"""The version of the runtime.

The library build writes package.json's version here, so that the runtime a job ships with is the
version of the construct library that synthesized the job. ``0.0.0`` is a development checkout.
"""

from __future__ import annotations

__version__ = "0.0.0"
