import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  BookmarkedJob, BronzeSilverGoldLake, GlueJob, PartitionedJobOrchestrator, PiiTokenizer, SharedJobResources, SnapshotPartitionTable,
} from '../src';
import { customersTableProps } from './catalog/fixtures';
import { expectNoNagFindings } from './helpers/nag';
import { AppTemplates } from './helpers/templates';
import { script } from './processing/fixtures';

const ENV = { account: '111111111111', region: 'eu-west-1' };

/**
 * The layout of a real lake app (issue 15, defect 6): storage (the lake), jobs (their shared
 * resources with the lake's access-log bucket, jobs, a snapshot table, a bookmarked job),
 * governance (a tokenizer bound to a job) and orchestration (a partitioned orchestrator).
 */
function layeredApp() {
  const app = new App();
  const storage = new Stack(app, 'Storage', { env: ENV });
  const lake = new BronzeSilverGoldLake(storage, 'Lake', { databasePrefix: 'sales' });

  const jobs = new Stack(app, 'Jobs', { env: ENV });
  const shared = new SharedJobResources(jobs, 'Shared', { accessLogsBucket: lake.accessLogsBucket });
  const orders = new GlueJob(jobs, 'Orders', { script: script(), shared })
    .readsFrom(lake.bronze, { prefix: 'orders/' })
    .writesTo(lake.silver, { prefix: 'orders/' });
  const customers = new SnapshotPartitionTable(jobs, 'Customers', customersTableProps(lake.silver));
  const toCustomers = new GlueJob(jobs, 'ToCustomers', { script: script(), shared })
    .readsFrom(lake.bronze, { prefix: 'customers/', argumentName: 'raw_customers' })
    .writesTo(customers);
  const events = new BookmarkedJob(jobs, 'Events', { script: script(), shared });
  events.readsFrom(lake.bronze, { prefix: 'events/' }).writesTo(lake.gold, { prefix: 'events/' });

  const governance = new Stack(app, 'Governance', { env: ENV });
  const tokenizer = new PiiTokenizer(governance, 'Tokenizer');
  tokenizer.bindToJob(toCustomers);

  const orchestration = new Stack(app, 'Orchestration', { env: ENV });
  new PartitionedJobOrchestrator(orchestration, 'PerProvider', { job: orders });

  return { app, storage, jobs, governance, orchestration, lake, shared, orders, toCustomers, events, customers };
}

describe('storage / jobs / governance / orchestration stacks (issue 15, defect 6)', () => {
  const layout = layeredApp();
  const { app, lake, shared, orders, toCustomers, events } = layout;
  let t: AppTemplates;

  test('the app synthesizes: no dependency cycle, and every dependency points one way', () => {
    t = new AppTemplates(app);
    const deps = t.stackDependencies(app);
    expect(deps.Storage).toEqual([]);
    expect(deps.Jobs).toContain('Storage');
    expect(deps.Orchestration).toContain('Jobs');
    // Acyclic: no stack depends, directly or not, on a stack that depends on it.
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
      deps[from].some(d => d === to || (!seen.has(d) && (seen.add(d), reaches(d, to, seen))));
    for (const name of Object.keys(deps)) expect(reaches(name, name)).toBe(false);
  });

  test('every job role may read and write its locations in the lake\'s buckets with the lake\'s key', () => {
    t ??= new AppTemplates(app);
    const lakeKey = t.idOf(lake.encryptionKey);
    for (const job of [orders, toCustomers, events]) {
      const role = t.idOf(job.role);
      expect(t.resourcesAllowed(role, 'kms:Decrypt')).toContain(lakeKey);
      expect(t.resourcesAllowed(role, 'kms:GenerateDataKey')).toContain(lakeKey);
      expect(t.resourcesAllowed(role, 's3:GetObject')).toContain(t.idOf(lake.bronze.bucket));
    }
    expect(t.resourcesAllowed(t.idOf(orders.role), 's3:PutObject')).toContain(t.idOf(lake.silver.bucket));
    expect(t.resourcesAllowed(t.idOf(toCustomers.role), 's3:PutObject')).toContain(t.idOf(lake.silver.bucket));
    expect(t.resourcesAllowed(t.idOf(events.role), 's3:PutObject')).toContain(t.idOf(lake.gold.bucket));
    // The tokenizer's grant reached the job's role.
    expect(t.resourcesAllowed(t.idOf(toCustomers.role), 'lambda:InvokeFunction').length).toBeGreaterThan(0);
  });

  test('the staging lifecycle of every write location and the snapshot table\'s rule land on the lake bucket, in the storage stack', () => {
    t ??= new AppTemplates(app);
    const rulesOf = (bucket: s3.IBucket) => {
      const [stack, id] = t.idOf(bucket).split('/');
      return (t.templates[stack].Resources[id].Properties.LifecycleConfiguration.Rules as any[]).map(r => r.Prefix).filter(Boolean);
    };
    // The customers snapshot table takes its noncurrent-version rule (no staging rules: loads write into run folders).
    expect(rulesOf(lake.silver.bucket)).toEqual(expect.arrayContaining(['orders/.spark-staging', 'orders/_temporary/', 'customers/']));
    expect(rulesOf(lake.silver.bucket).filter((p: string) => p.startsWith('customers/'))).toEqual(['customers/']);
    expect(rulesOf(lake.gold.bucket)).toEqual(expect.arrayContaining(['events/.spark-staging', 'events/_temporary/']));
  });

  test('access logs: the temporary bucket logs to the lake\'s log bucket, whose policy admits the S3 logging service for it', () => {
    t ??= new AppTemplates(app);
    const [tempStack, tempId] = t.idOf(shared.tempBucket).split('/');
    const logging = t.templates[tempStack].Resources[tempId].Properties.LoggingConfiguration;
    expect(logging.LogFilePrefix).toBe('glue-temp/');
    expect(t.resourceOf(tempStack, logging.DestinationBucketName)).toBe(t.idOf(lake.accessLogsBucket));

    const logBucket = t.idOf(lake.accessLogsBucket);
    const [logStack] = logBucket.split('/');
    const policy = Object.values<any>(t.templates[logStack].Resources)
      .find(r => r.Type === 'AWS::S3::BucketPolicy' && t.resourceOf(logStack, r.Properties.Bucket) === logBucket);
    const statement = policy.Properties.PolicyDocument.Statement
      .find((s: any) => s.Principal?.Service === 'logging.s3.amazonaws.com' && JSON.stringify(s.Resource).includes('glue-temp/'));
    expect(statement).toBeDefined();
    expect(statement.Effect).toBe('Allow');
    expect(statement.Action).toBe('s3:PutObject');
    expect(t.resourceOf(logStack, statement.Resource['Fn::Join'][1][0])).toBe(logBucket);
    expect(statement.Resource['Fn::Join'][1][1]).toBe('/glue-temp/*');
    // Only this account's buckets, and no reference back into the jobs stack (that was the cycle).
    expect(statement.Condition.StringEquals).toEqual({ 'aws:SourceAccount': '111111111111' });
    expect(JSON.stringify(statement)).not.toContain('ImportValue');
  });

  test('cdk-nag: the storage stack, with the statement for the jobs\' log delivery, has zero unacknowledged findings', () => {
    t ??= new AppTemplates(app);
    expectNoNagFindings(layout.storage);
  });

  test('cdk-nag: every stack has zero unacknowledged findings (grants on another stack\'s resources are acknowledged as cdk-nag renders them, through Fn::ImportValue)', () => {
    t ??= new AppTemplates(app);
    expectNoNagFindings(app);
  });
});

describe('what cannot work is refused (issue 15, defect 6)', () => {
  test('an imported access-log bucket: its bucket policy cannot admit the S3 logging service', () => {
    const stack = new Stack(new App(), 'Jobs', { env: ENV });
    const imported = s3.Bucket.fromBucketName(stack, 'Logs', 'my-access-logs');
    expect(() => new SharedJobResources(stack, 'Shared', { accessLogsBucket: imported })).toThrow(
      "SharedJobResources at 'Jobs/Shared': invalid prop 'accessLogsBucket': received the imported bucket at 'Jobs/Logs', whose bucket policy this app cannot change; "
      + 'expected a bucket defined in this app (new s3.Bucket, e.g. the lake\'s accessLogsBucket): S3 delivers server access logs only when the '
      + 'destination\'s bucket policy allows the logging service (logging.s3.amazonaws.com) to put them under \'glue-temp/\'; leave accessLogsBucket unset for a new log bucket');
  });
});
