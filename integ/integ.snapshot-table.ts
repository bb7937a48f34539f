// Integration test of SnapshotPartitionTable with the example job that loads it: deploys a lake, a
// monthly customers snapshot table in silver and a GlueJob running the example script
// examples/lake-app/jobs/customers_snapshot.py. It lands change events in bronze, runs the job until
// it SUCCEEDS, then queries the table's `_current` view through the lake's Athena workgroup and
// asserts the merged customers: the newest version of each key, deleted customers gone. A table whose
// projection, view or job arguments are wrong, or a job that cannot read or write, fails here.
// Offline, `npm test` synthesizes this app and compares it with the committed snapshot.
import * as path from 'path';
import { AssertionsProvider, ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
// The library is installed into integ/node_modules from its packed build (scripts/integ-prepare.js).
// eslint-disable-next-line import/no-extraneous-dependencies
import {
  BronzeSilverGoldLake, GlueJob, LakeContextKeys, SharedJobResources, SnapshotGranularity, SnapshotPartitionTable,
} from 'cdk-glue-lake';
import { AssertionsPrincipal } from './assertions-principal';

const app = new App({ context: { [LakeContextKeys.REMOVE_DATA_ON_DESTROY]: true } });
const stack = new Stack(app, 'CdkGlueLakeIntegSnapshotTable');
const lake = new BronzeSilverGoldLake(stack, 'Lake', { removalPolicy: RemovalPolicy.DESTROY });
// The jobs' resources have a key of their own (as `SharedJobResources.of(stack)` does by default):
// what the job writes must still be readable by whoever the table's grantRead admits (the query below).
const shared = new SharedJobResources(stack, 'Jobs', {
  accessLogsBucket: lake.accessLogsBucket,
  removalPolicy: RemovalPolicy.DESTROY,
  logRetention: Duration.days(1),
});
const customers = new SnapshotPartitionTable(stack, 'Customers', {
  layer: lake.silver,
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
  removalPolicy: RemovalPolicy.DESTROY,
});
const job = new GlueJob(stack, 'CustomersSnapshot', {
  script: glue.Code.fromAsset(path.join(__dirname, '..', 'examples', 'lake-app', 'jobs', 'customers_snapshot.py')),
  environment: 'integ',
  shared,
  maxWorkers: 2,
  timeout: Duration.minutes(15),
});
job.readsFrom(lake.bronze, { prefix: 'customers/' }).writesTo(customers);

const integ = new IntegTest(app, 'SnapshotTableInteg', {
  testCases: [stack],
  diffAssets: false,
  cdkCommandOptions: { destroy: { args: { force: true } } },
});

// Change events as the example job expects them: c-001 changes its email (the newer one wins),
// c-002 never changes, c-003 is created and then deleted. The current month's snapshot holds two rows.
const events = [
  { customer_id: 'c-001', email: 'ana@example.com', country: 'PT', updated_at: '2026-01-10T08:00:00Z' },
  { customer_id: 'c-001', email: 'ana.silva@example.com', country: 'PT', updated_at: '2026-02-01T09:30:00.250Z' },
  { customer_id: 'c-002', email: 'bo@example.com', country: 'SE', updated_at: '2026-01-11T10:00:00Z' },
  { customer_id: 'c-003', email: 'cy@example.com', country: 'FR', updated_at: '2026-01-12T11:00:00Z' },
  { customer_id: 'c-003', email: 'cy@example.com', country: 'FR', updated_at: '2026-01-20T12:00:00Z', deleted: true },
];
const landEvents = integ.assertions.awsApiCall('S3', 'putObject', {
  Bucket: lake.bronze.bucket.bucketName,
  Key: 'customers/integ/events.json',
  Body: events.map(e => JSON.stringify(e)).join('\n') + '\n',
});

const run = integ.assertions.awsApiCall('Glue', 'startJobRun', { JobName: job.jobName });
const runSucceeded = integ.assertions
  .awsApiCall('Glue', 'getJobRun', { JobName: job.jobName, RunId: run.getAttString('JobRunId') })
  .expect(ExpectedResult.objectLike({ JobRun: { JobRunState: 'SUCCEEDED' } }))
  .waitForAssertions({ totalTimeout: Duration.minutes(20), interval: Duration.seconds(30) });

const query = integ.assertions.awsApiCall('Athena', 'startQueryExecution', {
  QueryString: `SELECT customer_id, email, country FROM ${customers.currentViewName} ORDER BY customer_id`,
  QueryExecutionContext: { Database: customers.database.databaseName },
  WorkGroup: lake.workgroup!.workgroupName,
});
const querySucceeded = integ.assertions
  .awsApiCall('Athena', 'getQueryExecution', { QueryExecutionId: query.getAttString('QueryExecutionId') })
  .expect(ExpectedResult.objectLike({ QueryExecution: { Status: { State: 'SUCCEEDED' } } }))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(10) });
const row = (...values: string[]) => ({ Data: values.map(v => ({ VarCharValue: v })) });
const results = integ.assertions
  .awsApiCall('Athena', 'getQueryResults', { QueryExecutionId: query.getAttString('QueryExecutionId') })
  .expect(ExpectedResult.objectLike({
    ResultSet: {
      Rows: [
        row('customer_id', 'email', 'country'),
        row('c-001', 'ana.silva@example.com', 'PT'),
        row('c-002', 'bo@example.com', 'SE'),
      ],
    },
  }));

landEvents.next(run).next(runSucceeded).next(query).next(querySucceeded).next(results);

// The calls above are allowed by integ-tests itself (one action each, on any resource). What S3,
// KMS and Athena do on the caller's behalf is granted here, scoped like a user's would be.
const deployAssert = Stack.of(query.provider);
const grantee = new AssertionsPrincipal(query.provider, deployAssert.account);
// Landing the events: objects under the job's input prefix, encrypted with the lake key.
lake.bronze.bucket.grantPut(grantee, 'customers/*');
// The query: the table, its partitions and view in the catalog, its objects and the key through S3.
customers.grantRead(grantee);
// Athena's guide asks for access to the catalog's `default` database too (read only here).
query.provider.addToRolePolicy({
  Effect: 'Allow',
  Action: ['glue:GetDatabase'],
  Resource: [deployAssert.formatArn({
    service: 'glue', resource: 'database', resourceName: 'default', arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  })],
});
// The results: Athena writes them, encrypted, with the caller's rights, and GetQueryResults reads them.
lake.workgroup!.resultsBucket.grantPut(grantee, 'results/*');
lake.workgroup!.resultsBucket.grantRead(grantee, 'results/*');

app.synth();
