#!/usr/bin/env bash
# The Python example (examples/lake-app-python) against the freshly built wheel:
#  1. a fresh virtual environment (dist/python-example-venv) with dist/python/*.whl and the example's
#     pinned requirements (aws-cdk-lib, constructs, cdk-nag; mypy) from PyPI; the install is timed;
#  2. `cdk-glue-lake --help` and `--version` from the virtual environment (the jsii bin script);
#  3. mypy --strict on the example (requirements-dev.txt), then `cdk synth` of the Python app with
#     the project's CDK CLI into cdk.out-python/, with the cdk-nag packs as validation plugins
#     (synthesis fails on a finding; the validation report is checked);
#  4. scripts/compare-example-templates.py against the TypeScript example's cdk.out/ (`npm run example`).
#  5. scripts/readme-python-snippets.py: the README's Python snippets run (CDK apps) or compile (fragments).
# Needs: `npx projen package:python` and `npm run example` first.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=dist/python-example-venv
APP=examples/lake-app-python
OUT=cdk.out-python
PYTHON=${PYTHON:-python3}
export CDK_DISABLE_CLI_TELEMETRY=true AWS_EC2_METADATA_DISABLED=true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1

retry() { # retry N cmd...: bounded retries for transient registry or network errors
  local attempts=$1; shift
  local n=1
  until "$@"; do
    if (( n >= attempts )); then echo "failed after $n attempts: $*" >&2; return 1; fi
    echo "attempt $n failed: $*; retrying in $((n * 15)) s" >&2
    sleep $((n * 15)); n=$((n + 1))
  done
}

wheels=(dist/python/*.whl)
[ -f "${wheels[0]}" ] || { echo "no wheel in dist/python: run 'npx projen package:python' first" >&2; exit 1; }
[ -f cdk.out/SalesLake.template.json ] || { echo "no cdk.out/: run 'npm run example' first" >&2; exit 1; }

echo "== fresh virtual environment $VENV ($("$PYTHON" --version 2>&1))"
rm -rf "$VENV" "$OUT"
"$PYTHON" -m venv "$VENV"
pip_install=("$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q)
start=$SECONDS
retry 3 "${pip_install[@]}" "${wheels[0]}" -r "$APP/requirements-dev.txt"
echo "installed in $((SECONDS - start)) s:"
"$VENV/bin/python" -m pip list --disable-pip-version-check 2>/dev/null | grep -iE '^(aws-cdk-lib|cdk-glue-lake|cdk-nag|constructs|jsii) '

echo "== cdk-glue-lake --help from the virtual environment"
"$VENV/bin/cdk-glue-lake" --help > dist/python-example-cli-help.txt
grep -q '^Usage: cdk-glue-lake' dist/python-example-cli-help.txt
"$VENV/bin/cdk-glue-lake" --version

echo "== mypy --strict $APP (the stage factory type-checks against ILakeStageFactory)"
(cd "$APP" && ../../"$VENV"/bin/python -m mypy --strict --no-incremental app.py lake_stack.py pipeline_stack.py)

echo "== cdk synth $APP (cdk-nag packs as validation plugins) into $OUT"
start=$SECONDS
(cd "$APP" && PATH="$PWD/../../$VENV/bin:$PATH" ../../node_modules/.bin/cdk synth --no-notices --quiet --output "../../$OUT")
echo "synthesized in $((SECONDS - start)) s"
"$VENV/bin/python" - "$OUT/validation-report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
findings = [v for p in report.get("pluginReports", []) for v in p.get("violations", [])]
assert not findings, json.dumps(findings, indent=1)[:4000]
print("cdk-nag packs: 0 findings")
PY

echo "== templates: Python example vs TypeScript example"
"$VENV/bin/python" scripts/compare-example-templates.py cdk.out "$OUT"

echo "== the README's Python snippets (CDK apps run and synthesize; job fragments compile)"
"$VENV/bin/python" scripts/readme-python-snippets.py
