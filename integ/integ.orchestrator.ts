// Integration test of PartitionedJobOrchestrator: deploys a lake, a probe job that writes one marker
// per partition, and an orchestrator with two declared partitions (seeded at deploy time). It then
// invokes the dispatcher (as the schedule would) and asserts on AWS that both partitions' executions
// ran the job and recorded SUCCEEDED in the registry, with the Glue run id and the lock holder.
// Offline, `npm test` synthesizes this app and compares it with the committed snapshot.
import * as path from 'path';
import { AssertionsProvider, AwsApiCall, ExpectedResult, IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
// The library is installed into integ/node_modules from its packed build (scripts/integ-prepare.js).
// eslint-disable-next-line import/no-extraneous-dependencies
import { BronzeSilverGoldLake, GlueJob, LakeContextKeys, PartitionedJobOrchestrator, SharedJobResources } from 'cdk-glue-lake';
import { AssertionsPrincipal } from './assertions-principal';

const PARTITIONS = ['alpha', 'beta'];

const app = new App({ context: { [LakeContextKeys.REMOVE_DATA_ON_DESTROY]: true } });
const stack = new Stack(app, 'CdkGlueLakeIntegOrchestrator');
const lake = new BronzeSilverGoldLake(stack, 'Lake', { removalPolicy: RemovalPolicy.DESTROY });
const shared = new SharedJobResources(stack, 'Jobs', {
  encryptionKey: lake.encryptionKey,
  accessLogsBucket: lake.accessLogsBucket,
  removalPolicy: RemovalPolicy.DESTROY,
  logRetention: Duration.days(1),
});
const job = new GlueJob(stack, 'Probe', {
  script: glue.Code.fromAsset(path.join(__dirname, 'jobs', 'partition_probe.py')),
  environment: 'integ',
  shared,
  maxWorkers: 2,
  maxConcurrentRuns: 2,
  timeout: Duration.minutes(15),
});
job.writesTo(lake.silver, { prefix: 'integ/partitions/' });

const orchestrator = new PartitionedJobOrchestrator(stack, 'Partitions', {
  job,
  partitions: PARTITIONS.map(partitionId => ({ partitionId, frequency: Duration.hours(1) })),
  maxConcurrentPartitions: 2,
  shared,
  removalPolicy: RemovalPolicy.DESTROY,
});

const integ = new IntegTest(app, 'OrchestratorInteg', {
  testCases: [stack],
  diffAssets: false,
  cdkCommandOptions: { destroy: { args: { force: true } } },
});

// What the schedule does every 15 minutes: one dispatch, which starts both partitions.
const dispatch = integ.assertions.invokeFunction({ functionName: orchestrator.dispatcher.functionName, payload: '{}' });
dispatch.expect(ExpectedResult.objectLike({ StatusCode: 200 }));

// Each partition's execution marks it running, runs the job with --partition <id>, then records success.
let previous: IApiCall = dispatch;
const readers = new Map<string, AssertionsProvider>();
for (const partitionId of PARTITIONS) {
  const read = integ.assertions.awsApiCall('DynamoDB', 'getItem', {
    TableName: orchestrator.registryTable.tableName,
    Key: { partitionId: { S: partitionId } },
    ConsistentRead: true,
  });
  read.expect(ExpectedResult.objectLike({
    Item: {
      partitionId: { S: partitionId },
      status: { S: 'SUCCEEDED' },
      schedule: { S: 'active' },
      frequencyMinutes: { N: '60' },
      lastRunId: { S: Match.stringLikeRegexp('^jr_') },
      executionArn: { S: Match.stringLikeRegexp(`:${partitionId}-\\d{8}T\\d{4}Z$`) },
    },
  })).waitForAssertions({ totalTimeout: Duration.minutes(25), interval: Duration.seconds(30) });
  readers.set(read.provider.node.path, read.provider);
  readers.set((read as AwsApiCall).waiterProvider!.node.path, (read as AwsApiCall).waiterProvider!);
  previous = previous.next(read);
}
// The first calls and the waiter's polls read the registry (encrypted with the lake key); the
// providers are singletons, so each is granted once.
for (const provider of readers.values()) {
  orchestrator.grantRegistryWrite(new AssertionsPrincipal(provider, stack.account));
}

app.synth();
