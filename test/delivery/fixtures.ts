import { App, Stack, Stage, StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import {
  BronzeSilverGoldLake, DataLakePipeline, DataLakePipelineProps, GlueJob, ILakeStageFactory, LakeStageConfig,
} from '../../src';
import { script } from '../processing/fixtures';

export const PIPELINE_ENV = { account: '000000000000', region: 'eu-west-1' };
export const DEV: LakeStageConfig = {
  name: 'Dev',
  account: '111111111111',
  region: 'eu-west-1',
  values: { ordersInput: 'orders/' },
  integrationTest: { tag: { key: 'lake-integ', value: 'dev' } },
};
export const PROD: LakeStageConfig = {
  name: 'Prod',
  account: '222222222222',
  region: 'eu-west-1',
  requireApproval: true,
  values: { ordersInput: 'orders/' },
};

/** A lake stack the way a user writes one: values from the stage configuration. */
class SalesLakeStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { readonly config: LakeStageConfig }) {
    super(scope, id, props);
    const lake = new BronzeSilverGoldLake(this, 'Lake', { databasePrefix: 'sales' });
    new GlueJob(this, 'OrdersToSilver', {
      script: script(),
      tags: { 'lake-integ': props.config.name.toLowerCase() },
    })
      .readsFrom(lake.bronze, { prefix: props.config.values!.ordersInput })
      .writesTo(lake.silver, { prefix: 'orders/' });
  }
}

/** The stage factory as a user implements it: one lake stack per stage. */
export class SalesLakeFactory implements ILakeStageFactory {
  public readonly calls: string[] = [];
  public createStacks(stage: Stage, config: LakeStageConfig): void {
    this.calls.push(config.name);
    new SalesLakeStack(stage, 'SalesLake', { config });
  }
}

/** A pipeline stack with a CodeCommit-free source (an S3 bucket), the given stages and factory. */
export function pipelineStack(overrides: Partial<DataLakePipelineProps> = {}, env: StackProps['env'] = PIPELINE_ENV) {
  const app = new App();
  const stack = new Stack(app, 'Delivery', { env });
  const sourceBucket = new s3.Bucket(stack, 'SourceBucket');
  const factory = new SalesLakeFactory();
  const pipeline = new DataLakePipeline(stack, 'LakePipeline', {
    source: pipelines.CodePipelineSource.s3(sourceBucket, 'lake-app.zip'),
    stages: [DEV, PROD],
    stageFactory: factory,
    ...overrides,
  });
  return { app, stack, pipeline, factory };
}

/** Synthesizes the pipeline (CDK Pipelines builds the CodePipeline at synthesis). */
export function synthesizePipeline(overrides: Partial<DataLakePipelineProps> = {}) {
  const built = pipelineStack(overrides);
  built.app.synth();
  return { ...built, template: Template.fromStack(built.stack) };
}
