/**
 * The scale app of issue 17: a user app built from the README at the size of a data platform.
 * Default `BronzeSilverGoldLake`, `tables` monthly `SnapshotPartitionTable`s in silver, `jobs`
 * `GlueJob`s: the first `tables` each load one table (`readsFrom(bronze)` + `writesTo(table)`), the
 * rest read a bronze prefix and write a silver prefix; one `PartitionedJobOrchestrator` on the first
 * prefix job (or job 0), one `PiiTokenizer` bound to a job. `scheduled` gives every job a Glue
 * scheduled trigger.
 *
 * `buildRawScaleApp` is the same lake (same lake, same tables) with the jobs written as raw
 * aws-cdk-lib `glue.PySparkEtlJob` L2 jobs, each with its own role and the buckets' own grants
 * (`grantRead`/`grantReadWrite` on the prefix, which includes the key through the bucket), for the
 * 1.3x synthesis comparison. No orchestrator, no tokenizer (neither takes a raw job as its job).
 */
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  BronzeSilverGoldLake, GlueJob, PartitionedJobOrchestrator, PiiTokenizer, SnapshotGranularity, SnapshotPartitionTable,
} from '../../src';

export interface ScaleAppOptions {
  /** Number of Glue jobs. */
  readonly jobs: number;
  /** Number of snapshot tables (each loaded by one job; must be <= jobs). Default: floor(jobs / 2). */
  readonly tables?: number;
  /** Give every job a daily Glue scheduled trigger. Default: false. */
  readonly scheduled?: boolean;
  /** aws-cdk-lib's builtin CloudFormation template validation. Default: true (aws-cdk-lib's default). */
  readonly validation?: boolean;
  /** Extra App context (e.g. feature flags such as `@aws-cdk/aws-iam:minimizePolicies`). */
  readonly context?: Record<string, unknown>;
  /** Output directory of the app. Default: a temporary directory. */
  readonly outdir?: string;
}

export interface ScaleApp {
  readonly app: App;
  readonly stack: Stack;
  readonly jobs: glue.IJob[];
}

const SCRIPT = path.join(__dirname, '..', '..', 'examples', 'lake-app', 'jobs', 'orders_to_silver.py');

function newApp(options: ScaleAppOptions): { app: App; stack: Stack } {
  const app = new App({
    outdir: options.outdir,
    builtinCloudFormationValidation: options.validation ?? true,
    // Past 500 resources aws-cdk-lib refuses to synthesize; the benchmark measures past the limit.
    context: { '@aws-cdk/core:stackResourceLimit': 0, ...options.context },
  });
  const stack = new Stack(app, 'ScaleLake', { env: { account: '111111111111', region: 'eu-west-1' } });
  return { app, stack };
}

function tableCount(options: ScaleAppOptions): number {
  const tables = options.tables ?? Math.floor(options.jobs / 2);
  if (tables > options.jobs) throw new Error(`tables (${tables}) must be at most jobs (${options.jobs})`);
  return tables;
}

function pad(i: number): string {
  return String(i).padStart(3, '0');
}

function lakeAndTables(stack: Stack, tables: number): { lake: BronzeSilverGoldLake; snapshotTables: SnapshotPartitionTable[] } {
  const lake = new BronzeSilverGoldLake(stack, 'Lake');
  const snapshotTables: SnapshotPartitionTable[] = [];
  for (let t = 0; t < tables; t++) {
    snapshotTables.push(new SnapshotPartitionTable(stack, `Table${pad(t)}`, {
      layer: lake.silver,
      tableName: `entity_${pad(t)}`,
      columns: [
        { name: 'entity_id', type: glue.Schema.STRING },
        { name: 'payload', type: glue.Schema.STRING },
        { name: 'updated_at', type: glue.Schema.TIMESTAMP },
      ],
      primaryKey: ['entity_id'],
      effectiveDateColumn: 'updated_at',
      granularity: SnapshotGranularity.MONTH,
    }));
  }
  return { lake, snapshotTables };
}

/** The scale app with the library's `GlueJob`s. */
export function buildScaleApp(options: ScaleAppOptions): ScaleApp {
  const { app, stack } = newApp(options);
  const tables = tableCount(options);
  const { lake, snapshotTables } = lakeAndTables(stack, tables);
  const script = glue.Code.fromAsset(SCRIPT);
  const jobs: GlueJob[] = [];
  for (let j = 0; j < options.jobs; j++) {
    const job = new GlueJob(stack, `Job${pad(j)}`, {
      script,
      maxConcurrentRuns: 10,
      schedule: options.scheduled ? events.Schedule.cron({ minute: String((j * 5) % 60), hour: '2' }) : undefined,
    });
    job.readsFrom(lake.bronze, { prefix: `source_${pad(j)}/` });
    if (j < tables) job.writesTo(snapshotTables[j]);
    else job.writesTo(lake.silver, { prefix: `prefix_${pad(j)}/` });
    jobs.push(job);
  }
  // The orchestrator runs a prefix job (a table job when every job loads a table).
  const orchestrated = jobs[Math.min(tables, jobs.length - 1)];
  new PartitionedJobOrchestrator(stack, 'Providers', {
    job: orchestrated,
    partitions: [
      { partitionId: 'acme', frequency: Duration.hours(1) },
      { partitionId: 'globex' },
    ],
    maxConcurrentPartitions: 10,
  });
  const tokenizer = new PiiTokenizer(stack, 'EmailTokenizer', { normalization: { caseFold: true } });
  tokenizer.bindToJob(jobs[jobs.length - 1]);
  return { app, stack, jobs };
}

/** The same lake with raw aws-cdk-lib `glue.PySparkEtlJob` jobs (L2), for the synthesis comparison. */
export function buildRawScaleApp(options: ScaleAppOptions): ScaleApp {
  const { app, stack } = newApp(options);
  const tables = tableCount(options);
  const { lake, snapshotTables } = lakeAndTables(stack, tables);
  const script = glue.Code.fromAsset(SCRIPT);
  const jobs: glue.IJob[] = [];
  for (let j = 0; j < options.jobs; j++) {
    const role = new iam.Role(stack, `Job${pad(j)}Role`, {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSGlueServiceRole')],
    });
    lake.bronze.bucket.grantRead(role, `source_${pad(j)}/*`);
    const prefix = j < tables ? `entity_${pad(j)}/*` : `prefix_${pad(j)}/*`;
    lake.silver.bucket.grantReadWrite(role, prefix);
    if (j < tables) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['glue:GetTable', 'glue:GetPartitions', 'glue:BatchCreatePartition', 'glue:UpdateTable'],
        resources: [snapshotTables[j].tableArn, lake.silver.database.databaseArn, stack.formatArn({ service: 'glue', resource: 'catalog' })],
      }));
    }
    const job = new glue.PySparkEtlJob(stack, `Job${pad(j)}`, {
      role,
      script,
      maxConcurrentRuns: 10,
      defaultArguments: {
        '--input_bronze_path': lake.bronze.bucket.s3UrlForObject(`source_${pad(j)}/`),
        '--output_silver_path': lake.silver.bucket.s3UrlForObject(prefix.slice(0, -1)),
        '--output_silver_database': lake.silver.database.databaseName,
      },
    });
    if (options.scheduled) {
      new glue.CfnTrigger(stack, `Job${pad(j)}Schedule`, {
        type: 'SCHEDULED',
        schedule: `cron(${(j * 5) % 60} 2 * * ? *)`,
        startOnCreation: true,
        actions: [{ jobName: job.jobName }],
      });
    }
    jobs.push(job);
  }
  return { app, stack, jobs };
}
