"""A minimal `awsglue` for importing and running job scripts where the real one is absent.

AWS's own Python library (`AWSGlueDataplanePython` on PyPI) imports beside PySpark, and its
`getResolvedOptions` works, but `GlueContext`, `DynamicFrame.fromDF` and `Job` need Glue's JVM
classes, which no public registry serves. `install()` puts these modules in `sys.modules` instead:

- `awsglue.utils.getResolvedOptions(args, options)`: `--NAME value` (or `--NAME=value`) for each
  name; a missing one raises `GlueArgumentError`; `TempDir` and `RedshiftTempDir` are optional;
- `awsglue.context.GlueContext(spark_context)`: a `gluelake.testing.MockGlueContext` on the active
  session (real `spark_session`, recording `get_logger()`, Glue-only methods as MagicMocks);
- `awsglue.job.Job(glue_context)`: a `gluelake.testing.MockJob` (records `init` and `commit`);
- `awsglue.dynamicframe.DynamicFrame`: a DataFrame inside (`fromDF`, `toDF`, `count`, ...);
- `awsglue.transforms`: empty, so that `from awsglue.transforms import *` works.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from typing import Any, Iterable, Sequence

from gluelake.testing.glue import MockGlueContext, MockJob

MODULE_NAMES = ("awsglue", "awsglue.utils", "awsglue.context", "awsglue.job", "awsglue.dynamicframe",
                "awsglue.transforms")
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


def is_real_awsglue_importable() -> bool:
    """Whether an `awsglue` other than this stub can be imported."""
    module = sys.modules.get("awsglue")
    if module is not None:
        return not getattr(module, "__gluelake_stub__", False)
    try:
        return importlib.util.find_spec("awsglue") is not None
    except (ImportError, ValueError):
        return False


def is_installed() -> bool:
    """Whether the stub is what `import awsglue` gives now."""
    return getattr(sys.modules.get("awsglue"), "__gluelake_stub__", False)


def install(*, force: bool = False) -> bool:
    """Puts the stub `awsglue` modules in `sys.modules` when no real `awsglue` is importable
    (always with `force`, replacing a real one). Returns whether the stub is installed afterwards."""
    if is_installed():
        return True
    if not force and is_real_awsglue_importable():
        return False
    package = types.ModuleType("awsglue", "A stub of awsglue (gluelake.testing.awsglue_stub).")
    package.__path__ = []  # a package: `from awsglue.context import GlueContext` works
    package.__gluelake_stub__ = True  # type: ignore[attr-defined]
    members: dict[str, dict[str, Any]] = {
        "awsglue.utils": {"getResolvedOptions": getResolvedOptions, "GlueArgumentError": GlueArgumentError},
        "awsglue.context": {"GlueContext": GlueContext},
        "awsglue.job": {"Job": Job},
        "awsglue.dynamicframe": {"DynamicFrame": DynamicFrame},
        "awsglue.transforms": {"__all__": []},
    }
    for name in MODULE_NAMES[1:]:
        sys.modules.pop(name, None)
    sys.modules["awsglue"] = package
    for name, names in members.items():
        module = types.ModuleType(name)
        module.__dict__.update(names)
        module.__gluelake_stub__ = True  # type: ignore[attr-defined]
        sys.modules[name] = module
        setattr(package, name.split(".", 1)[1], module)
    return True


def uninstall() -> None:
    """Removes the stub modules from `sys.modules` (a real `awsglue` is left alone)."""
    if not is_installed():
        return
    for name in MODULE_NAMES:
        sys.modules.pop(name, None)
