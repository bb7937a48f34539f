"""The example data lake, in Python: the same lake as examples/lake-app/lake-stack.ts.

Bronze/silver/gold layers, their Glue databases and an Athena workgroup, two bronze -> silver jobs
(a plain one on a schedule, a bookmarked one chained after it), a monthly snapshot table of customers
in silver with the daily job that loads it from change events, a per-provider job run once per
provider, each on its own frequency, by an orchestrator, and the customers published to gold with
their emails replaced by tokens from a shared tokenizer.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Optional

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_glue as glue
from cdk_glue_lake import (
    AlertTopic,
    BookmarkedJob,
    BronzeSilverGoldLake,
    GlueJob,
    LayerDefinition,
    PartitionDefinition,
    PartitionedJobOrchestrator,
    PiiTokenizer,
    SharedJobResources,
    SnapshotCompression,
    SnapshotGranularity,
    SnapshotPartitionTable,
    TokenNormalization,
)
from constructs import Construct

# The Glue job scripts: jobs/ links to the TypeScript example's (one copy, tested by the Python job
# tests). Glue names a script's asset after its path relative to the app's folder, so both apps
# reference jobs/<script>.py.
JOBS = Path(__file__).resolve().parent / "jobs"


class LakeStack(Stack):
    """The example lake. ``environment`` is the name the jobs get as ``--env`` (default ``dev``)."""

    def __init__(self, scope: Construct, construct_id: str, *, environment: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        environment = environment or "dev"

        # Database names are the lake's user-facing names (Athena queries use them) and are unique per
        # account and region: one prefix per environment, so that two environments can share an account.
        self.lake = BronzeSilverGoldLake(
            self,
            "Lake",
            database_prefix="sales_" + re.sub(r"[^a-z0-9_]", "_", environment.lower()),
            layers=[
                LayerDefinition.bronze(intelligent_tiering_after=Duration.days(30)),
                LayerDefinition.silver(),
                LayerDefinition.gold(noncurrent_version_expiration=Duration.days(14)),
            ],
        )
        # A table job not in this example writes here; its staging files expire after a day.
        if self.lake.gold.staging_lifecycle is not None:
            self.lake.gold.staging_lifecycle.add_prefix("daily_revenue/")

        # One security configuration, temporary bucket and set of log groups for the lake's jobs.
        shared = SharedJobResources(
            self,
            "Jobs",
            encryption_key=self.lake.encryption_key,
            access_logs_bucket=self.lake.access_logs_bucket,
        )

        # Failed, timed-out and errored runs are announced on a topic with a key of its own.
        alert_topic = AlertTopic(self, "JobAlerts")
        alert_topic.allow_cloud_watch_alarms()
        alerts = alert_topic.topic

        self.orders_job = GlueJob(
            self,
            "OrdersToSilver",
            script=glue.Code.from_asset(str(JOBS / "orders_to_silver.py")),
            description="Cleans and deduplicates raw orders into silver, one partition per order date",
            environment=environment,
            shared=shared,
            schedule=events.Schedule.cron(minute="0", hour="2"),
            failure_topic=alerts,
        )
        self.orders_job.reads_from(self.lake.bronze, prefix="orders/").writes_to(self.lake.silver, prefix="orders/")

        self.events_job = BookmarkedJob(
            self,
            "EventsToSilver",
            script=glue.Code.from_asset(str(JOBS / "events_to_silver_bookmarked.py")),
            description="Loads new click events into silver incrementally (job bookmarks)",
            environment=environment,
            shared=shared,
            failure_topic=alerts,
        )
        (
            self.events_job.reads_from(self.lake.bronze, prefix="events/")
            .writes_to(self.lake.silver, prefix="events/")
            .runs_after(self.orders_job)
        )

        # One full copy of the customers per month: a month's partition holds the customers as the month's
        # last load left them, customers_current the newest. Snapshots older than 400 days expire.
        self.customers_table = SnapshotPartitionTable(
            self,
            "Customers",
            layer=self.lake.silver,
            table_name="customers",
            columns=[
                glue.Column(name="customer_id", type=glue.Schema.STRING),
                glue.Column(name="email", type=glue.Schema.STRING),
                glue.Column(name="country", type=glue.Schema.STRING),
                glue.Column(name="updated_at", type=glue.Schema.TIMESTAMP),
            ],
            primary_key=["customer_id"],
            effective_date_column="updated_at",
            granularity=SnapshotGranularity.MONTH,
            retention=Duration.days(400),
            compression=SnapshotCompression.ZSTD,
        )

        # Merges the customer change events that arrived since the last committed run (job bookmark) into the
        # current month each day; a failed run does not move the bookmark, so one retry is safe.
        self.customers_job = BookmarkedJob(
            self,
            "CustomersSnapshot",
            script=glue.Code.from_asset(str(JOBS / "customers_snapshot.py")),
            description="Merges the new customer change events in bronze into the monthly customers snapshot in silver",
            environment=environment,
            shared=shared,
            max_retries=1,
            schedule=events.Schedule.cron(minute="30", hour="2"),
            failure_topic=alerts,
        )
        self.customers_job.reads_from(self.lake.bronze, prefix="customers/").writes_to(self.customers_table)

        # Events land in bronze per provider; the orchestrator runs the job once per due provider.
        self.providers_job = GlueJob(
            self,
            "ProviderEventsToSilver",
            script=glue.Code.from_asset(str(JOBS / "provider_events_to_silver.py")),
            description="Converts one provider's raw events into silver Parquet (run per provider by ProviderRuns)",
            environment=environment,
            shared=shared,
            max_workers=4,
            timeout=Duration.minutes(30),
            max_concurrent_runs=10,
            failure_topic=alerts,
        )
        self.providers_job.reads_from(self.lake.bronze, prefix="providers/").writes_to(self.lake.silver, prefix="providers/")

        self.provider_runs = PartitionedJobOrchestrator(
            self,
            "ProviderRuns",
            job=self.providers_job,
            partitions=[
                PartitionDefinition(partition_id="acme", frequency=Duration.hours(1)),
                PartitionDefinition(partition_id="globex", frequency=Duration.hours(6)),
                PartitionDefinition(partition_id="initech"),  # daily
            ],
            max_concurrent_partitions=10,
            shared=shared,
            alarm_topic=alerts,
        )

        # Emails leave silver only as tokens (compared lower-cased and trimmed).
        self.email_tokenizer = PiiTokenizer(self, "EmailTokenizer", normalization=TokenNormalization(case_fold=True))
        self.customers_to_gold_job = GlueJob(
            self,
            "CustomersToGold",
            script=glue.Code.from_asset(str(JOBS / "customers_to_gold_tokenized.py")),
            description="Publishes the newest customers snapshot to gold with tokenized emails",
            environment=environment,
            shared=shared,
            max_workers=4,
            timeout=Duration.minutes(30),
            failure_topic=alerts,
        )
        # Reads the table, not its prefix: the newest published period through the catalog (--input_customers_*).
        (
            self.customers_to_gold_job.reads_from(self.customers_table)
            .writes_to(self.lake.gold, prefix="customers/")
            .runs_after(self.customers_job)
        )
        # Passes --pii_tokenizer_function and lets the job invoke the tokenize function (not detokenize).
        self.email_tokenizer.bind_to_job(self.customers_to_gold_job)

        CfnOutput(
            self,
            "ProviderRegistryTableName",
            description="Add a provider: aws dynamodb put-item --table-name <this> --item (see the README)",
            value=self.provider_runs.registry_table.table_name,
        )
