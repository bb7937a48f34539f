"""The job arguments: the contract between the cdk-glue-lake constructs and a job script.

Glue starts a job script with ``sys.argv = [script, "--KEY", "value", "--KEY2", "value2", ...]``; the
script reads the keys without their ``--``. The constructs pass, per binding:

* ``GlueJob.readsFrom/writesTo(layer)``: ``--<base>_path`` (an ``s3://`` URI ending with ``/``) and
  ``--<base>_database``; ``<base>`` is ``input_<layer>`` / ``output_<layer>`` or the ``argumentName``.
* ``readsFrom(table)`` (a ``SnapshotPartitionTable``): the above and ``_table``, ``_partition_key``,
  ``_granularity``, ``_partition_format``, optional ``_current_view``; ``writesTo(table)`` adds
  ``_primary_key`` (comma-separated), ``_effective_date_column``, ``_compression``, ``_period_basis``,
  ``_close_periods`` and ``_superseded_retention_minutes``. The retain-last merge SQL is not an
  argument: the runtime builds it from the table's columns (``gluelake.snapshot.retain_last_merge_sql``).
* ``PiiTokenizer.bindToJob/grantToJob``: ``--<name>_function`` and optional
  ``--<name>_detokenize_function``.
* ``PartitionedJobOrchestrator``: ``--partition`` at run time; ``GlueJob``: ``--env``, ``--TempDir``
  and the user's ``arguments``.

:class:`JobArguments` reads all of them into typed, validated objects. This module imports nothing
beyond the standard library. ``python -m gluelake.arguments`` reads a JSON object of arguments on
stdin and prints what the parser made of it (the cross-language contract test uses it).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

__all__ = [
    "GRANULARITIES",
    "PARTITION_ID_PATTERN",
    "COMPRESSIONS",
    "PERIOD_BASES",
    "MANAGED_KEYS",
    "JobArgumentError",
    "Location",
    "SnapshotTable",
    "Tokenizer",
    "JobArguments",
    "parse_argv",
    "get_job_argument",
    "get_job_arguments",
    "main",
]

GRANULARITIES: tuple[str, ...] = ("YEAR", "MONTH", "DAY", "HOUR")
"""The granularities of a ``SnapshotPartitionTable`` (``--<base>_granularity``)."""

# The partition ids of a PartitionedJobOrchestrator (its registry's rule, src/orchestration/registry.ts:
# PARTITION_ID_PATTERN; test/runtime-contract.test.ts checks that both stay the same).
PARTITION_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
PARTITION_ID_EXPECTED = ("a partition id: letters, digits, '_' and '-', starting with a letter or digit, "
                         "at most 64 characters")

COMPRESSIONS: tuple[str, ...] = ("snappy", "zstd")
"""The compressions a ``SnapshotPartitionTable`` writer receives (``--<base>_compression``)."""

PERIOD_BASES: tuple[str, ...] = ("LOAD_TIME", "EFFECTIVE_DATE")
"""What decides the period an event is loaded into (``--<base>_period_basis``): the run's start time,
or the event's effective date (``SnapshotPeriodBasis`` in the constructs)."""

MANAGED_KEYS: frozenset[str] = frozenset({
    "JOB_NAME", "JOB_ID", "JOB_RUN_ID", "SECURITY_CONFIGURATION", "job-bookmark-option", "job-bookmark-from",
    "job-bookmark-to", "continuation-option",
    "TempDir", "RedshiftTempDir", "scriptLocation", "class", "conf", "datalake-formats", "encryption-type",
    "security_configuration", "custom-logGroup-prefix", "custom-logStream-prefix", "extra-py-files",
    "additional-python-modules", "python-modules-installer-option", "job-language", "spark-event-logs-path",
    "debug", "mode", "endpoint", "user-jars-first", "extra-jars", "extra-files", "env",
})
"""Keys Glue or the library manage (never in :attr:`JobArguments.extra`); ``enable-*`` and
``continuous-log-*`` keys are managed too."""

_MANAGED_PREFIXES: tuple[str, ...] = ("enable-", "continuous-log-")

_LOCATION_SUFFIXES: tuple[str, ...] = ("path", "database")
_TABLE_SUFFIXES: tuple[str, ...] = ("table", "partition_key", "granularity", "partition_format")
_WRITER_SUFFIXES: tuple[str, ...] = ("primary_key", "effective_date_column", "compression", "period_basis",
                                     "close_periods", "superseded_retention_minutes")
_OPTIONAL_TABLE_SUFFIXES: tuple[str, ...] = ("current_view",)
_TABLE_ONLY_SUFFIXES: tuple[str, ...] = _TABLE_SUFFIXES + _OPTIONAL_TABLE_SUFFIXES + _WRITER_SUFFIXES

_FUNCTION_SUFFIX = "_function"
_DETOKENIZE_SUFFIX = "_detokenize_function"
_PATH_EXPECTED = "an s3:// or file: URI ending with '/', e.g. s3://bucket/prefix/"


class JobArgumentError(ValueError):
    """A job argument is missing or invalid.

    The message names the argument with its ``--``, what was received and what is expected.
    """


def _key(name: str) -> str:
    """The key of an argument name: without its leading ``--``."""
    return name[2:] if name.startswith("--") else name


def _invalid(key: str, received: str, expected: str) -> JobArgumentError:
    return JobArgumentError(f"Job argument --{key}: received {received!r}, expected {expected}")


def _is_option(token: str) -> bool:
    """True when ``token`` is shaped like a ``--key`` (or ``--key=value``), not like a value."""
    if not token.startswith("--") or len(token) == 2:
        return False
    name = token[2:].split("=", 1)[0]
    return bool(name) and (name[0].isalpha() or name[0] == "_") and all(c.isalnum() or c in "_-" for c in name)


def parse_argv(argv: Sequence[str]) -> dict[str, str]:
    """Every ``--key value`` pair of ``argv`` (``argv[0]`` is the script), keyed without the ``--``.

    Rules: ``--key value`` and ``--key=value`` are accepted; a value is taken whole, whatever it holds
    (spaces, ``=``, SQL); a ``--key`` followed by another ``--key`` or by the end of ``argv`` has the
    value ``""`` (Glue's flags such as ``--enable-metrics``); a later occurrence of a key replaces an
    earlier one (as ``getResolvedOptions`` does); a token in a key's place that does not start with
    ``--`` is a :class:`JobArgumentError`.
    """
    values: dict[str, str] = {}
    tokens = list(argv[1:])
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if not _is_option(token):
            raise JobArgumentError(
                f"Job argument at position {index + 1}: received {token!r}, expected a key starting with '--' "
                "(arguments come as --key value pairs)")
        name = token[2:]
        if "=" in name:
            key, value = name.split("=", 1)
            index += 1
        elif index + 1 < len(tokens) and not _is_option(tokens[index + 1]):
            key, value = name, tokens[index + 1]
            index += 2
        else:
            key, value = name, ""
            index += 1
        values[key] = value
    return values


def _names(keys: Sequence[str] | Mapping[str, Any]) -> str:
    listed = ", ".join(f"--{k}" for k in sorted(keys))
    return listed or "none"


def get_job_argument(name: str, argv: Sequence[str] | None = None) -> str:
    """The value of one job argument (``name`` with or without ``--``), read from ``argv`` (``sys.argv``).

    Raises :class:`JobArgumentError` when the argument is absent.
    """
    return get_job_arguments(name, argv=argv)[_key(name)]


def get_job_arguments(*names: str, argv: Sequence[str] | None = None) -> dict[str, str]:
    """The values of the named job arguments (names with or without ``--``), keyed without ``--``.

    Reads ``argv`` (``sys.argv`` by default). Every missing name is reported in one
    :class:`JobArgumentError`.
    """
    values = parse_argv(sys.argv if argv is None else argv)
    keys = [_key(n) for n in names]
    missing = [k for k in keys if k not in values]
    if missing:
        raise _missing(missing, values)
    return {k: values[k] for k in keys}


def _missing(missing: Sequence[str], present: Mapping[str, str]) -> JobArgumentError:
    plural = "s" if len(missing) > 1 else ""
    wanted = ", ".join(f"--{k}" for k in missing)
    return JobArgumentError(
        f"Job argument{plural} {wanted}: received no such argument{plural} (the job has {_names(present)}), "
        f"expected {'them' if plural else 'it'} in the job's arguments")


@dataclass(frozen=True)
class Location:
    """A lake location bound to the job with ``readsFrom`` / ``writesTo``.

    ``name`` is the base of its arguments (e.g. ``input_bronze``), ``path`` its ``s3://`` URI ending
    with ``/`` (``--<name>_path``) and ``database`` its Glue database (``--<name>_database``).
    """

    name: str
    path: str
    database: str


@dataclass(frozen=True)
class SnapshotTable(Location):
    """A ``SnapshotPartitionTable`` bound to the job (``readsFrom`` / ``writesTo``).

    Writers (``writesTo``) also carry the primary key, the effective-date column, the compression,
    the period basis, whether runs close periods and how long superseded partition folders are kept;
    see :attr:`writable`. A reader has none of them (``()``, ``None``, false). The retain-last merge
    SQL is built from the table's columns with the primary key and the effective-date column
    (``gluelake.snapshot.retain_last_merge_sql``).
    """

    table: str
    partition_key: str
    granularity: str
    partition_format: str
    current_view: str | None = None
    primary_key: tuple[str, ...] = ()
    effective_date_column: str | None = None
    compression: str | None = None
    period_basis: str | None = None
    close_periods: bool = False
    superseded_retention_minutes: int | None = None

    @property
    def writable(self) -> bool:
        """True when the table is bound with ``writesTo`` (its primary key is present)."""
        return bool(self.primary_key)

    def partition_uri(self, value: str) -> str:
        """The URI of one partition: ``<path><partition_key>=<value>/``."""
        return f"{self.path}{self.partition_key}={value}/"


@dataclass(frozen=True)
class Tokenizer:
    """A ``PiiTokenizer`` bound to the job: its Lambda functions' names.

    ``name`` is the base of the arguments (``pii_tokenizer`` by default): ``--<name>_function`` and
    ``--<name>_detokenize_function``.
    """

    name: str
    function_name: str
    detokenize_function_name: str | None = None


def _non_empty(values: Mapping[str, str], key: str) -> str:
    value = values[key]
    if not value.strip():
        raise _invalid(key, value, "a non-empty value")
    return value


def _parse_location(base: str, values: Mapping[str, str]) -> Location:
    path_key = f"{base}_path"
    path = values[path_key]
    if not ((path.startswith("s3://") and len(path) > len("s3://") and not path.startswith("s3:///"))
            or path.startswith("file:")) or not path.endswith("/"):
        raise _invalid(path_key, path, _PATH_EXPECTED)
    database = _non_empty(values, f"{base}_database")
    present = [s for s in _TABLE_ONLY_SUFFIXES if f"{base}_{s}" in values]
    if not present:
        return Location(name=base, path=path, database=database)
    missing = [s for s in _TABLE_SUFFIXES if f"{base}_{s}" not in values]
    if missing:
        raise JobArgumentError(
            f"Job arguments of the table --{base}_*: received {_names([f'{base}_{s}' for s in present])}, "
            f"expected also {_names([f'{base}_{s}' for s in missing])} (a table binding passes them all)")
    writer_present = [s for s in _WRITER_SUFFIXES if f"{base}_{s}" in values]
    writer_missing = [s for s in _WRITER_SUFFIXES if f"{base}_{s}" not in values]
    if writer_present and writer_missing:
        raise JobArgumentError(
            f"Job arguments of the table --{base}_*: received {_names([f'{base}_{s}' for s in writer_present])}, "
            f"expected also {_names([f'{base}_{s}' for s in writer_missing])} (a writer binding passes them all)")
    granularity_key = f"{base}_granularity"
    granularity = values[granularity_key]
    if granularity not in GRANULARITIES:
        raise _invalid(granularity_key, granularity, f"one of {', '.join(GRANULARITIES)}")
    current_view = _non_empty(values, f"{base}_current_view") if f"{base}_current_view" in values else None
    table = SnapshotTable(
        name=base, path=path, database=database,
        table=_non_empty(values, f"{base}_table"),
        partition_key=_non_empty(values, f"{base}_partition_key"),
        granularity=granularity,
        partition_format=_non_empty(values, f"{base}_partition_format"),
        current_view=current_view,
    )
    if not writer_present:
        return table
    primary_key_key = f"{base}_primary_key"
    raw_primary_key = values[primary_key_key]
    primary_key = tuple(part.strip() for part in raw_primary_key.split(","))
    if not raw_primary_key.strip() or any(not part for part in primary_key):
        raise _invalid(primary_key_key, raw_primary_key, "comma-separated column names, e.g. customer_id,country")
    compression_key = f"{base}_compression"
    compression = values[compression_key]
    if compression not in COMPRESSIONS:
        raise _invalid(compression_key, compression, f"one of {', '.join(COMPRESSIONS)}")
    basis_key = f"{base}_period_basis"
    period_basis = values[basis_key]
    if period_basis not in PERIOD_BASES:
        raise _invalid(basis_key, period_basis, f"one of {', '.join(PERIOD_BASES)}")
    close_key = f"{base}_close_periods"
    close_periods = values[close_key]
    if close_periods not in ("true", "false"):
        raise _invalid(close_key, close_periods, "true or false")
    if close_periods == "true" and period_basis != "LOAD_TIME":
        raise _invalid(close_key, close_periods, f"false with --{basis_key} {period_basis} (closing a period applies to "
                       "LOAD_TIME periods; EFFECTIVE_DATE periods hold exactly the events dated up to their end)")
    retention_key = f"{base}_superseded_retention_minutes"
    retention = values[retention_key]
    if not re.fullmatch(r"[0-9]{1,7}", retention):
        raise _invalid(retention_key, retention, "a whole number of minutes from 0 to 9999999")
    return SnapshotTable(
        name=table.name, path=table.path, database=table.database, table=table.table,
        partition_key=table.partition_key, granularity=table.granularity, partition_format=table.partition_format,
        current_view=table.current_view, primary_key=primary_key,
        effective_date_column=_non_empty(values, f"{base}_effective_date_column"),
        compression=compression,
        period_basis=period_basis,
        close_periods=close_periods == "true",
        superseded_retention_minutes=int(retention),
    )


def _is_managed(key: str) -> bool:
    return key in MANAGED_KEYS or key.startswith(_MANAGED_PREFIXES)


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class JobArguments:
    """Every argument of a job run, read into typed objects.

    ``locations`` holds the bound layers and tables by base name (a :class:`SnapshotTable` where the
    table keys are present), ``tokenizers`` the bound tokenizers by name, ``extra`` the keys that no
    binding and no Glue- or library-managed key consumed (the user's ``arguments``, ``partition``),
    and ``raw`` every key and value (what ``Job.init`` receives).
    """

    job_name: str
    env: str | None
    temp_dir: str | None
    locations: Mapping[str, Location] = field(default_factory=dict)
    tokenizers: Mapping[str, Tokenizer] = field(default_factory=dict)
    extra: Mapping[str, str] = field(default_factory=dict)
    raw: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_argv(cls, argv: Sequence[str]) -> JobArguments:
        """Reads ``argv`` as Glue passes it (``argv[0]`` is the script); see :func:`parse_argv`."""
        return cls.from_mapping(parse_argv(argv))

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> JobArguments:
        """Reads a mapping of arguments (keys with or without ``--``), e.g. a job's ``DefaultArguments``."""
        raw: dict[str, str] = {}
        for name, value in values.items():
            if not isinstance(name, str) or not isinstance(value, str):
                raise JobArgumentError(
                    f"Job argument {name!r}: received {value!r} ({type(value).__name__}), expected a string value "
                    "under a string key")
            raw[_key(name)] = value
        consumed: set[str] = set()
        locations: dict[str, Location] = {}
        for key in sorted(raw):
            if not key.endswith("_path"):
                continue
            base = key[: -len("_path")]
            if not base or f"{base}_database" not in raw:
                continue
            locations[base] = _parse_location(base, raw)
            consumed.update(f"{base}_{s}" for s in _LOCATION_SUFFIXES + _TABLE_ONLY_SUFFIXES)
        tokenizers: dict[str, Tokenizer] = {}
        for key in sorted(raw):
            if key in consumed or _is_managed(key):
                continue
            if key.endswith(_DETOKENIZE_SUFFIX):
                name = key[: -len(_DETOKENIZE_SUFFIX)]
                if name and f"{name}{_FUNCTION_SUFFIX}" not in raw:
                    raise JobArgumentError(
                        f"Job argument --{key}: received it without --{name}{_FUNCTION_SUFFIX}, expected both "
                        "(a tokenizer binding passes the tokenize function with the detokenize function)")
            elif key.endswith(_FUNCTION_SUFFIX) and len(key) > len(_FUNCTION_SUFFIX):
                name = key[: -len(_FUNCTION_SUFFIX)]
                detokenize_key = f"{name}{_DETOKENIZE_SUFFIX}"
                tokenizers[name] = Tokenizer(
                    name=name,
                    function_name=_non_empty(raw, key),
                    detokenize_function_name=_non_empty(raw, detokenize_key) if detokenize_key in raw else None,
                )
                consumed.update((key, detokenize_key))
        extra = {k: v for k, v in raw.items() if k not in consumed and not _is_managed(k)}
        return cls(
            job_name=raw.get("JOB_NAME", ""),
            env=raw.get("env"),
            temp_dir=raw.get("TempDir"),
            locations=_frozen(locations),
            tokenizers=_frozen(tokenizers),
            extra=_frozen(extra),
            raw=_frozen(raw),
        )

    def location(self, name: str) -> Location:
        """The location (layer or table) bound under the base ``name`` (e.g. ``input_bronze``)."""
        base = _key(name)
        try:
            return self.locations[base]
        except KeyError:
            raise JobArgumentError(
                f"Job location {base!r}: received no --{base}_path and --{base}_database, expected one of the "
                f"locations bound to the job: {', '.join(sorted(self.locations)) or 'none'}") from None

    def table(self, name: str) -> SnapshotTable:
        """The snapshot table bound under the base ``name`` (e.g. ``output_customers``)."""
        location = self.location(name)
        if not isinstance(location, SnapshotTable):
            tables = sorted(k for k, v in self.locations.items() if isinstance(v, SnapshotTable))
            raise JobArgumentError(
                f"Job location {location.name!r}: received a layer location (no --{location.name}_table), "
                f"expected a table bound to the job: {', '.join(tables) or 'none'}")
        return location

    def tokenizer(self, name: str = "pii_tokenizer") -> Tokenizer:
        """The tokenizer bound under ``name`` (``pii_tokenizer`` by default)."""
        key = _key(name)
        try:
            return self.tokenizers[key]
        except KeyError:
            raise JobArgumentError(
                f"Job argument --{key}{_FUNCTION_SUFFIX}: received no such argument, expected one of the "
                f"tokenizers bound to the job: {', '.join(sorted(self.tokenizers)) or 'none'}") from None

    def get(self, name: str, default: str | None = None) -> str | None:
        """The value of any argument (``name`` with or without ``--``), or ``default``."""
        return self.raw.get(_key(name), default)

    def require(self, name: str) -> str:
        """The value of any argument (``name`` with or without ``--``); :class:`JobArgumentError` when absent."""
        key = _key(name)
        if key not in self.raw:
            raise _missing([key], self.raw)
        return self.raw[key]

    def partition(self, name: str = "partition") -> str:
        """The partition id the ``PartitionedJobOrchestrator`` passes (``--partition`` or its argumentName).

        Checked against the orchestrator's rule for partition ids (``PARTITION_ID_PATTERN``), so a value
        passed by hand cannot make a path point elsewhere (``../``, ``/``, ``.``).
        """
        value = self.require(name)
        if not PARTITION_ID_PATTERN.fullmatch(value):
            raise _invalid(_key(name), value, PARTITION_ID_EXPECTED)
        return value


def _location_json(location: Location) -> dict[str, Any]:
    kind = "table" if isinstance(location, SnapshotTable) else "location"
    result: dict[str, Any] = {"kind": kind}
    for f in fields(location):
        value = getattr(location, f.name)
        result[f.name] = list(value) if isinstance(value, tuple) else value
    return result


def to_json(arguments: JobArguments) -> dict[str, Any]:
    """The JSON form of ``arguments`` that ``python -m gluelake.arguments`` prints."""
    return {
        "job_name": arguments.job_name,
        "env": arguments.env,
        "temp_dir": arguments.temp_dir,
        "locations": {name: _location_json(loc) for name, loc in sorted(arguments.locations.items())},
        "tokenizers": {
            name: {"name": t.name, "function_name": t.function_name,
                   "detokenize_function_name": t.detokenize_function_name}
            for name, t in sorted(arguments.tokenizers.items())
        },
        "extra": dict(sorted(arguments.extra.items())),
    }


def main(stdin: Any = None, stdout: Any = None, stderr: Any = None) -> int:
    """``python -m gluelake.arguments``: a JSON object of arguments on stdin, the parsed form on stdout.

    Returns (exits with) 2 and writes the error message to stderr when the input is not a JSON object
    of strings or the arguments are invalid.
    """
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    try:
        values = json.load(stdin)
    except ValueError as error:
        print(f"Job arguments: received input that is not JSON ({error}), expected a JSON object", file=stderr)
        return 2
    if not isinstance(values, dict):
        print(f"Job arguments: received a JSON {type(values).__name__}, expected a JSON object", file=stderr)
        return 2
    try:
        arguments = JobArguments.from_mapping(values)
    except JobArgumentError as error:
        print(str(error), file=stderr)
        return 2
    json.dump(to_json(arguments), stdout, indent=2, sort_keys=True)
    stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
