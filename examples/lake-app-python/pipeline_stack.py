"""The delivery pipeline of the sales lake, in Python: the same as examples/lake-app/pipeline-stack.ts.

Source, Build, UpdatePipeline, Assets, Dev (+ smoke test), approval, Prod. The stage factory is a
Python class that implements the library's jsii interface ``ILakeStageFactory``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Union

import jsii
from aws_cdk import Stack, Stage, Tags
from aws_cdk import pipelines
from cdk_glue_lake import DataLakePipeline, ILakeStageFactory, LakePipelineConfig, LakePipelineConfigFile, StageIntegrationTest
from constructs import Construct

from lake_stack import LakeStack

# The stage configuration (pipeline account, dev and prod), validated when loaded: stages.yaml links
# to the TypeScript example's file.
STAGES: LakePipelineConfig = LakePipelineConfigFile.load(str(Path(__file__).resolve().parent / "stages.yaml"))


@jsii.implements(ILakeStageFactory)
class SalesLakeStages:
    """Builds the lake of one stage, with the stage's environment name; the jobs the integration test
    runs are tagged ``lake-integ=smoke``.

    jsii hands the stage's configuration (a ``LakeStageConfig``) to Python as keyword arguments, as
    ``ILakeStageFactory.create_stacks`` declares them: this signature type-checks (mypy) against the
    interface.
    """

    def create_stacks(
        self,
        stage: Stage,
        *,
        account: str,
        name: str,
        region: str,
        integration_test: Optional[Union[StageIntegrationTest, Dict[str, Any]]] = None,
        require_approval: Optional[bool] = None,
        values: Optional[Mapping[str, str]] = None,
    ) -> None:
        lake = LakeStack(
            stage,
            "SalesLake",
            environment=(values or {}).get("environment"),
            description=f"cdk-glue-lake example: the sales lake, stage {name}",
        )
        # Quick, self-contained jobs make the smoke test: each must succeed within the stage's maxDuration.
        for job in (lake.orders_job, lake.customers_job):
            Tags.of(job).add("lake-integ", "smoke")


class LakePipelineStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.delivery = DataLakePipeline(
            self,
            "Delivery",
            # A CodeStar connection to the lake's repository (create it once in the console or CLI).
            source=pipelines.CodePipelineSource.connection(
                "acme/sales-lake",
                "main",
                connection_arn="arn:aws:codeconnections:eu-west-1:000000000000:connection/00000000-0000-0000-0000-000000000000",
            ),
            stages=STAGES.stages,
            stage_factory=SalesLakeStages(),
            pipeline_name="sales-lake-delivery",
        )
