#!/usr/bin/env bash
# The Python tests on a local Spark (PySpark 3.5.4, Glue 5.0's Spark; Java 17): the job runtime
# (runtime/), the example Glue jobs and the integ probes (with the runtime's testing kit), and the
# merge SQL the constructs generate, run in Spark on the cases DuckDB runs.
# The virtual environment .venv-test comes from scripts/python-venv.sh. Arguments are passed to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-test
scripts/python-venv.sh

export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ next to the job scripts
export PYSPARK_PYTHON="$PWD/$VENV/bin/python"
# The job runtime (runtime/src/gluelake) from the source tree, with its pytest kit loaded as a plugin
# (a user gets it through the package's pytest11 entry point). Entry-point plugins are not loaded
# automatically: a local build's runtime/src/*.egg-info would register the kit a second time.
export PYTHONPATH="$PWD/runtime/src${PYTHONPATH:+:$PYTHONPATH}"
export PYTEST_DISABLE_PLUGIN_AUTOLOAD=1
exec "$VENV/bin/python" -m pytest -p no:cacheprovider -p gluelake.testing.plugin -q \
  runtime/tests \
  examples/lake-app/jobs/tests \
  test/catalog/test_merge_sql_spark.py \
  scripts/tests \
  "$@"
