"""AWS Glue 5.0 job: the `customers` snapshot table (silver) -> the current customers with tokenized
emails (gold).

The silver table is the `SnapshotPartitionTable` that `customers_snapshot.py` loads: one full copy of
the customers per month, Parquet, in the Hive-style partitions `<input_silver_path>snapshot=<yyyy-MM>/`.
Each run:

1. finds the newest snapshot (the greatest `snapshot` value among the partitions that hold data
   files; Spark's file listing tells, no data is read) and reads only that partition's
   `customer_id`, `email`, `country` and `updated_at`;
2. replaces `email` with its token from the library's PII tokenizer: the executors invoke the
   tokenize Lambda function `--pii_tokenizer_function` synchronously;
3. overwrites `--output_gold_path` with the result (Parquet, zstd): `customer_id`, `email_token`,
   `country`, `updated_at`, `snapshot`. Gold holds the current customers only;
4. reads the written rows back and logs how many there are, and how many emails were tokenized.

With no snapshot in silver yet (a new lake: no data file under `--input_silver_path`, or none in a
`snapshot=<value>/` partition) the run logs "nothing to do", leaves gold as it is and succeeds.

Tokenization runs per Spark partition (`rdd.mapPartitions`: pandas may not be installed, so no
`mapInPandas`): one Lambda client per partition, the rows walked in batches of `BATCH_SIZE` (1,000,
the tokenizer's limit), and one request per batch with the batch's distinct non-blank emails. A row
whose email is null or blank gets a null `email_token` and its email is not sent. The tokenizer gives
the same value (after its normalisation: trimmed, lower-cased) the same token, so a retried task or a
rerun writes the same tokens, and `email_token` joins across tables and runs.

Plaintext emails never leave memory: the job caches and persists nothing, shuffles nothing before the
emails are replaced (a shuffle writes its rows to the executors' local disks), and logs counts only,
never a value or a token. Its errors name the tokenizer's `errorType` and `errorMessage` (which never
hold values), or what is wrong with a value (its type or length, never the value itself).

The argument, path, batching, request and response functions are pure and carry doctests that run
with a fake `invoke` callable, without Spark, Glue or boto3:
`python3 -m doctest customers_to_gold_tokenized.py`. Spark, Glue and boto3 are imported only where
they are used.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence
from urllib.parse import unquote

if TYPE_CHECKING:  # Glue and Spark exist only on Glue; they are imported where they are used
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from pyspark.sql import DataFrame, SparkSession

ARGUMENT_NAMES = ["JOB_NAME", "env", "input_silver_path", "input_silver_database", "output_gold_path",
                  "output_gold_database", "pii_tokenizer_function", "TempDir"]

PARTITION_KEY = "snapshot"  # the silver table's partition key; its values are `yyyy-MM`, so they sort as text
# The silver columns the job reads (any other column stays in silver). The partition column is part of
# the schema, so Spark reads its values as strings instead of guessing a type from the paths.
SILVER_DDL = "`customer_id` string, `email` string, `country` string, `updated_at` timestamp, `snapshot` string"
GOLD_DDL = "`customer_id` string, `email_token` string, `country` string, `updated_at` timestamp, `snapshot` string"
COMPRESSION = "zstd"  # Parquet codec of the gold files

# The rows that cross into Python, in this order; `updated_at` crosses as microseconds since the epoch
# (a Python datetime is naive local time, ambiguous for an hour a year where the executor's zone has
# daylight saving time).
EMAIL_INDEX = 1  # customer_id, email, country, updated_at_us, snapshot

# The tokenizer's contract (`PiiTokenizer`).
BATCH_SIZE = 1000  # rows per request; a request holds at most this many distinct values
MAX_VALUES_PER_REQUEST = 1000
MAX_VALUE_BYTES = 1024  # UTF-8 bytes of a value as sent (before the tokenizer's normalisation)
# A token: a prefix of 1 to 16 lowercase letters or digits starting with a letter, '_', 32 hex digits
# (`tok_<32 hex digits>` with the default prefix). Checked so that nothing else can reach gold.
TOKEN_SHAPE = re.compile(r"[a-z][a-z0-9]{0,15}_[0-9a-f]{32}")
MAX_ERROR_MESSAGE_CHARS = 500  # of the tokenizer's errorMessage, in an exception

# The Lambda client: throttling (TooManyRequestsException) and transient errors are retried by botocore.
LAMBDA_RETRIES = {"max_attempts": 10, "mode": "adaptive"}
LAMBDA_READ_TIMEOUT_SECONDS = 60
LAMBDA_CONNECT_TIMEOUT_SECONDS = 10

# A request payload (`{"values": [...]}`) -> the response payload (`{"tokens": [...]}`).
Invoke = Callable[[dict], dict]


class TokenizerError(RuntimeError):
    """The tokenizer refused or failed a request, or answered something that is not a response.

    The message never holds a value or a token."""

    def __init__(self, message: str, error_type: str | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type


@dataclass(frozen=True)
class JobArguments:
    """The job arguments, read once by `read_arguments`."""

    job_name: str
    env: str
    input_silver_path: str  # s3:// location of the silver `customers` table, ending with "/"
    input_silver_database: str
    output_gold_path: str  # s3:// location of the gold customers, ending with "/"
    output_gold_database: str
    pii_tokenizer_function: str  # name of the tokenize Lambda function
    temp_dir: str | None  # getResolvedOptions treats TempDir as optional; this job does not use it
    raw_args: dict[str, str | None] = field(repr=False, compare=False)  # what job.init needs


def read_arguments(argv: list[str]) -> JobArguments:
    """Reads the `--NAME value` arguments Glue passes: the one place that knows their names."""
    from awsglue.utils import getResolvedOptions

    return parse_arguments(getResolvedOptions(argv, ARGUMENT_NAMES))


def parse_arguments(resolved: Mapping[str, Any]) -> JobArguments:
    """Checks and types the resolved arguments (what `getResolvedOptions` returns).

    >>> resolved = {"JOB_NAME": "job", "env": "dev", "input_silver_path": "s3://lake-silver/customers/",
    ...             "input_silver_database": "sales_silver", "output_gold_path": "s3://lake-gold/customers/",
    ...             "output_gold_database": "sales_gold", "pii_tokenizer_function": "lake-pii-tokenize"}
    >>> args = parse_arguments(resolved)
    >>> args.output_gold_path, args.pii_tokenizer_function, args.temp_dir
    ('s3://lake-gold/customers/', 'lake-pii-tokenize', None)
    >>> parse_arguments({**resolved, "output_gold_path": "s3://lake-gold/customers"})
    Traceback (most recent call last):
    ...
    ValueError: --output_gold_path: received 's3://lake-gold/customers'; expected an s3:// URI ending with '/'
    >>> parse_arguments({**resolved, "output_gold_path": "s3://lake-silver/"})
    Traceback (most recent call last):
    ...
    ValueError: --output_gold_path 's3://lake-silver/' overlaps --input_silver_path 's3://lake-silver/customers/'
    >>> parse_arguments({**resolved, "pii_tokenizer_function": " "})
    Traceback (most recent call last):
    ...
    ValueError: --pii_tokenizer_function: received ' '; expected the tokenize Lambda function's name
    """
    for name in ("input_silver_path", "output_gold_path"):
        path = resolved[name]
        if not path.startswith("s3://") or not path.endswith("/"):
            raise ValueError(f"--{name}: received {path!r}; expected an s3:// URI ending with '/'")
    silver, gold = resolved["input_silver_path"], resolved["output_gold_path"]
    if silver.startswith(gold) or gold.startswith(silver):  # the gold overwrite would delete silver files
        raise ValueError(f"--output_gold_path {gold!r} overlaps --input_silver_path {silver!r}")
    function_name = resolved["pii_tokenizer_function"]
    if not function_name or function_name != function_name.strip() or " " in function_name:
        raise ValueError(f"--pii_tokenizer_function: received {function_name!r}; "
                         "expected the tokenize Lambda function's name")
    return JobArguments(
        job_name=resolved["JOB_NAME"], env=resolved["env"],
        input_silver_path=silver, input_silver_database=resolved["input_silver_database"],
        output_gold_path=gold, output_gold_database=resolved["output_gold_database"],
        pii_tokenizer_function=function_name, temp_dir=resolved.get("TempDir"), raw_args=dict(resolved))


# ---------------------------------------------------------------------------------------------
# The newest snapshot
# ---------------------------------------------------------------------------------------------

def newest_partition_value(files: Iterable[str], partition_key: str = PARTITION_KEY) -> str | None:
    """The greatest value of `partition_key` in the paths of the data files (`DataFrame.inputFiles()`,
    which lists no hidden file such as `_SUCCESS`), or None when there is none.

    >>> newest_partition_value(["s3://lake-silver/customers/snapshot=2026-10/part-0.zstd.parquet",
    ...                         "s3://lake-silver/customers/snapshot=2026-11/part-0.zstd.parquet",
    ...                         "s3://lake-silver/customers/snapshot=2026-09/part-1.zstd.parquet"])
    '2026-11'
    >>> newest_partition_value(["s3://lake-silver/customers/snapshot=__HIVE_DEFAULT_PARTITION__/p.parquet"]) is None
    True
    >>> newest_partition_value([]) is None
    True
    """
    prefix = f"{partition_key}="
    values = {unquote(part[len(prefix):])
              for path in files for part in path.split("/")
              if part.startswith(prefix) and part != f"{prefix}__HIVE_DEFAULT_PARTITION__"}
    return max(values, default=None)


# ---------------------------------------------------------------------------------------------
# Tokenization: pure functions (the `invoke` callable is the only way out)
# ---------------------------------------------------------------------------------------------

def batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """`items` in consecutive lists of at most `size`, read lazily (a partition is never held whole).

    >>> [len(b) for b in batches(range(2500), 1000)]
    [1000, 1000, 500]
    >>> list(batches([], 1000))
    []
    """
    if size < 1:
        raise ValueError(f"received the batch size {size}; expected at least 1")
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def is_blank(value: Any) -> bool:
    """Whether an email is not sent: None, or nothing but white space (Python's, plus the byte order
    mark, which the tokenizer's trim also removes; a value it would trim to nothing is refused).

    >>> [is_blank(v) for v in [None, "", "  \\t", "\\ufeff ", "ann@example.com", " Ann@Example.com "]]
    [True, True, True, True, False, False]
    """
    return value is None or (isinstance(value, str) and not value.replace("\ufeff", "").strip())


def check_value(value: Any) -> None:
    """Raises when the tokenizer would refuse the value; the error never shows the value.

    >>> check_value("ann@example.com")
    >>> check_value("x" * 1025)
    Traceback (most recent call last):
    ...
    ValueError: an email is 1025 UTF-8 bytes long; the tokenizer accepts at most 1024 (the value is not shown)
    >>> check_value(42)
    Traceback (most recent call last):
    ...
    TypeError: an email is of type int; the tokenizer accepts strings only (the value is not shown)
    """
    if not isinstance(value, str):
        raise TypeError(f"an email is of type {type(value).__name__}; the tokenizer accepts strings only "
                        "(the value is not shown)")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise ValueError("an email is not valid Unicode text (the value is not shown)") from None
    if size > MAX_VALUE_BYTES:
        raise ValueError(f"an email is {size} UTF-8 bytes long; the tokenizer accepts at most "
                         f"{MAX_VALUE_BYTES} (the value is not shown)")


def tokenize_values(values: Iterable[str | None], invoke: Invoke) -> list[str | None]:
    """The token of each value, in order (None for a None or blank value), from one request with the
    distinct non-blank values; no request when there is none.

    The fake tokenizer below trims and lower-cases, like the service, and records each request's size:

    >>> import hashlib
    >>> requests = []
    >>> def invoke(payload):
    ...     requests.append(len(payload["values"]))
    ...     return {"tokens": ["tok_" + hashlib.md5(v.strip().lower().encode()).hexdigest()
    ...                        for v in payload["values"]]}
    >>> tokens = tokenize_values(["Ann@Example.com", None, "  ", "bob@example.com",
    ...                           "Ann@Example.com", " ann@example.com"], invoke)
    >>> requests  # one request, with the 3 distinct non-blank values
    [3]
    >>> [t if t is None else t[:4] for t in tokens]
    ['tok_', None, None, 'tok_', 'tok_', 'tok_']
    >>> tokens[0] == tokens[4] == tokens[5] != tokens[3]
    True
    >>> tokenize_values([None, "", " "], invoke), requests
    ([None, None, None], [3])

    A response that is not one token per value is refused, and so is anything that is not a token
    (here, a tokenizer that echoes its input):

    >>> tokenize_values(["ann@example.com"], lambda payload: {"tokens": []})
    Traceback (most recent call last):
    ...
    customers_to_gold_tokenized.TokenizerError: the tokenizer returned 0 token(s) for 1 value(s)
    >>> tokenize_values(["ann@example.com"], lambda payload: {"error": "?"})
    Traceback (most recent call last):
    ...
    customers_to_gold_tokenized.TokenizerError: the tokenizer's response has no 'tokens' list
    >>> tokenize_values(["ann@example.com"], lambda payload: {"tokens": payload["values"]})
    Traceback (most recent call last):
    ...
    customers_to_gold_tokenized.TokenizerError: the tokenizer returned 1 item(s) that are not tokens (not shown)
    """
    values = list(values)
    distinct = list(dict.fromkeys(v for v in values if not is_blank(v)))
    if not distinct:
        return [None] * len(values)
    if len(distinct) > MAX_VALUES_PER_REQUEST:
        raise ValueError(f"received {len(distinct)} distinct values; the tokenizer accepts at most "
                         f"{MAX_VALUES_PER_REQUEST} a request")
    for value in distinct:
        check_value(value)
    response = invoke({"values": distinct})
    tokens = response.get("tokens") if isinstance(response, dict) else None
    if not isinstance(tokens, list):
        raise TokenizerError("the tokenizer's response has no 'tokens' list")
    if len(tokens) != len(distinct):
        raise TokenizerError(f"the tokenizer returned {len(tokens)} token(s) for {len(distinct)} value(s)")
    malformed = sum(1 for t in tokens if not (isinstance(t, str) and TOKEN_SHAPE.fullmatch(t)))
    if malformed:
        raise TokenizerError(f"the tokenizer returned {malformed} item(s) that are not tokens (not shown)")
    by_value = dict(zip(distinct, tokens))
    return [None if is_blank(v) else by_value[v] for v in values]


def tokenize_rows(rows: Iterable[Sequence[Any]], column: int, invoke: Invoke,
                  batch_size: int = BATCH_SIZE) -> Iterator[tuple[Any, ...]]:
    """The rows (tuples, or Spark `Row`s) with the value at index `column` replaced by its token,
    in order; one request per batch of at most `batch_size` rows.

    >>> import hashlib
    >>> requests = []
    >>> def invoke(payload):
    ...     requests.append(len(payload["values"]))
    ...     return {"tokens": ["tok_" + hashlib.md5(v.strip().lower().encode()).hexdigest()
    ...                        for v in payload["values"]]}
    >>> rows = [("c1", "ann@example.com", "FR"), ("c2", None, "DE"), ("c3", " ", "DE"),
    ...         ("c4", "bob@example.com", "US"), ("c5", "bob@example.com", "US")]
    >>> out = list(tokenize_rows(rows, 1, invoke, batch_size=2))
    >>> requests  # batches (c1, c2), (c3, c4), (c5): the blank-only rows are not sent
    [1, 1, 1]
    >>> [(r[0], r[1] if r[1] is None else r[1][:4], r[2]) for r in out]
    [('c1', 'tok_', 'FR'), ('c2', None, 'DE'), ('c3', None, 'DE'), ('c4', 'tok_', 'US'), ('c5', 'tok_', 'US')]
    >>> out[3][1] == out[4][1] == "tok_" + hashlib.md5(b"bob@example.com").hexdigest()
    True
    >>> list(tokenize_rows([], 1, invoke)), requests
    ([], [1, 1, 1])
    """
    if not 1 <= batch_size <= MAX_VALUES_PER_REQUEST:
        raise ValueError(f"received the batch size {batch_size}; expected 1 to {MAX_VALUES_PER_REQUEST}")
    for batch in batches(rows, batch_size):
        tokens = tokenize_values([row[column] for row in batch], invoke)
        for row, token in zip(batch, tokens):
            yield (*row[:column], token, *row[column + 1:])


# ---------------------------------------------------------------------------------------------
# The Lambda request and response
# ---------------------------------------------------------------------------------------------

def encode_request(payload: Mapping[str, Any]) -> bytes:
    """The request payload as compact UTF-8 JSON (non-ASCII characters unescaped: smaller).

    >>> encode_request({"values": ["ann@example.com", "zoë@example.com"]})
    b'{"values":["ann@example.com","zo\\xc3\\xab@example.com"]}'
    """
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_invoke_response(response: Mapping[str, Any]) -> dict:
    """The decoded payload of a boto3 `Lambda.Client.invoke` response (its `Payload` is a streaming
    body with `.read()`); raises `TokenizerError` naming the function's errorType and errorMessage.

    >>> import io, json
    >>> body = lambda payload: io.BytesIO(json.dumps(payload).encode())
    >>> parse_invoke_response({"StatusCode": 200, "Payload": body({"tokens": ["tok_" + "0" * 32]})})
    {'tokens': ['tok_00000000000000000000000000000000']}
    >>> def error_of(response):
    ...     try:
    ...         parse_invoke_response(response)
    ...     except TokenizerError as error:
    ...         print(error.error_type)
    ...         print(error)
    >>> error_of({"StatusCode": 200, "FunctionError": "Unhandled", "Payload": body(
    ...     {"errorType": "InvalidTokenizerRequest", "errorMessage": "values[3] is empty after normalisation"})})
    InvalidTokenizerRequest
    the tokenizer function failed (Unhandled): InvalidTokenizerRequest: values[3] is empty after normalisation
    >>> error_of({"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(b"")})
    (no errorType)
    the tokenizer function failed (Unhandled): (no errorType): (no errorMessage)
    >>> parse_invoke_response({"StatusCode": 200, "Payload": io.BytesIO(b"not json")})
    Traceback (most recent call last):
    ...
    customers_to_gold_tokenized.TokenizerError: the tokenizer's response payload is not a JSON object
    """
    raw = response["Payload"].read()
    function_error = response.get("FunctionError")
    if function_error:
        error = decode_object(raw) or {}
        error_type = str(error.get("errorType") or "(no errorType)")
        message = str(error.get("errorMessage") or "(no errorMessage)")[:MAX_ERROR_MESSAGE_CHARS]
        raise TokenizerError(f"the tokenizer function failed ({function_error}): {error_type}: {message}",
                             error_type=error_type)
    status = response.get("StatusCode", 200)
    if status != 200:
        raise TokenizerError(f"the tokenizer invocation returned the status {status}; expected 200")
    payload = decode_object(raw)
    if payload is None:
        raise TokenizerError("the tokenizer's response payload is not a JSON object")
    return payload


def decode_object(raw: bytes | str) -> dict | None:
    """The JSON object in `raw`, or None when it is not one (the error would quote the payload).

    >>> decode_object(b'{"tokens": []}'), decode_object(b"[1]"), decode_object(b"\\xff")
    ({'tokens': []}, None, None)
    """
    try:
        decoded = json.loads(raw)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return None
    return decoded if isinstance(decoded, dict) else None


def lambda_invoker(client: Any, function_name: str) -> Invoke:
    """An `invoke` callable that sends a request to the function, synchronously, with the client.

    >>> import io, json
    >>> class FakeLambda:
    ...     def invoke(self, **kwargs):
    ...         self.kwargs = kwargs
    ...         tokens = ["tok_" + "0" * 32 for _ in json.loads(kwargs["Payload"])["values"]]
    ...         return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps({"tokens": tokens}).encode())}
    >>> client = FakeLambda()
    >>> lambda_invoker(client, "lake-pii-tokenize")({"values": ["ann@example.com"]})
    {'tokens': ['tok_00000000000000000000000000000000']}
    >>> client.kwargs["FunctionName"], client.kwargs["InvocationType"]
    ('lake-pii-tokenize', 'RequestResponse')
    """
    def invoke(payload: dict) -> dict:
        response = client.invoke(FunctionName=function_name, InvocationType="RequestResponse",
                                 Payload=encode_request(payload))
        return parse_invoke_response(response)

    return invoke


def driver_region() -> str:
    """The driver's AWS Region, handed to the executors' clients rather than left to their environment."""
    import boto3

    region = boto3.session.Session().region_name
    if not region:
        raise RuntimeError("no AWS Region is configured for the job (AWS_REGION)")
    return region


def lambda_client(region: str) -> Any:
    """A Lambda client that retries throttling and transient errors (adaptive: it also slows down)."""
    import boto3
    from botocore.config import Config

    return boto3.client("lambda", region_name=region,
                        config=Config(retries=LAMBDA_RETRIES, read_timeout=LAMBDA_READ_TIMEOUT_SECONDS,
                                      connect_timeout=LAMBDA_CONNECT_TIMEOUT_SECONDS))


def tokenize_partition(rows: Iterable[Sequence[Any]], function_name: str, region: str,
                       column: int = EMAIL_INDEX) -> Iterator[tuple[Any, ...]]:
    """One Spark partition's rows with the email replaced by its token: runs on an executor, with
    one Lambda client for the whole partition."""
    return tokenize_rows(rows, column, lambda_invoker(lambda_client(region), function_name), BATCH_SIZE)


# ---------------------------------------------------------------------------------------------
# Spark steps
# ---------------------------------------------------------------------------------------------

def split_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key prefix) of an s3:// URI.

    >>> split_s3_uri("s3://lake-silver/customers/")
    ('lake-silver', 'customers/')
    """
    if not uri.startswith("s3://"):
        raise ValueError(f"received {uri!r}; expected an s3:// URI")
    bucket, _, prefix = uri[len("s3://"):].partition("/")
    return bucket, prefix


def is_data_file(key: str, prefix: str) -> bool:
    """Whether Spark reads the object: no part of its key below `prefix` starts with `_` or `.`
    (Hadoop's hidden files: `_SUCCESS`, `_temporary/`, `.spark-staging-*`) and it is not a folder.

    >>> [is_data_file(k, "t/") for k in ["t/snapshot=2026-11/part-0.parquet", "t/snapshot=2026-11/_SUCCESS", "t/"]]
    [True, False, False]
    """
    rest = key[len(prefix):] if key.startswith(prefix) else key
    return rest != "" and not rest.endswith("/") and not any(p.startswith(("_", ".")) for p in rest.split("/"))


def has_data_files(s3: Any, uri: str) -> bool:
    """Whether any object under the location is a file Spark would read. Spark fails to read a
    location without objects (`[PATH_NOT_FOUND] Path does not exist`): a new lake's silver has none.
    The listing stops at the page with the first data file."""
    bucket, prefix = split_s3_uri(uri)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return any(is_data_file(o["Key"], prefix) for page in pages for o in page.get("Contents", []))


def load_silver_customers(spark: SparkSession, silver_path: str) -> DataFrame:
    """Every snapshot of the silver table, lazily: Spark lists the files here and reads nothing yet."""
    return spark.read.schema(SILVER_DDL).parquet(silver_path)


def select_snapshot(customers: DataFrame, snapshot: str) -> DataFrame:
    """One snapshot's rows; Spark reads only that partition's files."""
    from pyspark.sql import functions as F

    return customers.where(F.col(PARTITION_KEY) == snapshot)


def transform_tokenize_emails(customers: DataFrame, function_name: str, region: str) -> DataFrame:
    """The customers with `email` replaced by `email_token`, in the gold column order.

    No shuffle, cache or persist before the replacement: the plaintext stays in the executors' memory."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    rows = customers.select("customer_id", "email", "country",
                            F.expr("unix_micros(updated_at)").alias("updated_at_us"), PARTITION_KEY).rdd
    tokenized = rows.mapPartitions(
        lambda partition: tokenize_partition(partition, function_name, region, EMAIL_INDEX))
    schema = T.StructType([
        T.StructField("customer_id", T.StringType()),
        T.StructField("email_token", T.StringType()),
        T.StructField("country", T.StringType()),
        T.StructField("updated_at_us", T.LongType()),
        T.StructField(PARTITION_KEY, T.StringType()),
    ])
    return (customers.sparkSession.createDataFrame(tokenized, schema)
            .select("customer_id", "email_token", "country",
                    F.expr("timestamp_micros(updated_at_us)").alias("updated_at"), PARTITION_KEY))


def save_gold_customers(customers: DataFrame, gold_path: str) -> None:
    """Replaces everything under the gold location with the customers (Parquet)."""
    customers.write.mode("overwrite").option("compression", COMPRESSION).parquet(gold_path)


def count_gold_customers(spark: SparkSession, gold_path: str) -> tuple[int, int]:
    """(rows, rows with a token) of what was written: read back, so a retried task counts once."""
    from pyspark.sql import functions as F

    counts = (spark.read.schema(GOLD_DDL).parquet(gold_path)
              .agg(F.count(F.lit(1)).alias("rows"), F.count("email_token").alias("tokenized"))
              .first())
    return counts["rows"], counts["tokenized"]


def main(glue_context: GlueContext, job: Job, args: JobArguments) -> None:
    """Newest snapshot -> tokenize the emails -> overwrite gold -> log the counts -> commit."""
    import boto3

    job.init(args.job_name, args.raw_args)
    spark = glue_context.spark_session
    spark.conf.set("spark.sql.session.timeZone", "UTC")  # timestamps are read and written as UTC
    logger = glue_context.get_logger()

    # No snapshot yet: gold stays as it is (overwriting it with nothing would delete its customers).
    snapshot = None
    if has_data_files(boto3.client("s3"), args.input_silver_path):
        silver = load_silver_customers(spark, args.input_silver_path)
        snapshot = newest_partition_value(silver.inputFiles(), PARTITION_KEY)
    if snapshot is None:
        logger.info(f"[{args.env}] no {PARTITION_KEY}=<value>/ partition with data files under "
                    f"{args.input_silver_path}: nothing to do, {args.output_gold_path} is left as it is")
        job.commit()
        return
    logger.info(f"[{args.env}] {args.input_silver_database}.customers {PARTITION_KEY}={snapshot} -> "
                f"{args.output_gold_database} {args.output_gold_path}, "
                f"emails tokenized by {args.pii_tokenizer_function}")

    gold = transform_tokenize_emails(select_snapshot(silver, snapshot), args.pii_tokenizer_function,
                                     driver_region())
    save_gold_customers(gold, args.output_gold_path)

    rows, tokenized = count_gold_customers(spark, args.output_gold_path)
    logger.info(f"[{args.env}] wrote {rows} customer(s) of {PARTITION_KEY}={snapshot}: "
                f"{tokenized} email(s) tokenized, {rows - tokenized} blank")

    # This job has no bookmark (it reads the newest snapshot whole each run); commit ends the run.
    job.commit()


if __name__ == "__main__":
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from pyspark.context import SparkContext

    arguments = read_arguments(sys.argv)
    context = GlueContext(SparkContext.getOrCreate())
    main(context, Job(context), arguments)
