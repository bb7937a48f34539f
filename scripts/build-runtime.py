#!/usr/bin/env python3
"""Build the job runtime (`gluelake`) that every GlueJob ships with, and stage its PyPI package.

Default mode: writes ``assets/runtime/gluelake.zip`` from ``runtime/src/gluelake``, the archive
that ``GlueJob`` passes to Glue with ``--extra-py-files`` (Python imports packages straight from a
zip on ``sys.path``). ``gluelake/_version.py`` inside it carries ``package.json``'s version, so a
job runs the runtime of the construct library that deployed it.

The archive is deterministic, so the CDK asset hash only changes when the runtime does: entries
sorted, timestamps 1980-01-01 00:00:00, permissions 0644, no ``__pycache__``/``*.pyc`` (bytecode
depends on the Python version: Glue 5.x runs 3.11, Glue 6.0 3.13), and entries *stored*, not
deflated (compressed bytes depend on the zlib build, which differs between machines; the package
is small). The pytest kit ``gluelake/testing`` is left out: jobs never import it (it is for the
tests on a developer's machine, installed from PyPI with the ``testing`` extra).

``--stage DIR``: copies ``runtime/`` (without caches and build outputs) to ``DIR`` with the same
``_version.py`` rewrite, for ``python3 -m build`` (the ``package:runtime`` task).

Standard library only; run with any Python 3.9+: ``python3 scripts/build-runtime.py``.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = ROOT / "runtime"
PACKAGE = RUNTIME / "src" / "gluelake"
DEFAULT_OUT = ROOT / "assets" / "runtime" / "gluelake.zip"

#: The date every entry carries (the earliest a zip can store).
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
#: Regular file, rw-r--r--.
FILE_MODE = 0o100644
#: Subpackages of gluelake not shipped to jobs.
EXCLUDED_SUBPACKAGES = ("testing",)
#: Folder and file names never copied or zipped.
IGNORED_NAMES = ("__pycache__", ".pytest_cache", ".mypy_cache", "build", "dist", ".DS_Store")
IGNORED_SUFFIXES = (".pyc", ".pyo")
IGNORED_DIR_SUFFIXES = (".egg-info",)
VERSION_LINE = re.compile(r'^__version__[ \t]*=[ \t]*["\'][^"\'\n]*["\'][ \t]*$', re.MULTILINE)


class BuildError(Exception):
    """The runtime cannot be built (a missing folder, a malformed _version.py)."""


def package_version(package_json: Path = ROOT / "package.json") -> str:
    """The construct library's version, from ``package.json``."""
    version = json.loads(package_json.read_text(encoding="utf-8")).get("version")
    if not isinstance(version, str) or not re.fullmatch(r"[0-9A-Za-z.+!-]+", version):
        raise BuildError(f"{package_json} has no version (received {version!r})")
    return version


def versioned_source(text: str, version: str, origin: Path) -> str:
    """``_version.py``'s text with its one ``__version__ = "..."`` line set to ``version``."""
    found = VERSION_LINE.findall(text)
    if len(found) != 1:
        raise BuildError(f'{origin}: expected exactly one line `__version__ = "..."`, found {len(found)}')
    return VERSION_LINE.sub(f'__version__ = "{version}"', text)


def is_ignored(relative: Path) -> bool:
    """True for caches, bytecode and build outputs."""
    if any(part in IGNORED_NAMES or part.endswith(IGNORED_DIR_SUFFIXES) for part in relative.parts):
        return True
    return relative.name.endswith(IGNORED_SUFFIXES)


def runtime_entries(package: Path = PACKAGE) -> list[tuple[str, Path]]:
    """(name in the zip, file) for every file of the package a job needs, sorted by name."""
    if not (package / "__init__.py").is_file():
        raise BuildError(f"{package} is not a Python package (no __init__.py)")
    entries: list[tuple[str, Path]] = []
    for file in package.rglob("*"):
        relative = file.relative_to(package)
        if not file.is_file() or is_ignored(relative):
            continue
        if relative.parts[0] in EXCLUDED_SUBPACKAGES:
            continue
        entries.append(((Path(package.name) / relative).as_posix(), file))
    return sorted(entries)


def build_zip(out: Path, version: str, package: Path = PACKAGE) -> int:
    """Writes the deterministic archive to ``out``; returns the number of entries."""
    entries = runtime_entries(package)
    version_file = f"{package.name}/_version.py"
    if version_file not in {name for name, _ in entries}:
        raise BuildError(f"{package / '_version.py'} is missing")
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, file in entries:
            data = file.read_bytes()
            if name == version_file:
                data = versioned_source(data.decode("utf-8"), version, file).encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
            info.create_system = 3  # Unix, so that external_attr holds the mode
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, data)
    temporary.replace(out)
    return len(entries)


def stage(target: Path, version: str, runtime: Path = RUNTIME) -> None:
    """Copies ``runtime/`` to ``target`` (replaced) with ``_version.py`` set to ``version``."""
    if not (runtime / "pyproject.toml").is_file():
        raise BuildError(f"{runtime / 'pyproject.toml'} is missing")
    if target.exists():
        shutil.rmtree(target)

    def ignore(folder: str, names: list[str]) -> list[str]:
        base = Path(folder).relative_to(runtime)
        return [n for n in names if is_ignored(base / n)]

    shutil.copytree(runtime, target, ignore=ignore)
    version_file = target / "src" / "gluelake" / "_version.py"
    if not version_file.is_file():
        raise BuildError(f"{runtime / 'src' / 'gluelake' / '_version.py'} is missing")
    text = versioned_source(version_file.read_text(encoding="utf-8"), version, version_file)
    version_file.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line: build the zip (default) or stage the package (``--stage``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="the zip to write (default: assets/runtime/gluelake.zip)")
    parser.add_argument("--stage", type=Path,
                        help="copy runtime/ here with the version set, instead of building the zip")
    parser.add_argument("--package-json", type=Path, default=ROOT / "package.json",
                        help="the package.json whose version is written (default: the repository's)")
    args = parser.parse_args(argv)
    try:
        version = package_version(args.package_json)
        if args.stage is not None:
            stage(args.stage.resolve(), version)
            print(f"staged gluelake {version} in {args.stage}")
        else:
            count = build_zip(args.out.resolve(), version)
            print(f"built {args.out} (gluelake {version}, {count} files)")
    except BuildError as error:
        print(f"build-runtime: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
