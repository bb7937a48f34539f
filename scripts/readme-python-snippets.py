#!/usr/bin/env python3
"""Runs the README's Python snippets (run it with the Python example's virtual environment, where
cdk-glue-lake, aws-cdk-lib and cdk-nag are installed).

- The Glue job blocks marked `<!-- readme-job: <file> -->` are skipped here: runtime/tests/
  test_readme_job.py runs them on a local Spark.
- A block that imports `aws_cdk` or `cdk_glue_lake` is a CDK app: it is executed in a fresh
  process, in a folder with examples/lake-app's stages.yaml and jobs/, after a prelude that binds the
  names the README leaves to the reader (`app`, `CONNECTION_ARN`, `SalesLakeStack`: the Python
  example's LakeStack), and the app is synthesized (CDK_OUTDIR in that folder).
- Any other block (a fragment of a job script) is compiled, not run.
Prints one line per block; exits 1 if one fails.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"(?P<marker><!-- readme-job: [\w.]+ -->\n)?```python\n(?P<code>.*?)\n```", re.DOTALL)
PRELUDE = '''\
import sys
sys.path.insert(0, {example!r})
from aws_cdk import App
from lake_stack import LakeStack as SalesLakeStack
app = App()
CONNECTION_ARN = "arn:aws:codeconnections:eu-west-1:000000000000:connection/00000000-0000-0000-0000-000000000000"
'''
EPILOGUE = "\napp.synth()\n"


def main() -> int:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    failures = 0
    for m in FENCE.finditer(readme):
        line = readme.count("\n", 0, m.start("code"))
        code = m["code"] + "\n"
        if m["marker"]:
            print(f"README.md:{line}: job block, run by runtime/tests/test_readme_job.py")
            continue
        if not re.search(r"^\s*(from|import) (aws_cdk|cdk_glue_lake)\b", code, re.MULTILINE):
            try:
                compile(code, f"README.md:{line}", "exec")
                print(f"README.md:{line}: fragment, compiles")
            except SyntaxError as e:
                failures += 1
                print(f"README.md:{line}: fragment, FAILS to compile: {e}")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            (work / "stages.yaml").symlink_to(ROOT / "examples" / "lake-app" / "stages.yaml")
            (work / "jobs").symlink_to(ROOT / "examples" / "lake-app" / "jobs")
            script = PRELUDE.format(example=str(ROOT / "examples" / "lake-app-python")) + code + EPILOGUE
            (work / "snippet.py").write_text(script, encoding="utf-8")
            env = {**os.environ, "CDK_OUTDIR": str(work / "cdk.out"), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
            result = subprocess.run([sys.executable, "snippet.py"], cwd=work, env=env, capture_output=True, text=True)
            templates = sorted(p.name for p in (work / "cdk.out").glob("*.template.json")) if result.returncode == 0 else []
            if result.returncode == 0 and templates:
                print(f"README.md:{line}: CDK app, synthesized {', '.join(templates)}")
            else:
                failures += 1
                print(f"README.md:{line}: CDK app, FAILS (exit {result.returncode}):\n{result.stderr[-3000:]}")
    print(f"README Python snippets: {failures} failing")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
