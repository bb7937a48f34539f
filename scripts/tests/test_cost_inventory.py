"""Tests of scripts/cost-inventory.py on a small cloud assembly (fixtures/cost-inventory).

The fixture has a top-level stack and a CDK pipelines stage assembly (assembly-Delivery-Prod/)
with one resource of every kind whose price depends on a property, both ways where it matters
(a rotated and an HMAC key, a log group that never expires, a metric-math alarm, a Standard and
an Express state machine, an on-demand and a provisioned table, a V1 and a V2 pipeline, ...).
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "cost-inventory.py"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "cost-inventory"


def load_script() -> ModuleType:
    """The script as a module (its file name has a dash, so it cannot be imported by name)."""
    spec = importlib.util.spec_from_file_location("cost_inventory", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cost_inventory() -> ModuleType:
    """The loaded script."""
    return load_script()


@pytest.fixture(scope="module")
def by_stack(cost_inventory: ModuleType) -> Dict[str, Dict[str, Any]]:
    """The fixture's inventory, keyed by stack display name."""
    return {entry["stack"]: entry for entry in cost_inventory.collect(FIXTURE)}


def run(*args: str) -> subprocess.CompletedProcess:
    """Runs the script as a command."""
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False)


def test_reads_the_stacks_of_nested_stage_assemblies_by_their_display_names(by_stack: Dict[str, Any]) -> None:
    assert sorted(by_stack) == ["Delivery/Prod/Lake", "Lake"]
    assert by_stack["Delivery/Prod/Lake"]["template"] == "assembly-Delivery-Prod/DeliveryProdLake1234ABCD.template.json"


def test_counts_each_cost_bearing_kind_with_the_properties_that_set_its_price(by_stack: Dict[str, Any]) -> None:
    kinds = by_stack["Lake"]["kinds"]
    assert {name: entry["count"] for name, entry in kinds.items()} == {
        "KMS keys": 2,
        "CloudWatch alarms": 3,
        "Log groups": 2,
        "Step Functions state machines": 2,
        "DynamoDB tables": 2,
        "Lambda functions": 2,
        "Glue jobs": 3,
        "Glue triggers": 1,
        "Glue crawlers": 1,
        "S3 buckets": 2,
        "EventBridge rules": 2,
        "SNS topics": 1,
        "SQS queues": 1,
        "Athena workgroups": 1,
    }
    assert kinds["KMS keys"]["details"] == {"HMAC_256, not rotated": 1, "SYMMETRIC_DEFAULT, rotated": 1}
    assert kinds["Log groups"]["details"] == {
        "365 days, KMS-encrypted, STANDARD": 1,
        "never expires, not KMS-encrypted, STANDARD": 1,
    }
    assert kinds["Step Functions state machines"]["details"] == {"EXPRESS": 1, "STANDARD": 1}
    assert kinds["DynamoDB tables"]["details"] == {
        "PAY_PER_REQUEST, PITR, 1 global index": 1,
        "PROVISIONED, no PITR, 0 global indexes": 1,
    }
    assert kinds["Lambda functions"]["details"] == {"128 MB, x86_64": 1, "256 MB, arm64": 1}
    assert kinds["Glue jobs"]["details"] == {
        "glueetl 5.0, 10 x G.1X = 10 DPU, STANDARD, timeout 60 min": 1,
        "glueetl 5.0, 4 x G.2X = 8 DPU, FLEX, Glue's default timeout": 1,
        "pythonshell no GlueVersion, 0.0625 DPU, STANDARD, Glue's default timeout": 1,
    }
    assert kinds["S3 buckets"]["details"] == {
        "not versioned, 0 lifecycle rules": 1,
        "versioned, 3 lifecycle rules, noncurrent versions expire after 1/30 days": 1,
    }
    assert kinds["EventBridge rules"]["details"] == {"event pattern": 1, "schedule cron(0/15 * * * ? *)": 1}


def test_alarms_are_counted_by_the_metrics_they_are_billed_for(by_stack: Dict[str, Any]) -> None:
    assert by_stack["Lake"]["kinds"]["CloudWatch alarms"]["details"] == {
        "high resolution, 1 metric": 1,
        "standard resolution, 1 metric": 1,
        "standard resolution, 2 metrics": 1,  # metric math: the two MetricStat entries, not the expression
    }
    assert by_stack["Lake"]["alarmMetrics"] == 4


def test_pipelines_are_v1_unless_the_template_says_v2(by_stack: Dict[str, Any]) -> None:
    assert by_stack["Delivery/Prod/Lake"]["kinds"]["CodePipeline pipelines"]["details"] == {
        "V1, 2 stages, 3 actions": 1,
        "V2, 1 stage, 1 action": 1,
    }


def test_other_resources_are_counted_as_no_charge_and_catalog_objects_separately(by_stack: Dict[str, Any]) -> None:
    assert by_stack["Lake"]["noChargeByItself"] == {
        "AWS::Glue::Database": 1, "AWS::Glue::Table": 1, "AWS::IAM::Policy": 1, "AWS::IAM::Role": 1,
        "AWS::S3::BucketPolicy": 1,
    }
    assert by_stack["Lake"]["catalogObjects"] == 2
    assert by_stack["Delivery/Prod/Lake"]["noChargeByItself"] == {}


def test_without_a_manifest_the_templates_are_found_by_name(cost_inventory: ModuleType, tmp_path: Path) -> None:
    shutil.copytree(FIXTURE, tmp_path / "out")
    (tmp_path / "out" / "manifest.json").unlink()
    stacks: List[Dict[str, Any]] = cost_inventory.collect(tmp_path / "out")
    assert [s["stack"] for s in stacks] == ["Lake", "assembly-Delivery-Prod/DeliveryProdLake1234ABCD"]


def test_the_command_prints_the_same_report_every_time() -> None:
    first, second = run(str(FIXTURE)), run(str(FIXTURE))
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert "     3  CloudWatch alarms\n" in first.stdout
    assert "           1  never expires, not KMS-encrypted, STANDARD\n" in first.stdout
    assert "        alarm metrics billed: 4\n" in first.stdout
    assert json.loads(run(str(FIXTURE), "--json").stdout)[1]["kinds"]["KMS keys"]["count"] == 2


def test_the_command_refuses_a_missing_directory(tmp_path: Path) -> None:
    result = run(str(tmp_path / "absent"))
    assert result.returncode == 2
    assert "is not a directory" in result.stderr
