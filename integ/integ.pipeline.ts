// Integration test of DataLakePipeline: deploys the delivery pipeline of a small lake (one stage in
// the test account, with an integration test of its tagged job) and checks on AWS what a security
// reviewer looks at first: the artifact key rotates, the artifact bucket logs its access, and the
// pipeline is a V2 pipeline with its stages in order. The pipeline's own run needs a source zip in
// the source bucket and a bootstrapped account (`cdk bootstrap --trust`); it is not started here.
// Offline, `npm test` synthesizes this app and compares it with the committed snapshot.
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, RemovalPolicy, Stack, Stage, Tags } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as pipelines from 'aws-cdk-lib/pipelines';
// The library is installed into integ/node_modules from its packed build (scripts/integ-prepare.js).
// eslint-disable-next-line import/no-extraneous-dependencies
import {
  BronzeSilverGoldLake, DataLakePipeline, GlueJob, ILakeStageFactory, LakeContextKeys, LakeStageConfig,
} from 'cdk-glue-lake';

// CDK Pipelines needs a literal account and region: the ones integ-runner deploys to, or placeholders offline.
const account = /^\d{12}$/.test(process.env.CDK_INTEG_ACCOUNT ?? '') ? process.env.CDK_INTEG_ACCOUNT! : '123456789012';
const region = /^[a-z]{2}(-[a-z]+)+-\d$/.test(process.env.CDK_INTEG_REGION ?? '') ? process.env.CDK_INTEG_REGION! : 'us-east-1';

const app = new App({ context: { [LakeContextKeys.REMOVE_DATA_ON_DESTROY]: true } });
const stack = new Stack(app, 'CdkGlueLakeIntegPipeline', { env: { account, region } });

/** One lake stack per stage, with one job tagged for the integration test. */
class IntegLakeStages implements ILakeStageFactory {
  public createStacks(stage: Stage, config: LakeStageConfig): void {
    const lakeStack = new Stack(stage, 'Lake');
    const lake = new BronzeSilverGoldLake(lakeStack, 'Lake', { removalPolicy: RemovalPolicy.DESTROY });
    const job = new GlueJob(lakeStack, 'OrdersToSilver', {
      // Relative to integ/ (integ-runner's working directory): Glue names the asset's construct after a
      // hash of the path as given, and CDK Pipelines names the asset's action after that construct, so
      // an absolute path would make the snapshot depend on where the repository is checked out.
      script: glue.Code.fromAsset('jobs/smoke_probe.py'),
      environment: config.values?.environment,
    });
    job.writesTo(lake.silver, { prefix: 'integ/' });
    Tags.of(job).add('lake-integ', 'smoke');
  }
}

const source = new s3.Bucket(stack, 'Source', {
  enforceSSL: true,
  versioned: true,
  removalPolicy: RemovalPolicy.DESTROY,
  autoDeleteObjects: true,
});
const delivery = new DataLakePipeline(stack, 'Delivery', {
  source: pipelines.CodePipelineSource.s3(source, 'lake-app.zip'),
  stages: [{
    name: 'Test',
    account,
    region,
    values: { environment: 'test' },
    integrationTest: { tag: { key: 'lake-integ', value: 'smoke' } },
  }],
  stageFactory: new IntegLakeStages(),
  removalPolicy: RemovalPolicy.DESTROY,
});

const integ = new IntegTest(app, 'PipelineInteg', {
  testCases: [stack],
  diffAssets: false,
  cdkCommandOptions: { destroy: { args: { force: true } } },
  // In the pipeline's environment, so the assertions can read its resources.
  assertionStack: new Stack(app, 'CdkGlueLakeIntegPipelineAssertions', { env: { account, region } }),
});

integ.assertions
  .awsApiCall('KMS', 'getKeyRotationStatus', { KeyId: delivery.artifactKey.keyId })
  .expect(ExpectedResult.objectLike({ KeyRotationEnabled: true }));
integ.assertions
  .awsApiCall('S3', 'getBucketLogging', { Bucket: delivery.artifactBucket.bucketName })
  .expect(ExpectedResult.objectLike({ LoggingEnabled: { TargetPrefix: 'artifacts/' } }));
integ.assertions
  .awsApiCall('CodePipeline', 'getPipeline', { name: delivery.codePipeline.pipelineName })
  .expect(ExpectedResult.objectLike({ pipeline: { pipelineType: 'V2' } }));
