"""Integration probe of BookmarkedJob: writes one small Parquet partition to its output location.

Reads its location from the job arguments GlueJob.writesTo passes, initialises the job (bookmarks
enabled by the construct) and commits only after the write succeeded.
"""
import sys
from datetime import datetime, timezone


def main(glue_context, job, args):
    job.init(args["JOB_NAME"], args)
    spark = glue_context.spark_session
    now = datetime.now(timezone.utc)
    frame = spark.createDataFrame([(args["env"], now.isoformat(), now.date().isoformat())], ["env", "written_at", "run_date"])
    frame.write.mode("overwrite").option("partitionOverwriteMode", "dynamic").partitionBy("run_date").parquet(args["output_silver_path"])
    job.commit()


if __name__ == "__main__":
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext

    resolved = getResolvedOptions(sys.argv, ["JOB_NAME", "env", "output_silver_path"])
    context = GlueContext(SparkContext.getOrCreate())
    main(context, Job(context), resolved)
