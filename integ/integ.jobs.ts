// Integration test of BookmarkedJob (and so GlueJob): deploys a lake and a bookmarked job with the
// library's defaults (security configuration, encrypted log groups, scoped role, temp dir), starts
// a run and asserts on AWS that it SUCCEEDS: a job whose logs, key or temp dir it cannot use fails.
// Then the reprocessing state machine rewinds the bookmark to that run (a real run id).
// Offline, `npm test` synthesizes this app and compares it with the committed snapshot.
import * as path from 'path';
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
// The library is installed into integ/node_modules from its packed build (scripts/integ-prepare.js).
// eslint-disable-next-line import/no-extraneous-dependencies
import { BookmarkedJob, BronzeSilverGoldLake, LakeContextKeys, SharedJobResources } from 'cdk-glue-lake';

const app = new App({ context: { [LakeContextKeys.REMOVE_DATA_ON_DESTROY]: true } });
const stack = new Stack(app, 'CdkGlueLakeIntegJobs');
const lake = new BronzeSilverGoldLake(stack, 'Lake', { removalPolicy: RemovalPolicy.DESTROY });
const shared = new SharedJobResources(stack, 'Jobs', {
  encryptionKey: lake.encryptionKey,
  accessLogsBucket: lake.accessLogsBucket,
  removalPolicy: RemovalPolicy.DESTROY,
  logRetention: Duration.days(1),
});
const job = new BookmarkedJob(stack, 'Probe', {
  script: glue.Code.fromAsset(path.join(__dirname, 'jobs', 'bookmarked_probe.py')),
  environment: 'integ',
  shared,
  maxWorkers: 2,
  timeout: Duration.minutes(15),
});
job.writesTo(lake.silver, { prefix: 'integ/probe/' });

const integ = new IntegTest(app, 'JobsInteg', {
  testCases: [stack],
  diffAssets: false,
  cdkCommandOptions: { destroy: { args: { force: true } } },
});

const run = integ.assertions.awsApiCall('Glue', 'startJobRun', { JobName: job.jobName });
const runSucceeded = integ.assertions
  .awsApiCall('Glue', 'getJobRun', { JobName: job.jobName, RunId: run.getAttString('JobRunId') })
  .expect(ExpectedResult.objectLike({ JobRun: { JobRunState: 'SUCCEEDED' } }))
  .waitForAssertions({ totalTimeout: Duration.minutes(20), interval: Duration.seconds(30) });

// The reprocessing state machine accepts the run id Glue returned (Step Functions' StringMatches
// treats only `*` as a wildcard: a pattern that refused real ids fails here) and rewinds the
// bookmark to that run.
const rewind = integ.assertions.awsApiCall('StepFunctions', 'startExecution', {
  stateMachineArn: job.reprocessStateMachine!.stateMachineArn,
  input: Stack.of(run).toJsonString({ rewindToRunId: run.getAttString('JobRunId') }),
});
const rewound = integ.assertions
  .awsApiCall('StepFunctions', 'describeExecution', { executionArn: rewind.getAttString('executionArn') })
  .expect(ExpectedResult.objectLike({ status: 'SUCCEEDED' }))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) });
run.next(runSucceeded).next(rewind).next(rewound);

app.synth();
