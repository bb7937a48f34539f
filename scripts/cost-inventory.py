#!/usr/bin/env python3
"""Counts the cost-bearing resources of a synthesized CDK app, per stack.

Usage: scripts/cost-inventory.py [CLOUD_ASSEMBLY] [--json]

CLOUD_ASSEMBLY is a cdk.out directory (default: cdk.out). Its stacks are read from manifest.json,
nested stage assemblies (CDK pipelines' assembly-*/ directories) included; a directory without a
manifest is searched for *.template.json files instead. For each stack the script prints the
resources AWS bills for by themselves or by use, grouped by kind, with the properties that set
their price: KMS keys (and how many rotate), CloudWatch alarms (and the metrics they watch, which
is what an alarm is billed by), log groups (retention, KMS encryption), Step Functions state
machines (Standard or Express), DynamoDB tables (billing mode, point-in-time recovery, indexes),
Lambda functions (memory, architecture), Glue jobs (type, version, worker type and count,
execution class, timeout), triggers and crawlers, S3 buckets (versioning, lifecycle rules),
EventBridge rules (schedule or pattern), SNS topics, SQS queues, Athena workgroups, CodePipeline
pipelines (V1 or V2) and CodeBuild projects (compute type). Every other resource type is counted
under "no charge by itself" (IAM roles and policies, bucket policies, Glue databases and tables,
which count towards the Data Catalog's object total).

It prints counts, not prices: prices vary by region and over time (see the README's "Cost").
The output is deterministic: stacks in manifest order, kinds in a fixed order, details sorted.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

# The DPUs one worker of each type is billed for (AWS Glue worker types).
DPU_PER_WORKER: Dict[str, float] = {
    "G.025X": 0.25, "G.1X": 1, "G.2X": 2, "G.4X": 4, "G.8X": 8, "G.12X": 12, "G.16X": 16,
    "R.1X": 1, "R.2X": 2, "R.4X": 4, "R.8X": 8, "Z.2X": 2, "Standard": 1,
}


def _plural(count: int, noun: str) -> str:
    """'1 stage', '2 stages'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _describe(value: Any) -> str:
    """A short, stable text for a property that may be a CloudFormation intrinsic."""
    if value is None:
        return "-"
    if isinstance(value, (dict, list)):
        return "(computed)"
    return str(value)


def _key(resource: Dict[str, Any]) -> str:
    """Key spec and whether the key rotates (each rotation adds to a key's monthly price)."""
    props = resource.get("Properties", {})
    spec = props.get("KeySpec", "SYMMETRIC_DEFAULT")
    rotation = "rotated" if props.get("EnableKeyRotation") is True else "not rotated"
    return f"{_describe(spec)}, {rotation}"


def _alarm_metrics(props: Dict[str, Any]) -> int:
    """The metrics an alarm is billed for: one for a single-metric alarm, one per MetricStat in metric math."""
    metrics = props.get("Metrics")
    if isinstance(metrics, list):
        return max(1, sum(1 for m in metrics if isinstance(m, dict) and "MetricStat" in m))
    return 1


def _alarm(resource: Dict[str, Any]) -> str:
    """Standard or high resolution (a period under 60 seconds), and the metrics billed."""
    props = resource.get("Properties", {})
    stats = [m["MetricStat"] for m in props.get("Metrics", []) if isinstance(m, dict) and "MetricStat" in m]
    periods = [props.get("Period")] if "Period" in props else [stat.get("Period") for stat in stats]
    high_resolution = any(isinstance(p, int) and p < 60 for p in periods)
    metrics = _alarm_metrics(props)
    return f"{'high' if high_resolution else 'standard'} resolution, {_plural(metrics, 'metric')}"


def _composite_alarm(resource: Dict[str, Any]) -> str:
    """Composite alarms have one price each."""
    return "composite"


def _log_group(resource: Dict[str, Any]) -> str:
    """Retention, KMS encryption and log class (storage grows with retention)."""
    props = resource.get("Properties", {})
    retention = props.get("RetentionInDays")
    retention_text = "never expires" if retention is None else f"{_describe(retention)} days"
    encrypted = "KMS-encrypted" if "KmsKeyId" in props else "not KMS-encrypted"
    log_class = props.get("LogGroupClass", "STANDARD")
    return f"{retention_text}, {encrypted}, {_describe(log_class)}"


def _state_machine(resource: Dict[str, Any]) -> str:
    """STANDARD (billed per state transition) or EXPRESS (per request and duration)."""
    return _describe(resource.get("Properties", {}).get("StateMachineType", "STANDARD"))


def _table(resource: Dict[str, Any]) -> str:
    """Billing mode, point-in-time recovery and global indexes (each index write is billed too)."""
    props = resource.get("Properties", {})
    mode = props.get("BillingMode", "PROVISIONED")
    pitr = props.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled") is True
    indexes = len(props.get("GlobalSecondaryIndexes", []))
    return f"{_describe(mode)}, {'PITR' if pitr else 'no PITR'}, {indexes} global index{'' if indexes == 1 else 'es'}"


def _function(resource: Dict[str, Any]) -> str:
    """Memory and architecture, which set the price of a GB-second."""
    props = resource.get("Properties", {})
    memory = props.get("MemorySize", 128)
    architectures = props.get("Architectures", ["x86_64"])
    arch = architectures[0] if isinstance(architectures, list) and architectures else architectures
    return f"{_describe(memory)} MB, {_describe(arch)}"


def _glue_job(resource: Dict[str, Any]) -> str:
    """Command, Glue version, size in DPU, execution class and timeout (the most one run can bill)."""
    props = resource.get("Properties", {})
    command = props.get("Command", {}).get("Name", "glueetl")
    version = props.get("GlueVersion", "-")
    worker = props.get("WorkerType")
    count = props.get("NumberOfWorkers")
    if worker is not None:
        size = f"{_describe(count)} x {_describe(worker)}"
        dpus = DPU_PER_WORKER.get(worker) if isinstance(worker, str) else None
        if dpus is not None and isinstance(count, int):
            size += f" = {count * dpus:g} DPU"
    else:
        size = f"{_describe(props.get('MaxCapacity'))} DPU"
    execution = props.get("ExecutionClass", "STANDARD")
    timeout = props.get("Timeout")
    timeout_text = "Glue's default timeout" if timeout is None else f"timeout {_describe(timeout)} min"
    version_text = "no GlueVersion" if version == "-" else _describe(version)
    return f"{_describe(command)} {version_text}, {size}, {_describe(execution)}, {timeout_text}"


def _trigger(resource: Dict[str, Any]) -> str:
    """SCHEDULED, CONDITIONAL or ON_DEMAND."""
    return _describe(resource.get("Properties", {}).get("Type"))


def _crawler(resource: Dict[str, Any]) -> str:
    """Scheduled or on demand (a crawler bills DPU-hours per run)."""
    schedule = resource.get("Properties", {}).get("Schedule", {}).get("ScheduleExpression")
    return "scheduled" if schedule else "on demand"


def _bucket(resource: Dict[str, Any]) -> str:
    """Versioning, lifecycle rules and the noncurrent-version expirations they set."""
    props = resource.get("Properties", {})
    versioned = props.get("VersioningConfiguration", {}).get("Status") == "Enabled"
    rules = props.get("LifecycleConfiguration", {}).get("Rules", [])
    noncurrent = sorted({
        r["NoncurrentVersionExpiration"]["NoncurrentDays"] for r in rules
        if isinstance(r, dict) and isinstance(r.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays"), int)
    })
    text = f"{'versioned' if versioned else 'not versioned'}, {_plural(len(rules), 'lifecycle rule')}"
    if noncurrent:
        text += ", noncurrent versions expire after " + "/".join(str(d) for d in noncurrent) + " days"
    return text


def _rule(resource: Dict[str, Any]) -> str:
    """A schedule or an event pattern."""
    props = resource.get("Properties", {})
    if props.get("ScheduleExpression") is not None:
        return f"schedule {_describe(props['ScheduleExpression'])}"
    return "event pattern"


def _topic(resource: Dict[str, Any]) -> str:
    """Whether the topic's messages are encrypted with a KMS key."""
    return "KMS-encrypted" if "KmsMasterKeyId" in resource.get("Properties", {}) else "not KMS-encrypted"


def _queue(resource: Dict[str, Any]) -> str:
    """The queue's encryption: its own KMS key, SQS-managed keys or none."""
    props = resource.get("Properties", {})
    if "KmsMasterKeyId" in props:
        return "KMS-encrypted"
    return "SQS-managed encryption" if props.get("SqsManagedSseEnabled") is not False else "not encrypted"


def _workgroup(resource: Dict[str, Any]) -> str:
    """The per-query scan limit (Athena bills per byte scanned)."""
    cutoff = resource.get("Properties", {}).get("WorkGroupConfiguration", {}).get("BytesScannedCutoffPerQuery")
    return "no per-query scan limit" if cutoff is None else f"scan limit {_describe(cutoff)} bytes per query"


def _pipeline(resource: Dict[str, Any]) -> str:
    """V1 (per active pipeline a month) or V2 (per action-minute), stages and actions."""
    props = resource.get("Properties", {})
    stages = props.get("Stages", [])
    actions = sum(len(s.get("Actions", [])) for s in stages if isinstance(s, dict))
    pipeline_type = _describe(props.get("PipelineType", "V1"))
    return f"{pipeline_type}, {_plural(len(stages), 'stage')}, {_plural(actions, 'action')}"


def _project(resource: Dict[str, Any]) -> str:
    """Compute type and environment, which set the price of a build minute."""
    env = resource.get("Properties", {}).get("Environment", {})
    return f"{_describe(env.get('ComputeType'))}, {_describe(env.get('Type'))}"


def _plain(resource: Dict[str, Any]) -> str:
    """No detail."""
    return ""


# Kind, CloudFormation types, how to describe one resource; in the order they are printed.
KINDS: List[Tuple[str, Tuple[str, ...], Callable[[Dict[str, Any]], str]]] = [
    ("KMS keys", ("AWS::KMS::Key",), _key),
    ("CloudWatch alarms", ("AWS::CloudWatch::Alarm",), _alarm),
    ("CloudWatch composite alarms", ("AWS::CloudWatch::CompositeAlarm",), _composite_alarm),
    ("Log groups", ("AWS::Logs::LogGroup",), _log_group),
    ("Step Functions state machines", ("AWS::StepFunctions::StateMachine",), _state_machine),
    ("DynamoDB tables", ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"), _table),
    ("Lambda functions", ("AWS::Lambda::Function",), _function),
    ("Glue jobs", ("AWS::Glue::Job",), _glue_job),
    ("Glue triggers", ("AWS::Glue::Trigger",), _trigger),
    ("Glue crawlers", ("AWS::Glue::Crawler",), _crawler),
    ("S3 buckets", ("AWS::S3::Bucket",), _bucket),
    ("EventBridge rules", ("AWS::Events::Rule",), _rule),
    ("SNS topics", ("AWS::SNS::Topic",), _topic),
    ("SQS queues", ("AWS::SQS::Queue",), _queue),
    ("Athena workgroups", ("AWS::Athena::WorkGroup",), _workgroup),
    ("CodePipeline pipelines", ("AWS::CodePipeline::Pipeline",), _pipeline),
    ("CodeBuild projects", ("AWS::CodeBuild::Project",), _project),
    ("Secrets Manager secrets", ("AWS::SecretsManager::Secret",), _plain),
]
KIND_OF_TYPE: Dict[str, int] = {t: i for i, (_, types, _) in enumerate(KINDS) for t in types}
# Catalog objects the template creates (the Data Catalog bills objects past the first million).
CATALOG_TYPES = ("AWS::Glue::Database", "AWS::Glue::Table", "AWS::Glue::Partition")


def stacks(root: Path, prefix: str = "") -> Iterator[Tuple[str, Path]]:
    """(display name, template path) of every stack of a cloud assembly, nested assemblies included."""
    manifest_path = root / "manifest.json"
    if not manifest_path.is_file():
        for template in sorted(root.rglob("*.template.json")):
            yield template.relative_to(root).as_posix()[: -len(".template.json")], template
        return
    manifest = json.loads(manifest_path.read_text())
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        props = artifact.get("properties", {})
        if artifact.get("type") == "aws:cloudformation:stack":
            yield artifact.get("displayName", prefix + artifact_id), root / props["templateFile"]
        elif artifact.get("type") == "cdk:cloud-assembly":
            yield from stacks(root / props["directoryName"], prefix)


def inventory(template: Dict[str, Any]) -> Dict[str, Any]:
    """The cost-bearing resources of one template: per kind the count and the count per description."""
    kinds: Dict[str, Dict[str, Any]] = {}
    free: Counter = Counter()
    catalog_objects = 0
    for resource in template.get("Resources", {}).values():
        rtype = resource.get("Type", "")
        index = KIND_OF_TYPE.get(rtype)
        if index is None:
            free[rtype] += 1
            if rtype in CATALOG_TYPES:
                catalog_objects += 1
            continue
        name, _, describe = KINDS[index]
        entry = kinds.setdefault(name, {"count": 0, "details": Counter()})
        entry["count"] += 1
        detail = describe(resource)
        if detail:
            entry["details"][detail] += 1
    ordered = {
        name: {"count": kinds[name]["count"], "details": dict(sorted(kinds[name]["details"].items()))}
        for name, _, _ in KINDS if name in kinds
    }
    alarm_metrics = sum(
        _alarm_metrics(r.get("Properties", {})) for r in template.get("Resources", {}).values()
        if r.get("Type") == "AWS::CloudWatch::Alarm"
    )
    return {
        "kinds": ordered,
        "alarmMetrics": alarm_metrics,
        "catalogObjects": catalog_objects,
        "noChargeByItself": dict(sorted(free.items())),
    }


def collect(root: Path) -> List[Dict[str, Any]]:
    """The inventory of every stack of the cloud assembly at root."""
    result = []
    for name, template_path in stacks(root):
        entry = {"stack": name, "template": template_path.relative_to(root).as_posix()}
        entry.update(inventory(json.loads(template_path.read_text())))
        result.append(entry)
    return result


def render(result: List[Dict[str, Any]]) -> str:
    """The human-readable report."""
    lines: List[str] = []
    for stack in result:
        lines.append(f"{stack['stack']} ({stack['template']})")
        for name, entry in stack["kinds"].items():
            lines.append(f"  {entry['count']:>4}  {name}")
            for detail, count in entry["details"].items():
                lines.append(f"        {count:>4}  {detail}")
        if stack["alarmMetrics"]:
            lines.append(f"        alarm metrics billed: {stack['alarmMetrics']}")
        free_count = sum(stack["noChargeByItself"].values())
        if free_count:
            lines.append(f"  {free_count:>4}  no charge by itself ("
                         + ", ".join(f"{t} {c}" for t, c in stack["noChargeByItself"].items()) + ")")
        if stack["catalogObjects"]:
            lines.append(f"        Data Catalog objects (databases, tables): {stack['catalogObjects']}")
        lines.append("")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    """Prints the inventory of the cloud assembly named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assembly", nargs="?", default="cdk.out", help="a cdk.out directory (default: cdk.out)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args(argv)
    root = Path(args.assembly)
    if not root.is_dir():
        print(f"cost-inventory: {root} is not a directory (synthesize the app first)", file=sys.stderr)
        return 2
    result = collect(root)
    if not result:
        print(f"cost-inventory: no stack templates in {root}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
