#!/usr/bin/env python3
"""Compares the Python example's synthesized templates with the TypeScript example's.

Usage: scripts/compare-example-templates.py TS_CLOUD_ASSEMBLY PY_CLOUD_ASSEMBLY

Every stack template of both cloud assemblies (nested stage assemblies included) is paired by its
file name; resources are paired by logical id (ids derive from construct paths, which the two apps
share) and, when ids differ, by type and normalized properties. Compared: each resource's type,
properties, DependsOn, conditions, deletion and update policies; outputs, parameters, conditions
and mappings. Not compared: asset hashes (any 64-hex string), path and asset metadata, and the
CDKMetadata resource and the BootstrapVersion rule/parameter the CDK CLI adds (the Python app is
synthesized without the CLI). Prints every difference; exits 1 when there is one.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

HASH = re.compile(r"[0-9a-f]{64}")
IGNORED_METADATA = {"aws:cdk:path", "aws:asset:path", "aws:asset:property", "aws:asset:is-bundled"}
CLI_ONLY_RESOURCES = {"CDKMetadata"}
CLI_ONLY_CONDITIONS = {"CDKMetadataAvailable"}


def normalize(value: Any) -> Any:
    if isinstance(value, str):
        return HASH.sub("<hash>", value)
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    return value


def templates(root: Path) -> Dict[str, dict]:
    return {p.relative_to(root).as_posix(): json.loads(p.read_text()) for p in sorted(root.rglob("*.template.json"))}


def diff(a: Any, b: Any, path: str) -> Iterator[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in b:
                yield f"{path}.{k}: only in TypeScript: {json.dumps(a[k])[:300]}"
            elif k not in a:
                yield f"{path}.{k}: only in Python: {json.dumps(b[k])[:300]}"
            else:
                yield from diff(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from diff(x, y, f"{path}[{i}]")
    elif a != b:
        yield f"{path}: TypeScript {json.dumps(a)[:300]} != Python {json.dumps(b)[:300]}"


def comparable(resource: dict) -> dict:
    r = normalize(dict(resource))
    metadata = {k: v for k, v in (r.pop("Metadata", None) or {}).items() if k not in IGNORED_METADATA}
    if metadata:
        r["Metadata"] = metadata
    return r


def compare_template(name: str, ts: dict, py: dict) -> List[str]:
    out: List[str] = []
    ts_res = {k: v for k, v in ts.get("Resources", {}).items() if k not in CLI_ONLY_RESOURCES}
    py_res = {k: v for k, v in py.get("Resources", {}).items() if k not in CLI_ONLY_RESOURCES}
    only_ts = sorted(set(ts_res) - set(py_res))
    only_py = sorted(set(py_res) - set(ts_res))
    # Pair what the ids do not pair by type and equal (normalized) properties.
    for t in list(only_ts):
        for p in list(only_py):
            if comparable(ts_res[t]) == comparable(py_res[p]):
                only_ts.remove(t)
                only_py.remove(p)
                break
    out += [f"{name}: resource {t} ({ts_res[t]['Type']}) only in TypeScript" for t in only_ts]
    out += [f"{name}: resource {p} ({py_res[p]['Type']}) only in Python" for p in only_py]
    for lid in sorted(set(ts_res) & set(py_res)):
        out += [f"{name}: {d}" for d in diff(comparable(ts_res[lid]), comparable(py_res[lid]), f"Resources.{lid}")]
    for section in ("Outputs", "Parameters", "Conditions", "Mappings", "Rules"):
        a = {k: v for k, v in ts.get(section, {}).items() if k not in CLI_ONLY_CONDITIONS and k not in ("BootstrapVersion", "CheckBootstrapVersion")}
        b = {k: v for k, v in py.get(section, {}).items() if k not in CLI_ONLY_CONDITIONS and k not in ("BootstrapVersion", "CheckBootstrapVersion")}
        out += [f"{name}: {d}" for d in diff(normalize(a), normalize(b), section)]
    for key in ("Description", "AWSTemplateFormatVersion", "Transform"):
        out += [f"{name}: {d}" for d in diff(ts.get(key), py.get(key), key)]
    return out


def main(argv: List[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    ts_all, py_all = templates(Path(argv[1])), templates(Path(argv[2]))
    differences: List[str] = []
    differences += [f"template {n} only in TypeScript" for n in sorted(set(ts_all) - set(py_all))]
    differences += [f"template {n} only in Python" for n in sorted(set(py_all) - set(ts_all))]
    counts: List[Tuple[str, int]] = []
    for name in sorted(set(ts_all) & set(py_all)):
        differences += compare_template(name, ts_all[name], py_all[name])
        counts.append((name, len([k for k in ts_all[name].get("Resources", {}) if k not in CLI_ONLY_RESOURCES])))
    for name, n in counts:
        print(f"compared {name}: {n} resources")
    for d in differences:
        print("DIFF", d)
    print(f"{len(differences)} difference(s) in {len(counts)} template(s)")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
