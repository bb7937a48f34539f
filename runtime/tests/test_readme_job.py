"""The README's "Writing a job" example runs as written: its job and its test file are extracted and the
test is run by pytest in a fresh process, on a local Spark, with the runtime's testing kit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
RUNTIME_SOURCES = ROOT / "runtime" / "src"
# A block marked `<!-- readme-job: <file> -->` on the line before its opening fence.
BLOCK = re.compile(r"<!-- readme-job: (?P<file>[\w.]+) -->\n```python\n(?P<code>.*?)\n```", re.DOTALL)
MAX_JOB_LINES = 80  # the bar: a new job written from the README is under 80 lines


def readme_files() -> dict[str, str]:
    """The marked Python blocks of the README, by file name."""
    return {m["file"]: m["code"] + "\n" for m in BLOCK.finditer(README.read_text(encoding="utf-8"))}


def test_the_readme_has_a_job_and_its_test() -> None:
    files = readme_files()
    assert sorted(files) == ["orders_job.py", "test_orders_job.py"]
    assert len(files["orders_job.py"].splitlines()) < MAX_JOB_LINES
    assert 'if __name__ == "__main__":\n    run_job(main)' in files["orders_job.py"]


def test_the_readme_job_passes_its_readme_test(tmp_path: Path) -> None:
    for name, code in readme_files().items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(RUNTIME_SOURCES), str(tmp_path)]),
           "PYSPARK_PYTHON": sys.executable, "PYTHONDONTWRITEBYTECODE": "1",
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # the kit is loaded once, by -p
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "gluelake.testing.plugin", "-q",
         "--rootdir", str(tmp_path), str(tmp_path / "test_orders_job.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=900)
    if result.returncode != 0:
        pytest.fail(f"the README's test failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
    assert re.search(r"\b3 passed\b", result.stdout), result.stdout[-2000:]
