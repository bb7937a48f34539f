// Integration test of BronzeSilverGoldLake: deploys a lake (DESTROY allowed, so the test cleans up)
// and proves on AWS that the raw layer is immutable: an object can be written to bronze, but
// deleting it is denied by the bucket policy, while a curated layer accepts the same delete.
// Offline, `npm test` synthesizes this app and compares it with the committed snapshot.
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
// The library is installed into integ/node_modules from its packed build (scripts/integ-prepare.js).
// eslint-disable-next-line import/no-extraneous-dependencies
import { BronzeSilverGoldLake, LakeContextKeys } from 'cdk-glue-lake';

const app = new App({ context: { [LakeContextKeys.REMOVE_DATA_ON_DESTROY]: true } });
const stack = new Stack(app, 'CdkGlueLakeIntegLake');
const lake = new BronzeSilverGoldLake(stack, 'Lake', { removalPolicy: RemovalPolicy.DESTROY });

// Writes an object to a layer, then tries to delete it; answers whether the delete was denied.
const probe = new lambda.Function(stack, 'DeleteProbe', {
  runtime: lambda.Runtime.NODEJS_22_X,
  architecture: lambda.Architecture.ARM_64,
  handler: 'index.handler',
  timeout: Duration.seconds(30),
  logGroup: new logs.LogGroup(stack, 'DeleteProbeLogs', { retention: logs.RetentionDays.ONE_DAY, removalPolicy: RemovalPolicy.DESTROY }),
  code: lambda.Code.fromInline(`
const { S3Client, PutObjectCommand, DeleteObjectCommand } = require('@aws-sdk/client-s3');
const s3 = new S3Client({});
exports.handler = async (event) => {
  const Key = 'integ/probe-' + Date.now() + '.txt';
  await s3.send(new PutObjectCommand({ Bucket: event.bucket, Key, Body: 'landed data' }));
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: event.bucket, Key }));
    return { written: true, denied: false };
  } catch (e) {
    if (e.name === 'AccessDenied') return { written: true, denied: true };
    throw e;
  }
};`),
});
lake.bronze.grantReadWrite(probe);
lake.silver.grantReadWrite(probe);

const integ = new IntegTest(app, 'LakeInteg', {
  testCases: [stack],
  diffAssets: false,
  cdkCommandOptions: { destroy: { args: { force: true } } },
});

integ.assertions
  .invokeFunction({ functionName: probe.functionName, payload: JSON.stringify({ bucket: lake.bronze.bucket.bucketName }) })
  .expect(ExpectedResult.objectLike({ Payload: '{"written":true,"denied":true}' }));

integ.assertions
  .invokeFunction({ functionName: probe.functionName, payload: JSON.stringify({ bucket: lake.silver.bucket.bucketName }) })
  .expect(ExpectedResult.objectLike({ Payload: '{"written":true,"denied":false}' }));

app.synth();
