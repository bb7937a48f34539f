"""The integ probes (`integ/jobs/*.py`, run by the integration tests on AWS) succeed on an empty output
location: each reads nothing, writes one marker row and commits. The smoke and partition probes use
`awsglue` directly, the bookmarked probe the job runtime; each runs with the stub `awsglue` as Glue runs
a script."""

from __future__ import annotations

from pathlib import Path

import pytest

from gluelake.testing import run_script
from helpers import INTEG_JOBS, files_under, uri


@pytest.mark.parametrize("probe, extra, written", [
    ("smoke_probe.py", {}, "smoke/"),
    ("bookmarked_probe.py", {"job-bookmark-option": "job-bookmark-enable", "output_silver_database": "silver"},
     "run_date="),
    ("partition_probe.py", {"partition": "acme"}, "partition=acme/"),
])
def test_integ_probes_succeed_on_an_empty_output_location(spark, tmp_path: Path, probe: str, extra: dict,
                                                          written: str) -> None:
    silver = tmp_path / "silver" / "probe"

    run = run_script(INTEG_JOBS / probe, {"env": "test", "output_silver_path": uri(silver), **extra}, job_name="probe")

    assert [name for name, _ in run.init_calls] == ["probe"]
    assert run.commits == 1
    parquet = [f for f in files_under(silver) if f.endswith(".parquet")]
    assert len(parquet) == 1 and parquet[0].startswith(written)


def test_the_bookmarked_probe_records_the_runtime_version(spark, tmp_path: Path) -> None:
    import gluelake

    silver = tmp_path / "silver" / "probe"
    run_script(INTEG_JOBS / "bookmarked_probe.py", {"env": "test", "output_silver_path": uri(silver),
                                                    "output_silver_database": "silver"}, job_name="probe")

    rows = spark.read.parquet(uri(silver)).collect()
    assert [(r["env"], r["runtime_version"]) for r in rows] == [("test", gluelake.__version__)]
