"""Integration probe of PartitionedJobOrchestrator: writes one marker row for its partition.

Reads the partition from `--partition` (passed by the orchestrator's state machine) and writes a
small Parquet file under `<output_silver_path>partition=<id>/`, so a run per partition is visible.
"""
import sys
from datetime import datetime, timezone


def main(glue_context, job, args):
    job.init(args["JOB_NAME"], args)
    spark = glue_context.spark_session
    now = datetime.now(timezone.utc).isoformat()
    frame = spark.createDataFrame([(args["partition"], args["env"], now)], ["partition", "env", "written_at"])
    frame.write.mode("overwrite").option("partitionOverwriteMode", "dynamic").partitionBy("partition").parquet(args["output_silver_path"])
    job.commit()


if __name__ == "__main__":
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext

    resolved = getResolvedOptions(sys.argv, ["JOB_NAME", "env", "partition", "output_silver_path"])
    context = GlueContext(SparkContext.getOrCreate())
    main(context, Job(context), resolved)
