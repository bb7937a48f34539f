"""Running a job script as Glue does, on the stub `awsglue`."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path
from typing import Any, Mapping
from unittest import mock

from gluelake.testing import awsglue_stub
from gluelake.testing.args import DEFAULT_JOB_NAME, argv


def run_script(script: str | Path, arguments: Mapping[str, Any] | None = None, *,
               job_name: str = DEFAULT_JOB_NAME) -> awsglue_stub.Job:
    """Runs `script` as `__main__` with `sys.argv` = `[script, "--KEY", "value", ...]` (and
    `--JOB_NAME`), as Glue does; returns the stub `Job` the run created (its `glue_context` is the
    `MockGlueContext`: set source return values before, or assert on sinks after, through
    `awsglue_stub.JOBS`). Needs the stub `awsglue` (the plugin installs it when no real one is
    importable); raises when the script created no Job or several."""
    if not awsglue_stub.is_installed():
        raise RuntimeError("run_script needs the stub awsglue (gluelake.testing.awsglue_stub.install())")
    before = len(awsglue_stub.JOBS)
    with mock.patch.object(sys, "argv", argv(arguments, script=str(script), job_name=job_name)):
        runpy.run_path(str(script), run_name="__main__")
    runs = awsglue_stub.JOBS[before:]
    if len(runs) != 1:
        raise AssertionError(f"{Path(script).name} created {len(runs)} Job(s); expected 1")
    return runs[0]
