import * as path from 'path';
import { Stack, StackProps, Stage, Tags } from 'aws-cdk-lib';
import * as pipelines from 'aws-cdk-lib/pipelines';
// eslint-disable-next-line import/no-extraneous-dependencies
import { DataLakePipeline, ILakeStageFactory, LakePipelineConfig, LakePipelineConfigFile, LakeStageConfig } from 'cdk-glue-lake';
import { Construct } from 'constructs';
import { LakeStack } from './lake-stack';

/** The example's stage configuration (pipeline account, dev and prod), validated when loaded. */
export const STAGES: LakePipelineConfig = LakePipelineConfigFile.load(path.join(__dirname, 'stages.yaml'));

/**
 * Builds the lake of one stage: the same `LakeStack` as the direct deployment, with the stage's
 * environment name, and the jobs the integration test runs tagged `lake-integ=smoke`.
 */
export class SalesLakeStages implements ILakeStageFactory {
  public createStacks(stage: Stage, config: LakeStageConfig): void {
    const lake = new LakeStack(stage, 'SalesLake', {
      environment: config.values?.environment,
      description: `cdk-glue-lake example: the sales lake, stage ${config.name}`,
    });
    // Quick, self-contained jobs make the smoke test: each must succeed within the stage's maxDuration.
    for (const job of [lake.ordersJob, lake.customersJob]) Tags.of(job).add('lake-integ', 'smoke');
  }
}

/** The delivery pipeline of the sales lake: Source, Build, UpdatePipeline, Assets, Dev (+ smoke test), approval, Prod. */
export class LakePipelineStack extends Stack {
  public readonly delivery: DataLakePipeline;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.delivery = new DataLakePipeline(this, 'Delivery', {
      // A CodeStar connection to the lake's repository (create it once in the console or CLI).
      source: pipelines.CodePipelineSource.connection('acme/sales-lake', 'main', {
        connectionArn: 'arn:aws:codeconnections:eu-west-1:000000000000:connection/00000000-0000-0000-0000-000000000000',
      }),
      stages: STAGES.stages,
      stageFactory: new SalesLakeStages(),
      pipelineName: 'sales-lake-delivery',
    });
  }
}
