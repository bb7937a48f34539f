"""Integration probe of BookmarkedJob: writes one small Parquet partition to its output location.

Written on the job runtime (`gluelake`), which GlueJob ships on `--extra-py-files`: a run that
SUCCEEDS on AWS shows the runtime imports on Glue with no PyPI access, and the row it writes carries
the runtime's version. `run_job` initialises the job (bookmarks enabled by the construct) and commits
only after the write succeeded.
"""
from __future__ import annotations

import gluelake
from gluelake.job import JobContext, run_job


def main(ctx: JobContext) -> None:
    now = ctx.started_at
    frame = ctx.spark.createDataFrame([(ctx.args.env, now.isoformat(), now.date().isoformat(), gluelake.__version__)],
                                      ["env", "written_at", "run_date", "runtime_version"])
    (frame.write.mode("overwrite").option("partitionOverwriteMode", "dynamic").partitionBy("run_date")
     .parquet(ctx.args.location("output_silver").path))
    ctx.logger.info("wrote the probe row with the job runtime %s", gluelake.__version__)


if __name__ == "__main__":
    run_job(main)
