#!/usr/bin/env bash
# Creates (first use) or updates (when the pinned requirements change) the Python environment of the
# tests and the Spark benchmark: .venv-test with examples/lake-app/jobs/tests/requirements.txt
# (PySpark 3.5.4, Glue 5.0's Spark; pytest, moto, boto3; exact pins). Later runs reuse it.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-test
REQUIREMENTS=examples/lake-app/jobs/tests/requirements.txt
PYTHON=${PYTHON:-python3}  # any CPython 3.11+ with venv and pip (Debian's /usr/bin/python3 needs python3-venv)
STAMP="$VENV/.requirements.sha256"

retry() { # retry N cmd...: bounded retries for transient registry or network errors
  local attempts=$1; shift
  local n=1
  until "$@"; do
    if (( n >= attempts )); then echo "failed after $n attempts: $*" >&2; return 1; fi
    echo "attempt $n failed: $*; retrying in $((n * 15)) s" >&2
    sleep $((n * 15)); n=$((n + 1))
  done
}

if ! command -v java > /dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
  echo "PySpark needs Java (17): put java on PATH or set JAVA_HOME" >&2
  exit 1
fi

wanted=$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ]; then
  echo "creating $VENV with $("$PYTHON" --version 2>&1) ($(command -v "$PYTHON"))"
  if ! "$PYTHON" -m venv "$VENV"; then
    rm -rf "$VENV"
    echo "'$PYTHON -m venv' failed: install the venv module (Debian: apt-get install python3-venv) or set PYTHON" >&2
    exit 1
  fi
fi
if [ "$(cat "$STAMP" 2> /dev/null || true)" != "$wanted" ]; then
  echo "installing $REQUIREMENTS into $VENV (PySpark is a ~317 MB download the first time)"
  retry 3 "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$REQUIREMENTS"
  echo "$wanted" > "$STAMP"
fi

