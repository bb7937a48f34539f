#!/usr/bin/env python3
"""The example lake app in Python (examples/lake-app/app.ts's twin): the direct lake stack and its
delivery pipeline, with the cdk-nag packs as validation plugins (synthesis fails on any finding)."""
import os

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks

from lake_stack import LakeStack
from pipeline_stack import STAGES, LakePipelineStack

app = App()

# Every construct of the library passes these packs; synthesis fails on any unacknowledged finding.
Validations.of(app).add_plugins(
    AwsSolutionsChecks(app),
    HIPAASecurityChecks(app),
    NIST80053R5Checks(app),
    PCIDSS321Checks(app),
    ServerlessChecks(app),
)

LakeStack(
    app,
    "SalesLake",
    # Its own environment name (and so its own database names): it may share an account with a stage.
    environment="sandbox",
    env=Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION", "eu-west-1")),
    description="cdk-glue-lake example: a bronze/silver/gold data lake on AWS Glue",
)

# The same lake, promoted from dev to prod by a delivery pipeline in the tooling account.
pipeline_env = STAGES.pipeline
assert pipeline_env is not None, "stages.yaml names the pipeline's account and region"
LakePipelineStack(
    app,
    "SalesLakeDelivery",
    env=Environment(account=pipeline_env.account, region=pipeline_env.region),
    description="cdk-glue-lake example: the delivery pipeline of the sales lake (dev, then prod after approval)",
)

app.synth()
