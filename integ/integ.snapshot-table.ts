// Integration test of SnapshotPartitionTable with the example job that loads it: deploys a lake, a
// monthly customers snapshot table in silver and a BookmarkedJob running the example script
// examples/lake-app/jobs/customers_snapshot.py. It lands change events in bronze and runs the job, then
// lands a second batch and runs it again (the bookmark gives the second run only the new file). After
// each run it queries the table's `_current` view through the lake's Athena workgroup and asserts the
// merged customers: the newest version of each key, deleted customers gone and not brought back by an
// older late event. After the second run it reads the table's partitions from the Glue catalog: the
// current period is registered (what Spark through the catalog reads) at a run folder. A table whose
// view or job arguments are wrong, a job that cannot read, write or register, fails here.
// Offline, `npm test` synthesizes this app and compares it with the committed snapshot.
import * as path from 'path';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
// The library is installed into integ/node_modules from its packed build (scripts/integ-prepare.js).
// eslint-disable-next-line import/no-extraneous-dependencies
import {
  BookmarkedJob, BronzeSilverGoldLake, LakeContextKeys, SharedJobResources, SnapshotGranularity, SnapshotPartitionTable,
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
const job = new BookmarkedJob(stack, 'CustomersSnapshot', {
  script: glue.Code.fromAsset(path.join(__dirname, '..', 'examples', 'lake-app', 'jobs', 'customers_snapshot.py')),
  environment: 'integ',
  shared,
  maxWorkers: 2,
  timeout: Duration.minutes(15),
  reprocessing: false,
});
job.readsFrom(lake.bronze, { prefix: 'customers/' }).writesTo(customers);

const integ = new IntegTest(app, 'SnapshotTableInteg', {
  testCases: [stack],
  diffAssets: false,
  cdkCommandOptions: { destroy: { args: { force: true } } },
});

// Change events as the example job expects them, in two batches. First: c-001 changes its email (the newer
// one wins), c-002 never changes, c-003 is created and then deleted. The current month holds two rows.
const firstBatch = [
  { customer_id: 'c-001', email: 'ana@example.com', country: 'PT', updated_at: '2026-01-10T08:00:00Z' },
  { customer_id: 'c-001', email: 'ana.silva@example.com', country: 'PT', updated_at: '2026-02-01T09:30:00.250Z' },
  { customer_id: 'c-002', email: 'bo@example.com', country: 'SE', updated_at: '2026-01-11T10:00:00Z' },
  { customer_id: 'c-003', email: 'cy@example.com', country: 'FR', updated_at: '2026-01-12T11:00:00Z' },
  { customer_id: 'c-003', email: 'cy@example.com', country: 'FR', updated_at: '2026-01-20T12:00:00Z', deleted: true },
];
// Second: c-002 is deleted, and a late event of c-003 older than its delete arrives: its tombstone keeps it
// deleted. The current month then holds c-001 only.
const secondBatch = [
  { customer_id: 'c-002', email: 'bo@example.com', country: 'SE', updated_at: '2026-02-02T10:00:00Z', deleted: true },
  { customer_id: 'c-003', email: 'cy.late@example.com', country: 'FR', updated_at: '2026-01-15T12:00:00Z' },
];
const row = (...values: string[]) => ({ Data: values.map(v => ({ VarCharValue: v })) });

/** Lands `events` as one JSON-lines file, runs the job until it SUCCEEDS, and checks the `_current` view's rows. */
function loadAndQuery(name: string, events: object[], expected: string[][]) {
  const land = integ.assertions.awsApiCall('S3', 'putObject', {
    Bucket: lake.bronze.bucket.bucketName,
    Key: `customers/integ/${name}.json`,
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
  const results = integ.assertions
    .awsApiCall('Athena', 'getQueryResults', { QueryExecutionId: query.getAttString('QueryExecutionId') })
    .expect(ExpectedResult.objectLike({ ResultSet: { Rows: [row('customer_id', 'email', 'country'), ...expected.map(r => row(...r))] } }));
  land.next(run).next(runSucceeded).next(query).next(querySucceeded).next(results);
  return { first: land, last: results, query };
}

const first = loadAndQuery('first', firstBatch, [['c-001', 'ana.silva@example.com', 'PT'], ['c-002', 'bo@example.com', 'SE']]);
const second = loadAndQuery('second', secondBatch, [['c-001', 'ana.silva@example.com', 'PT']]);
// The current period is a registered partition (Spark through the catalog lists these) whose location is
// one run's folder, `<table>/snapshot=<period>/run-<time>-<id>/`.
const partitions = integ.assertions
  .awsApiCall('Glue', 'getPartitions', { DatabaseName: customers.database.databaseName, TableName: customers.tableName })
  .expect(ExpectedResult.objectLike({
    Partitions: Match.arrayWith([
      Match.objectLike({ StorageDescriptor: Match.objectLike({ Location: Match.stringLikeRegexp('/customers/snapshot=[0-9]{4}-[0-9]{2}/run-[^/]+/?$') }) }),
    ]),
  }));
first.last.next(second.first);
second.last.next(partitions);

// The calls above are allowed by integ-tests itself (one action each, on any resource). What S3,
// KMS and Athena do on the caller's behalf is granted here, scoped like a user's would be.
const query = first.query;
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
