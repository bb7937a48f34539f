"""Small helpers of the example jobs' tests: local locations and files, the "nothing to do" lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

JOBS = Path(__file__).resolve().parents[1]  # examples/lake-app/jobs
INTEG_JOBS = Path(__file__).resolve().parents[4] / "integ" / "jobs"
INTEG_SNAPSHOT_TEMPLATE = (INTEG_JOBS.parent / "integ.snapshot-table.ts.snapshot"
                           / "CdkGlueLakeIntegSnapshotTable.template.json")
NOTHING_TO_DO = "nothing to do"


def uri(path: Path) -> str:
    """The `file://` URI of a local directory, ending with '/' like the constructs' location arguments."""
    return path.as_uri() + "/"


def write_lines(path: Path, lines: list[str]) -> None:
    """Writes `lines` (JSON lines, say) to `path`, creating its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines))


def files_under(path: Path) -> list[str]:
    """Every file under `path`, relative to it, sorted (empty when `path` does not exist)."""
    if not path.exists():
        return []
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


def nothing_to_do_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The log lines that say "nothing to do"."""
    return [r.getMessage() for r in caplog.records if NOTHING_TO_DO in r.getMessage()]


def customers_table_arguments(path: str, database: str = "sales_silver") -> dict[str, str]:
    """The `--output_customers_*` arguments the integration test's customers snapshot job (integ.snapshot-table,
    which runs customers_snapshot.py) is synthesized with: the table's real layout and generated merge SQL,
    with the local `path` and `database` in place of its bucket and Glue database."""
    template = json.loads(INTEG_SNAPSHOT_TEMPLATE.read_text())
    jobs = [r for r in template["Resources"].values() if r["Type"] == "AWS::Glue::Job"]
    assert len(jobs) == 1, f"{INTEG_SNAPSHOT_TEMPLATE.name} holds {len(jobs)} Glue jobs; expected 1"
    arguments = {key[2:]: value for key, value in jobs[0]["Properties"]["DefaultArguments"].items()
                 if key.startswith("--output_customers_") and isinstance(value, str)}
    return {**arguments, "output_customers_path": path, "output_customers_database": database}
