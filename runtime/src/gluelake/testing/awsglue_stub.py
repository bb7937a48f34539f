"""A minimal `awsglue` for importing and running job scripts where the real one is absent.

AWS's own Python library (`AWSGlueDataplanePython` on PyPI) imports beside PySpark, and its
`getResolvedOptions` works, but `GlueContext`, `DynamicFrame.fromDF` and `Job` need Glue's JVM
classes, which no public registry serves. `install()` makes `import awsglue` give these modules
instead (an import hook: nothing is imported before a script asks):

- `awsglue.utils.getResolvedOptions(args, options)`: `--NAME value` (or `--NAME=value`) for each
  name; a missing one raises `GlueArgumentError`; `TempDir` and `RedshiftTempDir` are optional;
- `awsglue.context.GlueContext(spark_context)`: a `gluelake.testing.MockGlueContext` on the active
  session (real `spark_session`, recording `get_logger()`, Glue-only methods as MagicMocks);
- `awsglue.job.Job(glue_context)`: a `gluelake.testing.MockJob` (records `init` and `commit`);
- `awsglue.dynamicframe.DynamicFrame`: a DataFrame inside (`fromDF`, `toDF`, `count`, ...);
- `awsglue.transforms`: empty, so that `from awsglue.transforms import *` works.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from typing import Any, Iterable, Sequence

from gluelake.testing.glue import MockGlueContext, MockJob

_OPTIONAL = ("TempDir", "RedshiftTempDir")


class GlueArgumentError(Exception):
    """A required argument is missing (the name of the real `awsglue.utils` error)."""


def getResolvedOptions(args: Sequence[str], options: Iterable[str]) -> dict[str, Any]:  # noqa: N802 (Glue's name)
    """The values of `--NAME value` (or `--NAME=value`) in `args` (argv: `args[0]` is the script).

    Every name in `options` is required, except `TempDir` and `RedshiftTempDir` (None when absent).
    """
    values: dict[str, str] = {}
    tokens = list(args[1:])
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--") and "=" in token:
            key, _, value = token[2:].partition("=")
            values[key] = value
            i += 1
        elif token.startswith("--") and i + 1 < len(tokens):
            values[token[2:]] = tokens[i + 1]
            i += 2
        else:
            i += 1
    names = list(options)
    missing = [name for name in names if name not in values and name not in _OPTIONAL]
    if missing:
        raise GlueArgumentError("the following arguments are required: " + ", ".join(f"--{n}" for n in missing))
    resolved: dict[str, Any] = {name: values.get(name) for name in names}
    for name in _OPTIONAL:
        resolved.setdefault(name, values.get(name))
    return resolved


class GlueContext(MockGlueContext):
    """`GlueContext(spark_context)`: a `MockGlueContext` on the session of `spark_context`."""

    def __init__(self, spark_context: Any, **_: Any) -> None:
        from pyspark.sql import SparkSession

        session = SparkSession.getActiveSession()
        if session is None or session.sparkContext is not spark_context:
            session = SparkSession(spark_context)
        super().__init__(session)


# Every stub Job created, in order: a test that runs a script finds the script's Job here.
JOBS: list[Job] = []


class Job(MockJob):
    """`Job(glue_context)`: records `init` and `commit`; appended to `JOBS`."""

    def __init__(self, glue_context: Any = None) -> None:
        super().__init__(glue_context)
        JOBS.append(self)


class DynamicFrame:
    """A DataFrame inside: `fromDF(df, glue_ctx, name)`, `toDF()`, `count()`, `schema()`, `show()`.

    Compares equal to another DynamicFrame holding the same DataFrame object.
    """

    def __init__(self, df: Any, glue_ctx: Any = None, name: str = "") -> None:
        self._df = df
        self.glue_ctx = glue_ctx
        self.name = name

    @classmethod
    def fromDF(cls, dataframe: Any, glue_ctx: Any = None, name: str = "") -> DynamicFrame:  # noqa: N802
        """Wraps `dataframe`."""
        return cls(dataframe, glue_ctx, name)

    def toDF(self, options: Any = None) -> Any:  # noqa: N802
        """The DataFrame inside."""
        return self._df

    def count(self) -> int:
        """The number of rows."""
        return int(self._df.count())

    def schema(self) -> Any:
        """The DataFrame's schema (a Spark StructType, not a Glue schema)."""
        return self._df.schema

    def show(self, num_rows: int = 20) -> None:
        """Prints the first rows."""
        self._df.show(num_rows)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DynamicFrame):
            return NotImplemented
        return other._df is self._df

    def __hash__(self) -> int:
        return id(self._df)

    def __repr__(self) -> str:
        return f"<stub DynamicFrame {self.name!r}>"


_MEMBERS: dict[str, dict[str, Any]] = {
    "awsglue": {"__doc__": "A stub of awsglue (gluelake.testing.awsglue_stub)."},
    "awsglue.utils": {"getResolvedOptions": getResolvedOptions, "GlueArgumentError": GlueArgumentError},
    "awsglue.context": {"GlueContext": GlueContext},
    "awsglue.job": {"Job": Job},
    "awsglue.dynamicframe": {"DynamicFrame": DynamicFrame},
    "awsglue.transforms": {"__all__": []},
}


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Gives the stub modules when `awsglue` (or one of its modules above) is imported. Nothing is
    put in `sys.modules` before an import asks, so `sys.modules["awsglue"] = None` still hides it."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _MEMBERS:
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=fullname == "awsglue")

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # the default module

    def exec_module(self, module: types.ModuleType) -> None:
        module.__dict__.update(_MEMBERS[module.__name__])
        module.__gluelake_stub__ = True  # type: ignore[attr-defined]


_FINDER = _StubFinder()


def is_real_awsglue_importable() -> bool:
    """Whether an `awsglue` other than this stub is imported or on the path."""
    module = sys.modules.get("awsglue")
    if module is not None:
        return not getattr(module, "__gluelake_stub__", False)
    return importlib.machinery.PathFinder.find_spec("awsglue") is not None


def is_installed() -> bool:
    """Whether `import awsglue` gives the stub (unless a real one was imported before)."""
    return _FINDER in sys.meta_path


def install(*, force: bool = False) -> bool:
    """Makes `import awsglue` (and its modules `utils`, `context`, `job`, `dynamicframe`,
    `transforms`) give the stub when no real `awsglue` is importable (always with `force`, which
    hides a real one). Returns whether the stub is installed afterwards."""
    if is_installed():
        return True
    if not force and is_real_awsglue_importable():
        return False
    if force:
        _drop_modules()
    sys.meta_path.insert(0, _FINDER)
    return True


def _drop_modules() -> None:
    for name in [n for n in sys.modules if n == "awsglue" or n.startswith("awsglue.")]:
        del sys.modules[name]


def uninstall() -> None:
    """Removes the stub: `import awsglue` finds a real one again, or fails."""
    if not is_installed():
        return
    sys.meta_path.remove(_FINDER)
    for name in [n for n in _MEMBERS if getattr(sys.modules.get(n), "__gluelake_stub__", False)]:
        del sys.modules[name]
