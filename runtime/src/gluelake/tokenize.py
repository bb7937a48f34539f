"""Tokenizing columns through a `PiiTokenizer`: its tokenize Lambda function, called from the executors.

`tokenize_columns(df, tokenizer, ["email"])` replaces each value of the columns by its token. Each
Spark partition creates one Lambda client (on the executor) and walks its rows in batches of
`batch_size` rows; each batch sends its distinct values (all columns together: a value has one
token whatever its column) in requests of at most 1,000 values, the tokenize function's limit
(`{"values": [...]}` -> `{"tokens": [...]}`, one token per value, in order). Throttling, transient
service errors and the tokenizer's own transient failure (`TokenizerFailed`) are retried with
exponential backoff and jitter; anything else fails the task with a `TokenizerError`.

Plaintext never leaves memory except in the requests: nothing is cached or persisted, nothing is
shuffled before the values are replaced, and logs and errors hold counts, sizes, positions, error
codes and the tokenizer's own error messages (which never hold values) — never a value, a token, or
the message of an arbitrary exception (it could quote the request).

A null value stays null; a blank value (empty, or only white space) becomes null: it is not sent,
as the tokenizer refuses values that are empty after its normalisation.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from gluelake.arguments import Tokenizer

LOGGER = logging.getLogger("gluelake.tokenize")

# The tokenize function's limits (src/governance/vault.ts: MAX_BATCH_SIZE, MAX_VALUE_BYTES).
MAX_VALUES_PER_REQUEST = 1000
MAX_VALUE_BYTES = 1024
# Lambda's synchronous request payload is at most 6 MB; a request is cut before its compact JSON passes
# 5,000,000 bytes, whatever the values (1,000 values of 1,024 bytes that JSON escapes to `\u00XX` would
# come to 6,147,012 bytes).
MAX_REQUEST_BYTES = 5_000_000
DEFAULT_BATCH_SIZE = 1000  # rows per batch
DEFAULT_MAX_ATTEMPTS = 8  # per request, the first included
DEFAULT_RETRY_DELAY_SECONDS = 0.5  # the first backoff; doubled each attempt, with full jitter
DEFAULT_MAX_RETRY_DELAY_SECONDS = 20.0
LAMBDA_READ_TIMEOUT_SECONDS = 120  # longer than a tokenize invocation may run
LAMBDA_CONNECT_TIMEOUT_SECONDS = 10
MAX_ERROR_MESSAGE_CHARS = 500
# A token: the prefix (1 to 16 lowercase letters or digits starting with a letter), '_', 32 hex digits.
TOKEN_SHAPE = re.compile(r"[a-z][a-z0-9]{0,15}_[0-9a-f]{32}")

# Lambda Invoke errors worth retrying (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html).
RETRYABLE_ERROR_CODES = frozenset({
    "TooManyRequestsException", "ThrottlingException", "Throttling", "ServiceException",
    "EC2ThrottledException", "ResourceNotReadyException", "ResourceConflictException",
    "RequestTimeout", "RequestTimeoutException",
})
RETRYABLE_HTTP_STATUSES = frozenset({429, 500, 503, 504})
# botocore's errors of the connection (class names: botocore is imported only where it is used).
RETRYABLE_CONNECTION_ERRORS = frozenset({
    "ConnectionError", "HTTPClientError", "EndpointConnectionError", "ConnectTimeoutError",
    "ReadTimeoutError", "ConnectionClosedError",
})
# The tokenize function's error types (src/governance/vault.ts) and Lambda's timeout: their messages
# never hold a value. `TokenizerFailed` (DynamoDB or KMS failed after retries) and a timeout are retried.
OWN_ERROR_TYPES = frozenset({"InvalidTokenizerRequest", "TokenizerFailed", "VaultIntegrityError",
                             "TokenizerConfigError", "Sandbox.Timedout"})
RETRYABLE_FUNCTION_ERRORS = frozenset({"TokenizerFailed", "Sandbox.Timedout"})


class TokenizerError(RuntimeError):
    """A request to the tokenizer failed, or its answer is not a response. The message never holds a
    value or a token.

    Attributes:
        error_type: the function's `errorType`, or the Invoke error code, when there is one.
        retryable: whether the failure is transient (retried until the attempts run out).
    """

    def __init__(self, message: str, *, error_type: str | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.retryable = retryable


# ---------------------------------------------------------------------------------------------
# The Lambda client (created on the executors)
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LambdaClientFactory:
    """Creates the boto3 Lambda client on an executor: in `region_name` (the driver's), with
    botocore's retries off (this module retries) and a read timeout longer than an invocation."""

    region_name: str | None = None

    def __call__(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client("lambda", region_name=self.region_name, config=Config(
            retries={"total_max_attempts": 1, "mode": "standard"},
            read_timeout=LAMBDA_READ_TIMEOUT_SECONDS, connect_timeout=LAMBDA_CONNECT_TIMEOUT_SECONDS))


def _driver_region() -> str | None:
    import boto3

    return boto3.session.Session().region_name


# ---------------------------------------------------------------------------------------------
# One request
# ---------------------------------------------------------------------------------------------

def encode_request(values: Sequence[str]) -> bytes:
    """The request payload: compact UTF-8 JSON `{"values": [...]}`."""
    return json.dumps({"values": list(values)}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json_object(raw: Any) -> dict | None:
    try:
        decoded = json.loads(raw)
    except (ValueError, TypeError):
        return None
    return decoded if isinstance(decoded, dict) else None


def parse_response(response: Any, count: int) -> list[str]:
    """The tokens of a boto3 `invoke` response for a request of `count` values; raises
    `TokenizerError` for a function error, a status other than 200 or a payload that is not
    `count` tokens (without showing the payload)."""
    payload: Any = response.get("Payload") if isinstance(response, dict) else None
    raw = payload.read() if hasattr(payload, "read") else payload
    function_error = response.get("FunctionError") if isinstance(response, dict) else None
    if function_error:
        error = _json_object(raw) or {}
        error_type = str(error.get("errorType") or "(no errorType)")
        if error_type in OWN_ERROR_TYPES:
            message = str(error.get("errorMessage") or "(no errorMessage)")[:MAX_ERROR_MESSAGE_CHARS]
        else:
            message = "(message not shown: not one of the tokenizer's own errors)"
        raise TokenizerError(f"the tokenize function failed ({function_error}): {error_type}: {message}",
                             error_type=error_type, retryable=error_type in RETRYABLE_FUNCTION_ERRORS)
    status = response.get("StatusCode", 200) if isinstance(response, dict) else None
    if status != 200:
        raise TokenizerError(f"the tokenize invocation returned the status {status}; expected 200",
                             retryable=status in RETRYABLE_HTTP_STATUSES)
    decoded = _json_object(raw) if raw is not None else None
    tokens = decoded.get("tokens") if decoded is not None else None
    if not isinstance(tokens, list):
        raise TokenizerError("the tokenize function's response is not a JSON object with a 'tokens' list "
                             "(not shown)")
    if len(tokens) != count:
        raise TokenizerError(f"the tokenize function returned {len(tokens)} token(s) for {count} value(s)")
    malformed = sum(1 for t in tokens if not (isinstance(t, str) and TOKEN_SHAPE.fullmatch(t)))
    if malformed:
        raise TokenizerError(f"the tokenize function returned {malformed} item(s) that are not tokens (not shown)")
    return tokens


def _call_error(error: BaseException) -> TokenizerError:
    """A TokenizerError for an exception of `client.invoke`: its error code or class, never its message."""
    response = getattr(error, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        code = str(response["Error"].get("Code") or "(no error code)")
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return TokenizerError(f"the Lambda Invoke call failed with {code} (HTTP {status})", error_type=code,
                              retryable=code in RETRYABLE_ERROR_CODES or status in RETRYABLE_HTTP_STATUSES)
    names = {cls.__name__ for cls in type(error).__mro__ if cls.__module__.startswith("botocore")}
    return TokenizerError(f"the Lambda Invoke call failed with {type(error).__name__} (message not shown)",
                          error_type=type(error).__name__, retryable=bool(names & RETRYABLE_CONNECTION_ERRORS))


def invoke_tokenize(client: Any, function_name: str, values: Sequence[str], *,
                    max_attempts: int = DEFAULT_MAX_ATTEMPTS, retry_delay_seconds: float = DEFAULT_RETRY_DELAY_SECONDS,
                    max_retry_delay_seconds: float = DEFAULT_MAX_RETRY_DELAY_SECONDS,
                    sleep: Callable[[float], None] = time.sleep, logger: logging.Logger = LOGGER) -> list[str]:
    """The tokens of `values` (at most 1,000), in order, from one synchronous invocation of the
    tokenize function, retried on transient failures with exponential backoff and full jitter."""
    if not 1 <= len(values) <= MAX_VALUES_PER_REQUEST:
        raise ValueError(f"received {len(values)} values; a request holds 1 to {MAX_VALUES_PER_REQUEST}")
    payload = encode_request(values)
    for attempt in range(1, max_attempts + 1):
        try:
            response = client.invoke(FunctionName=function_name, InvocationType="RequestResponse", Payload=payload)
            return parse_response(response, len(values))
        except TokenizerError as raised:
            error = raised
        except Exception as raised:  # noqa: BLE001 (classified: retried or reported without its message)
            error = _call_error(raised)
        if not error.retryable or attempt >= max_attempts:
            break
        delay = random.uniform(0, min(max_retry_delay_seconds, retry_delay_seconds * 2 ** (attempt - 1)))
        logger.warning("tokenize request of %d value(s): attempt %d of %d failed (%s); retrying in %.2f s",
                       len(values), attempt, max_attempts, error.error_type or "error", delay)
        sleep(delay)
    final = TokenizerError(
        f"{error}; {'gave up after' if error.retryable else 'not retried, after'} {attempt} attempt(s) "
        f"(a request of {len(values)} value(s) to {function_name})",
        error_type=error.error_type, retryable=error.retryable)
    raise final from None


# ---------------------------------------------------------------------------------------------
# A partition
# ---------------------------------------------------------------------------------------------

def is_blank(value: Any) -> bool:
    """Whether a value is not sent: None, or nothing but white space (and byte order marks)."""
    return value is None or (isinstance(value, str) and not value.replace("\ufeff", "").strip())


def _check(value: Any, column: str) -> None:
    if not isinstance(value, str):
        raise TokenizerError(f"a value of the column {column!r} is of type {type(value).__name__}; "
                             "the tokenizer accepts strings only (the value is not shown)")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise TokenizerError(f"a value of the column {column!r} is not valid Unicode text "
                             "(the value is not shown)") from None
    if size > MAX_VALUE_BYTES:
        raise TokenizerError(f"a value of the column {column!r} is {size} UTF-8 bytes long; the tokenizer "
                             f"accepts at most {MAX_VALUE_BYTES} (the value is not shown)")


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def request_chunks(values: Iterable[str], *, max_values: int = MAX_VALUES_PER_REQUEST,
                   max_bytes: int = MAX_REQUEST_BYTES) -> Iterator[list[str]]:
    """`values` in consecutive requests of at most `max_values` values whose payload
    (`encode_request`) is at most `max_bytes` bytes.

    >>> [len(c) for c in request_chunks(["a"] * 2500)]
    [1000, 1000, 500]
    >>> [len(c) for c in request_chunks(["\x01" * 1024] * 1000)]  # each value escapes to 6,144 bytes
    [813, 187]
    """
    overhead = len(encode_request([]))  # {"values":[]}
    chunk: list[str] = []
    size = overhead
    for value in values:
        cost = len(encode_request([value])) - overhead + (1 if chunk else 0)  # the value and its comma
        if chunk and (len(chunk) >= max_values or size + cost > max_bytes):
            yield chunk
            chunk, size = [], overhead
            cost -= 1
        chunk.append(value)
        size += cost
    if chunk:
        yield chunk


@dataclass(frozen=True)
class PartitionTokenizer:
    """Tokenizes one partition's rows (tuples or Rows): the function `mapPartitions` ships to the
    executors. `columns` maps each index to replace to its column name (for errors)."""

    function_name: str
    columns: tuple[tuple[int, str], ...]
    batch_size: int = DEFAULT_BATCH_SIZE
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    client_factory: Callable[[], Any] = LambdaClientFactory()
    retry_delay_seconds: float = DEFAULT_RETRY_DELAY_SECONDS
    max_retry_delay_seconds: float = DEFAULT_MAX_RETRY_DELAY_SECONDS

    def __call__(self, rows: Iterable[Sequence[Any]]) -> Iterator[tuple[Any, ...]]:
        client = None
        requests = values_sent = rows_seen = 0
        for batch in _batches(rows, self.batch_size):
            rows_seen += len(batch)
            distinct: dict[str, None] = {}
            for row in batch:
                for index, name in self.columns:
                    value = row[index]
                    if not is_blank(value):
                        _check(value, name)
                        distinct[value] = None
            token_of: dict[str, str] = {}
            for chunk in request_chunks(distinct):
                if client is None:
                    client = self.client_factory()
                tokens = invoke_tokenize(client, self.function_name, chunk, max_attempts=self.max_attempts,
                                         retry_delay_seconds=self.retry_delay_seconds,
                                         max_retry_delay_seconds=self.max_retry_delay_seconds)
                token_of.update(zip(chunk, tokens))
                requests += 1
                values_sent += len(chunk)
            replaced = {index for index, _ in self.columns}
            for row in batch:
                yield tuple((None if is_blank(v) else token_of[v]) if i in replaced else v for i, v in enumerate(row))
        LOGGER.info("tokenized a partition: %d row(s), %d request(s), %d distinct value(s) sent",
                    rows_seen, requests, values_sent)


# ---------------------------------------------------------------------------------------------
# A DataFrame
# ---------------------------------------------------------------------------------------------

def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def tokenize_columns(df: DataFrame, tokenizer: Tokenizer | str, columns: Sequence[str], *,
                     batch_size: int = DEFAULT_BATCH_SIZE, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
                     lambda_client_factory: Callable[[], Any] | None = None,
                     retry_delay_seconds: float = DEFAULT_RETRY_DELAY_SECONDS,
                     max_retry_delay_seconds: float = DEFAULT_MAX_RETRY_DELAY_SECONDS) -> DataFrame:
    """`df` with the values of `columns` (string columns) replaced by their tokens.

    Args:
        df: the frame; its other columns are kept as they are (top-level timestamps cross into
            Python as microseconds, so no time zone touches them).
        tokenizer: the job's `Tokenizer` (`args.tokenizer()`), or the tokenize function's name.
        columns: the string columns to tokenize; a null stays null, a blank value becomes null.
        batch_size: rows per batch (each batch sends its distinct values, 1,000 a request at most).
        max_attempts: attempts per request, the first included.
        lambda_client_factory: a picklable callable without arguments that returns a Lambda client,
            called once per partition on the executor; by default a boto3 client in the driver's
            Region (`LambdaClientFactory`).
        retry_delay_seconds, max_retry_delay_seconds: the backoff (doubled each attempt, full jitter).

    Returns:
        A DataFrame with the same columns and types (the tokenized columns nullable). It is lazy:
        each action that computes it calls the tokenizer again (`cache()` the result when several
        actions use it: it holds tokens, not plaintext), and a `TokenizerError` raised on an
        executor fails the action (after Spark's task retries, `spark.task.maxFailures`).

    Raises:
        ValueError: no or unknown columns, a column that is not a string, a bad batch size or
            number of attempts, or no AWS Region for the default client.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType, TimestampType

    function_name = tokenizer if isinstance(tokenizer, str) else tokenizer.function_name
    if not function_name or not function_name.strip():
        raise ValueError("tokenize_columns: received an empty tokenize function name; expected the tokenizer's "
                         "function (args.tokenizer())")
    names = list(columns)
    if not names:
        raise ValueError("tokenize_columns: received no columns; expected at least one string column")
    if len(set(names)) != len(names):
        raise ValueError(f"tokenize_columns: received the columns {names}; expected each column once")
    if batch_size < 1:
        raise ValueError(f"tokenize_columns: received batch_size={batch_size}; expected at least 1")
    if max_attempts < 1:
        raise ValueError(f"tokenize_columns: received max_attempts={max_attempts}; expected at least 1")
    fields = {f.name: f for f in df.schema.fields}
    for name in names:
        if name not in fields:
            raise ValueError(f"tokenize_columns: received the column {name!r}; expected one of {list(fields)}")
        if not isinstance(fields[name].dataType, StringType):
            raise ValueError(f"tokenize_columns: the column {name!r} is {fields[name].dataType.simpleString()}; "
                             "expected a string column")
    if lambda_client_factory is None:
        region = _driver_region()
        if not region:
            raise ValueError("tokenize_columns: no AWS Region is configured on the driver (AWS_REGION); "
                             "expected one, or a lambda_client_factory")
        lambda_client_factory = LambdaClientFactory(region)

    order = [f.name for f in df.schema.fields]
    timestamps = {f.name for f in df.schema.fields if isinstance(f.dataType, TimestampType)}
    source = df.select(*[F.expr(f"unix_micros({_quoted(n)})").alias(n) if n in timestamps else F.col(_quoted(n))
                         for n in order])
    schema = StructType([StructField(f.name, f.dataType, True) if f.name in names else f
                         for f in source.schema.fields])
    work = PartitionTokenizer(
        function_name=function_name, columns=tuple((order.index(n), n) for n in names), batch_size=batch_size,
        max_attempts=max_attempts, client_factory=lambda_client_factory, retry_delay_seconds=retry_delay_seconds,
        max_retry_delay_seconds=max_retry_delay_seconds)
    tokenized = df.sparkSession.createDataFrame(source.rdd.mapPartitions(work), schema=schema, verifySchema=False)
    return tokenized.select(*[F.expr(f"timestamp_micros({_quoted(n)})").alias(n) if n in timestamps
                              else F.col(_quoted(n)) for n in order])
