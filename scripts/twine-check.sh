#!/usr/bin/env bash
# twine check --strict on built distributions, with twine from PyPI (the release jsii-pacmak builds
# with) in a small virtual environment, .venv-twine (created on first use, reused after).
# Usage: scripts/twine-check.sh dist/python/*
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-twine
TWINE=twine==7.0.0
PYTHON=${PYTHON:-python3}

if ! "$VENV/bin/python" -m pip show -q twine > /dev/null 2>&1 \
    || [ "$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("twine"))')" != "${TWINE#twine==}" ]; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  n=1
  until "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q "$TWINE"; do
    if (( n >= 3 )); then echo "failed to install $TWINE after $n attempts" >&2; exit 1; fi
    echo "attempt $n to install $TWINE failed; retrying in $((n * 15)) s" >&2
    sleep $((n * 15)); n=$((n + 1))
  done
fi
exec "$VENV/bin/python" -m twine check --strict "$@"
