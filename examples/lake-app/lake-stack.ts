import * as path from 'path';
import { CfnOutput, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as glue from 'aws-cdk-lib/aws-glue';
// The example imports the library by its package name, as a user does (scripts/link-self.js links it).
// eslint-disable-next-line import/no-extraneous-dependencies
import {
  AlertTopic, BookmarkedJob, BronzeSilverGoldLake, GlueJob, LayerDefinition, PartitionedJobOrchestrator, PiiTokenizer, SharedJobResources,
  SnapshotCompression, SnapshotGranularity, SnapshotPartitionTable,
} from 'cdk-glue-lake';
import { Construct } from 'constructs';

/**
 * The example data lake: bronze/silver/gold layers, their Glue databases and an Athena workgroup,
 * two bronze -> silver jobs (a plain one on a schedule, a bookmarked one chained after it), and a
 * monthly snapshot table of customers in silver with the daily job that loads it from change events,
 * a per-provider job run once per provider, each on its own frequency, by an orchestrator, and the
 * customers published to gold with their emails replaced by tokens from a shared tokenizer.
 */
export interface LakeStackProps extends StackProps {
  /** The environment name the jobs get as `--env` (e.g. `dev`, `prod`). Default: `dev`. */
  readonly environment?: string;
}

export class LakeStack extends Stack {
  public readonly lake: BronzeSilverGoldLake;
  public readonly ordersJob: GlueJob;
  public readonly eventsJob: BookmarkedJob;
  public readonly customersTable: SnapshotPartitionTable;
  public readonly customersJob: BookmarkedJob;
  public readonly providersJob: GlueJob;
  public readonly providerRuns: PartitionedJobOrchestrator;
  public readonly emailTokenizer: PiiTokenizer;
  public readonly customersToGoldJob: GlueJob;

  constructor(scope: Construct, id: string, props: LakeStackProps = {}) {
    super(scope, id, props);
    const environment = props.environment ?? 'dev';

    this.lake = new BronzeSilverGoldLake(this, 'Lake', {
      // Database names are the lake's user-facing names (Athena queries use them) and are unique per
      // account and region: one prefix per environment, so that two environments can share an account.
      databasePrefix: `sales_${environment.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`,
      layers: [
        LayerDefinition.bronze({ intelligentTieringAfter: Duration.days(30) }),
        LayerDefinition.silver(),
        LayerDefinition.gold({ noncurrentVersionExpiration: Duration.days(14) }),
      ],
    });
    // A table job not in this example writes here; its staging files expire after a day.
    this.lake.gold.stagingLifecycle?.addPrefix('daily_revenue/');

    // One security configuration, temporary bucket and set of log groups for the lake's jobs,
    // encrypted with the lake's key and logging bucket access to the lake's access-log bucket.
    const shared = new SharedJobResources(this, 'Jobs', {
      encryptionKey: this.lake.encryptionKey,
      accessLogsBucket: this.lake.accessLogsBucket,
    });

    // Failed, timed-out and errored runs are announced here: a topic encrypted with a key of its own
    // (not the lake's data key). The jobs' EventBridge rules are admitted when they target it;
    // the orchestrator's CloudWatch alarms are admitted here. Both only from this account and Region.
    const alertTopic = new AlertTopic(this, 'JobAlerts');
    alertTopic.allowCloudWatchAlarms();
    const alerts = alertTopic.topic;

    const jobs = path.join(__dirname, 'jobs');
    this.ordersJob = new GlueJob(this, 'OrdersToSilver', {
      script: glue.Code.fromAsset(path.join(jobs, 'orders_to_silver.py')),
      description: 'Cleans and deduplicates raw orders into silver, one partition per order date',
      environment,
      shared,
      schedule: events.Schedule.cron({ minute: '0', hour: '2' }),
      failureTopic: alerts,
    });
    this.ordersJob
      .readsFrom(this.lake.bronze, { prefix: 'orders/' })
      .writesTo(this.lake.silver, { prefix: 'orders/' });

    this.eventsJob = new BookmarkedJob(this, 'EventsToSilver', {
      script: glue.Code.fromAsset(path.join(jobs, 'events_to_silver_bookmarked.py')),
      description: 'Loads new click events into silver incrementally (job bookmarks)',
      environment,
      shared,
      failureTopic: alerts,
    });
    this.eventsJob
      .readsFrom(this.lake.bronze, { prefix: 'events/' })
      .writesTo(this.lake.silver, { prefix: 'events/' })
      .runsAfter(this.ordersJob);

    // One full copy of the customers per month: a month's partition holds the customers as the month's
    // last load left them, `customers_current` the newest. Snapshots older than 400 days expire.
    this.customersTable = new SnapshotPartitionTable(this, 'Customers', {
      layer: this.lake.silver,
      tableName: 'customers',
      columns: [
        { name: 'customer_id', type: glue.Schema.STRING },
        { name: 'email', type: glue.Schema.STRING },
        { name: 'country', type: glue.Schema.STRING },
        { name: 'updated_at', type: glue.Schema.TIMESTAMP },
      ],
      primaryKey: ['customer_id'],
      effectiveDateColumn: 'updated_at',
      granularity: SnapshotGranularity.MONTH,
      retention: Duration.days(400),
      compression: SnapshotCompression.ZSTD,
    });

    // Merges the customer change events that arrived since the last committed run (job bookmark) into
    // the current month each day. The table passes the layout, the merge SQL and its settings as
    // --output_customers_* arguments. A failed run does not move the bookmark: its retry reads the same
    // files again, which the merge makes harmless, so one retry is safe.
    this.customersJob = new BookmarkedJob(this, 'CustomersSnapshot', {
      script: glue.Code.fromAsset(path.join(jobs, 'customers_snapshot.py')),
      description: 'Merges the new customer change events in bronze into the monthly customers snapshot in silver',
      environment,
      shared,
      maxRetries: 1,
      schedule: events.Schedule.cron({ minute: '30', hour: '2' }),
      failureTopic: alerts,
    });
    this.customersJob
      .readsFrom(this.lake.bronze, { prefix: 'customers/' })
      .writesTo(this.customersTable);

    // Events land in bronze per provider (providers/provider=<id>/). The orchestrator runs the job once
    // per due provider, concurrently, passing --partition <id>; providers are added to its registry
    // without a deploy (see the README), the three below are declared here.
    this.providersJob = new GlueJob(this, 'ProviderEventsToSilver', {
      script: glue.Code.fromAsset(path.join(jobs, 'provider_events_to_silver.py')),
      description: 'Converts one provider\'s raw events into silver Parquet (run per provider by ProviderRuns)',
      environment,
      shared,
      maxWorkers: 4,
      timeout: Duration.minutes(30),
      maxConcurrentRuns: 10,
      failureTopic: alerts,
    });
    this.providersJob
      .readsFrom(this.lake.bronze, { prefix: 'providers/' })
      .writesTo(this.lake.silver, { prefix: 'providers/' });

    this.providerRuns = new PartitionedJobOrchestrator(this, 'ProviderRuns', {
      job: this.providersJob,
      partitions: [
        { partitionId: 'acme', frequency: Duration.hours(1) },
        { partitionId: 'globex', frequency: Duration.hours(6) },
        { partitionId: 'initech' }, // daily
      ],
      maxConcurrentPartitions: 10,
      shared,
      alarmTopic: alerts,
    });
    // Emails leave silver only as tokens: the same email always gets the same token (so gold stays
    // joinable), the token reveals nothing, and only principals granted detokenize see emails again.
    // Emails are compared lower-cased and trimmed.
    this.emailTokenizer = new PiiTokenizer(this, 'EmailTokenizer', { normalization: { caseFold: true } });
    this.customersToGoldJob = new GlueJob(this, 'CustomersToGold', {
      script: glue.Code.fromAsset(path.join(jobs, 'customers_to_gold_tokenized.py')),
      description: 'Publishes the newest customers snapshot to gold with tokenized emails',
      environment,
      shared,
      maxWorkers: 4,
      timeout: Duration.minutes(30),
      failureTopic: alerts,
    });
    // Reads the table, not its prefix: the job finds the newest published period through the catalog
    // (--input_customers_*), never the superseded or failed run folders beside it.
    this.customersToGoldJob
      .readsFrom(this.customersTable)
      .writesTo(this.lake.gold, { prefix: 'customers/' })
      .runsAfter(this.customersJob);
    // Passes --pii_tokenizer_function and lets the job invoke the tokenize function (not detokenize).
    this.emailTokenizer.bindToJob(this.customersToGoldJob);

    new CfnOutput(this, 'ProviderRegistryTableName', {
      description: 'Add a provider: aws dynamodb put-item --table-name <this> --item (see the README)',
      value: this.providerRuns.registryTable.tableName,
    });
  }
}
