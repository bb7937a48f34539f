#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { LakeStack } from './lake-stack';
import { LakePipelineStack, STAGES } from './pipeline-stack';

const app = new App();

// Every construct of the library passes these packs; synthesis fails on any unacknowledged finding.
Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app),
  new HIPAASecurityChecks(app),
  new NIST80053R5Checks(app),
  new PCIDSS321Checks(app),
  new ServerlessChecks(app),
);

new LakeStack(app, 'SalesLake', {
  // Its own environment name (and so its own database names): it may share an account with a stage.
  environment: 'sandbox',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION ?? 'eu-west-1' },
  description: 'cdk-glue-lake example: a bronze/silver/gold data lake on AWS Glue',
});

// The same lake, promoted from dev to prod by a delivery pipeline in the tooling account.
new LakePipelineStack(app, 'SalesLakeDelivery', {
  env: STAGES.pipeline,
  description: 'cdk-glue-lake example: the delivery pipeline of the sales lake (dev, then prod after approval)',
});

app.synth();
