"""Integration probe of DataLakePipeline: the job its integration test step runs (`cdk-glue-lake run-jobs`).

Writes one marker row (environment, time) under `<output_silver_path>smoke/`, so a successful run of
the stage's test is visible in the stage's silver layer.
"""
import sys
from datetime import datetime, timezone


def main(glue_context, job, args):
    job.init(args["JOB_NAME"], args)
    spark = glue_context.spark_session
    frame = spark.createDataFrame([(args["env"], datetime.now(timezone.utc).isoformat())], ["env", "written_at"])
    frame.write.mode("append").parquet(args["output_silver_path"] + "smoke/")
    job.commit()


if __name__ == "__main__":
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext

    resolved = getResolvedOptions(sys.argv, ["JOB_NAME", "env", "output_silver_path"])
    context = GlueContext(SparkContext.getOrCreate())
    main(context, Job(context), resolved)
