"""Job arguments for tests, named exactly as the constructs name them.

Each helper returns a mapping of `--key` -> value, as in a Glue job's `DefaultArguments`; merge
them (`{**a, **b}`) and give them to `JobArguments.from_mapping`, to the `job_arguments` fixture,
or to `argv(...)` for a script's `sys.argv`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:
    from gluelake.arguments import JobArguments

DEFAULT_JOB_NAME = "test-job"
# The partition value format (`strftime`) of each SnapshotGranularity, as the constructs pass it.
PARTITION_FORMATS = {"YEAR": "%Y", "MONTH": "%Y-%m", "DAY": "%Y-%m-%d", "HOUR": "%Y-%m-%d-%H"}


def _base(kind: str, name: str, argument_name: str | None) -> str:
    return argument_name if argument_name is not None else f"{kind}_{name.replace('-', '_')}"


def location_arguments(name: str, *, path: str, database: str) -> dict[str, str]:
    """`--<name>_path` and `--<name>_database` of a location whose arguments' base is `name`."""
    return {f"--{name}_path": path, f"--{name}_database": database}


def layer_arguments(layer: str, *, path: str, database: str, output: bool = False,
                    argument_name: str | None = None) -> dict[str, str]:
    """The arguments of `readsFrom(layer)` (base `input_<layer>`) or, with `output`, of
    `writesTo(layer)` (base `output_<layer>`); `-` in a layer name becomes `_`; `argument_name`
    replaces the base as the binding's `argumentName` does."""
    return location_arguments(_base("output" if output else "input", layer, argument_name), path=path,
                              database=database)


def _table_values(base: str, *, table: str, database: str, path: str, partition_key: str, granularity: str,
                  partition_format: str | None, current_view: str | None) -> dict[str, str]:
    values = {
        f"--{base}_database": database,
        f"--{base}_table": table,
        f"--{base}_path": path,
        f"--{base}_partition_key": partition_key,
        f"--{base}_granularity": granularity,
        f"--{base}_partition_format": partition_format or PARTITION_FORMATS.get(granularity, ""),
    }
    if current_view is not None:
        values[f"--{base}_current_view"] = current_view
    return values


def table_reader_arguments(table: str, *, database: str, path: str, partition_key: str = "snapshot",
                           granularity: str = "MONTH", partition_format: str | None = None,
                           current_view: str | None = None, argument_name: str | None = None) -> dict[str, str]:
    """The arguments of `readsFrom(snapshotTable)`: base `input_<table>` (or `argument_name`),
    `_database`, `_table`, `_path`, `_partition_key`, `_granularity`, `_partition_format` (the
    granularity's by default) and, when given, `_current_view`."""
    return _table_values(_base("input", table, argument_name), table=table, database=database, path=path,
                         partition_key=partition_key, granularity=granularity, partition_format=partition_format,
                         current_view=current_view)


def table_writer_arguments(table: str, *, database: str, path: str, primary_key: Sequence[str] | str,
                           effective_date_column: str, compression: str = "zstd",
                           partition_key: str = "snapshot", granularity: str = "MONTH",
                           partition_format: str | None = None, current_view: str | None = None,
                           argument_name: str | None = None, period_basis: str = "LOAD_TIME",
                           close_periods: bool = False, superseded_retention_minutes: int = 360) -> dict[str, str]:
    """The arguments of `writesTo(snapshotTable)`: the reader's (base `output_<table>`) and
    `_primary_key` (comma-separated), `_effective_date_column`, `_compression`, `_period_basis`,
    `_close_periods` and `_superseded_retention_minutes` (the table's defaults: `LOAD_TIME`, false,
    360). No merge SQL: the runtime builds it from the table's columns."""
    base = _base("output", table, argument_name)
    values = _table_values(base, table=table, database=database, path=path, partition_key=partition_key,
                           granularity=granularity, partition_format=partition_format, current_view=current_view)
    values.update({
        f"--{base}_primary_key": primary_key if isinstance(primary_key, str) else ",".join(primary_key),
        f"--{base}_effective_date_column": effective_date_column,
        f"--{base}_compression": compression,
        f"--{base}_period_basis": period_basis,
        f"--{base}_close_periods": "true" if close_periods else "false",
        f"--{base}_superseded_retention_minutes": str(superseded_retention_minutes),
    })
    return values


def tokenizer_arguments(name: str = "pii_tokenizer", *, function_name: str,
                        detokenize_function_name: str | None = None) -> dict[str, str]:
    """The arguments of `PiiTokenizer.bindToJob`: `--<name>_function` and, when given,
    `--<name>_detokenize_function`."""
    values = {f"--{name}_function": function_name}
    if detokenize_function_name is not None:
        values[f"--{name}_detokenize_function"] = detokenize_function_name
    return values


def _normalised(values: Mapping[str, Any] | None, extra: Mapping[str, Any]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for key, value in {**dict(values or {}), **extra}.items():
        merged[key if key.startswith("--") else f"--{key}"] = str(value)
    return merged


def argument_mapping(values: Mapping[str, Any] | None = None, /, *, job_name: str = DEFAULT_JOB_NAME,
                     **extra: Any) -> dict[str, str]:
    """`values` and `extra` merged, every key with its `--`, `--JOB_NAME` set to `job_name` unless given."""
    merged = _normalised(values, extra)
    merged.setdefault("--JOB_NAME", job_name)
    return merged


def argv(values: Mapping[str, Any] | None = None, /, *, script: str = "job.py", job_name: str = DEFAULT_JOB_NAME,
         **extra: Any) -> list[str]:
    """A `sys.argv` as Glue passes it: `[script, "--KEY", "value", ...]` (with `--JOB_NAME`)."""
    result = [script]
    for key, value in argument_mapping(values, job_name=job_name, **extra).items():
        result += [key, value]
    return result


def build_job_arguments(values: Mapping[str, Any] | None = None, /, *, job_name: str = DEFAULT_JOB_NAME,
                        **extra: Any) -> JobArguments:
    """A `gluelake.arguments.JobArguments` from `values` and keyword values (keys with or without `--`);
    `JOB_NAME` defaults to `job_name`."""
    from gluelake.arguments import JobArguments

    return JobArguments.from_mapping(argument_mapping(values, job_name=job_name, **extra))


class JobArgumentsFactory:
    """What the `job_arguments` fixture gives: call it for a `JobArguments`; its methods build the
    argument mappings of bindings.

    >>> factory = JobArgumentsFactory()
    >>> args = factory(factory.layer("bronze", path="s3://b/", database="db"), env="dev")
    >>> args.location("input_bronze").path, args.env, args.job_name
    ('s3://b/', 'dev', 'test-job')
    """

    location = staticmethod(location_arguments)
    layer = staticmethod(layer_arguments)
    table_reader = staticmethod(table_reader_arguments)
    table_writer = staticmethod(table_writer_arguments)
    tokenizer = staticmethod(tokenizer_arguments)
    argv = staticmethod(argv)
    mapping = staticmethod(argument_mapping)

    def __init__(self, job_name: str = DEFAULT_JOB_NAME) -> None:
        self.job_name = job_name

    def __call__(self, *mappings: Mapping[str, Any] | None, **extra: Any) -> JobArguments:
        """A JobArguments from the `mappings` (merged in order) and keyword values (`JOB_NAME`
        defaults to the factory's)."""
        merged: dict[str, Any] = {}
        for mapping in mappings:
            merged.update(_normalised(mapping, {}))
        return build_job_arguments(merged, job_name=self.job_name, **extra)
