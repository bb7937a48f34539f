"""gluelake.tokenize: batched, retried requests to the tokenize Lambda, never a plaintext in errors or logs.

Runs with the kit's plugin (`-p gluelake.testing.plugin`, or its pytest11 entry point): the `spark`
fixture and the fake tokenize Lambda of `gluelake.testing.fake_lambda` (the executors run in other processes: the fake records
its invocations in a folder).
"""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gluelake.arguments import Tokenizer
from gluelake.testing import DataFrameMatcher
from gluelake.testing.fake_lambda import FakeTokenizerLambda, read_invocations
from gluelake.tokenize import (
    MAX_VALUES_PER_REQUEST,
    PartitionTokenizer,
    TokenizerError,
    _call_error,
    invoke_tokenize,
    parse_response,
    tokenize_columns,
)

SECRETS = ["ann@example.com", "Bob@Example.com", "carol@example.com", "dan@example.com"]
TOKENIZER = Tokenizer(name="pii_tokenizer", function_name="lake-pii-tokenize")
tok = FakeTokenizerLambda.token


def no_plaintext(text: str) -> bool:
    """Whether none of the test's plaintext values (in any case) appears in `text`."""
    lowered = text.lower()
    return not any(secret.lower() in lowered or secret.split("@")[0].lower() + "@" in lowered for secret in SECRETS)


class Sleeps(list):
    """A `sleep` that records its delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


# ---------------------------------------------------------------------------------------------
# One request
# ---------------------------------------------------------------------------------------------

def test_a_throttled_request_is_retried_with_backoff_then_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeTokenizerLambda(throttle_first=2)()
    sleeps = Sleeps()
    with caplog.at_level(logging.DEBUG, logger="gluelake.tokenize"):
        tokens = invoke_tokenize(client, "fn", SECRETS[:2], sleep=sleeps, retry_delay_seconds=1.0,
                                 max_retry_delay_seconds=1.5)
    assert tokens == [tok(SECRETS[0]), tok(SECRETS[1])]
    assert client.invocations == 3
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 1.0 and 0 <= sleeps[1] <= 1.5  # full jitter, capped
    assert [r.levelname for r in caplog.records] == ["WARNING", "WARNING"]
    assert "attempt 1 of 8 failed (TooManyRequestsException)" in caplog.records[0].getMessage()
    assert no_plaintext(caplog.text)


def test_throttling_past_the_attempts_gives_up_with_an_error_without_values() -> None:
    client = FakeTokenizerLambda(throttle_first=100)()
    with pytest.raises(TokenizerError) as raised:
        invoke_tokenize(client, "fn", SECRETS, max_attempts=3, sleep=Sleeps())
    assert str(raised.value) == ("the Lambda Invoke call failed with TooManyRequestsException (HTTP 429); gave up "
                                 "after 3 attempt(s) (a request of 4 value(s) to fn)")
    assert raised.value.retryable and raised.value.error_type == "TooManyRequestsException"
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert client.invocations == 3


@pytest.mark.parametrize("error_type, message, attempts, expected", [
    ("TokenizerConfigError", "environment variable VAULT_TABLE_NAME is not set", 1,
     "the tokenize function failed (Unhandled): TokenizerConfigError: environment variable VAULT_TABLE_NAME is not "
     "set; not retried, after 1 attempt(s) (a request of 4 value(s) to fn)"),
    ("InvalidTokenizerRequest", "1 invalid entry, nothing was read or written: values[2] is empty", 1,
     "the tokenize function failed (Unhandled): InvalidTokenizerRequest: 1 invalid entry, nothing was read or "
     "written: values[2] is empty; not retried, after 1 attempt(s) (a request of 4 value(s) to fn)"),
    ("TokenizerFailed", "DynamoDB PutItem failed with ProvisionedThroughputExceededException after 8 attempts", 4,
     "the tokenize function failed (Unhandled): TokenizerFailed: DynamoDB PutItem failed with "
     "ProvisionedThroughputExceededException after 8 attempts; gave up after 4 attempt(s) (a request of 4 value(s) "
     "to fn)"),
    # Not the tokenizer's own error: its message could quote anything, so it is not shown.
    ("Runtime.ExitError", "crashed while handling ann@example.com", 1,
     "the tokenize function failed (Unhandled): Runtime.ExitError: (message not shown: not one of the tokenizer's "
     "own errors); not retried, after 1 attempt(s) (a request of 4 value(s) to fn)"),
])
def test_function_errors_are_retried_only_when_transient(error_type: str, message: str, attempts: int,
                                                          expected: str) -> None:
    client = FakeTokenizerLambda(function_error=error_type, error_message=message)()
    with pytest.raises(TokenizerError) as raised:
        invoke_tokenize(client, "fn", SECRETS, max_attempts=4, sleep=Sleeps())
    assert str(raised.value) == expected
    assert raised.value.error_type == error_type
    assert client.invocations == attempts
    assert no_plaintext(str(raised.value))


def _response(payload: Any, **extra: Any) -> dict[str, Any]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return {"StatusCode": 200, "Payload": io.BytesIO(body), **extra}


@pytest.mark.parametrize("response, expected, retryable", [
    (_response({"tokens": SECRETS[:2]}), "the tokenize function returned 2 item(s) that are not tokens (not shown)",
     False),
    (_response({"tokens": [tok("a")]}), "the tokenize function returned 1 token(s) for 2 value(s)", False),
    (_response(b"ann@example.com is not json"),
     "the tokenize function's response is not a JSON object with a 'tokens' list (not shown)", False),
    (_response({"values": SECRETS[:2]}),
     "the tokenize function's response is not a JSON object with a 'tokens' list (not shown)", False),
    ({"StatusCode": 503, "Payload": io.BytesIO(b"")}, "the tokenize invocation returned the status 503; expected 200",
     True),
    (_response(b"", FunctionError="Unhandled"),
     "the tokenize function failed (Unhandled): (no errorType): (message not shown: not one of the tokenizer's own "
     "errors)", False),
    (_response({"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 60.00 seconds"},
               FunctionError="Unhandled"),
     "the tokenize function failed (Unhandled): Sandbox.Timedout: Task timed out after 60.00 seconds", True),
])
def test_responses_that_are_not_tokens_are_refused_without_showing_them(response: dict, expected: str,
                                                                         retryable: bool) -> None:
    with pytest.raises(TokenizerError) as raised:
        parse_response(response, 2)
    assert str(raised.value) == expected
    assert raised.value.retryable is retryable


def test_invoke_errors_are_classified_by_code_never_by_message() -> None:
    from botocore.exceptions import ClientError, ReadTimeoutError

    def client_error(code: str, status: int) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": "about ann@example.com"},
                            "ResponseMetadata": {"HTTPStatusCode": status}}, "Invoke")

    cases = {
        "throttled": client_error("TooManyRequestsException", 429),
        "service": client_error("ServiceException", 500),
        "not found": client_error("ResourceNotFoundException", 404),
        "kms": client_error("KMSAccessDeniedException", 502),
        "timeout": ReadTimeoutError(endpoint_url="https://lambda.eu-west-1.amazonaws.com"),
        "other": ValueError("Invalid type for parameter Payload, value: b'ann@example.com'"),
    }
    errors = {name: _call_error(error) for name, error in cases.items()}
    assert {name: error.retryable for name, error in errors.items()} == {
        "throttled": True, "service": True, "not found": False, "kms": False, "timeout": True, "other": False}
    assert str(errors["not found"]) == "the Lambda Invoke call failed with ResourceNotFoundException (HTTP 404)"
    assert str(errors["other"]) == "the Lambda Invoke call failed with ValueError (message not shown)"
    assert all(no_plaintext(str(error)) for error in errors.values())


def test_a_request_holds_1_to_1000_values() -> None:
    client = FakeTokenizerLambda()()
    for values in ([], [f"v{i}@example.com" for i in range(MAX_VALUES_PER_REQUEST + 1)]):
        with pytest.raises(ValueError, match=r"a request holds 1 to 1000$"):
            invoke_tokenize(client, "fn", values)
    assert client.invocations == 0


# ---------------------------------------------------------------------------------------------
# A partition
# ---------------------------------------------------------------------------------------------

def test_a_partition_sends_each_batch_distinct_values_once_and_keeps_nulls(tmp_path: Path) -> None:
    work = PartitionTokenizer(function_name="fn", columns=((1, "email"), (2, "alt")), batch_size=3,
                              client_factory=FakeTokenizerLambda(record_dir=str(tmp_path)))
    rows = [("c1", "ann@example.com", "Bob@Example.com"),
            ("c2", None, "ann@example.com"),
            ("c3", "  ", "ann@example.com"),
            ("c4", "dan@example.com", "")]
    out = list(work(rows))
    assert out == [("c1", tok("ann@example.com"), tok("Bob@Example.com")),
                   ("c2", None, tok("ann@example.com")),
                   ("c3", None, tok("ann@example.com")),
                   ("c4", tok("dan@example.com"), None)]
    # batch (c1, c2, c3): 2 distinct values in one request; batch (c4): 1; the blank ones are not sent
    assert [i["values"] for i in read_invocations(tmp_path)] == [
        ["ann@example.com", "Bob@Example.com"], ["dan@example.com"]]


def test_a_partition_splits_a_batch_into_requests_of_at_most_1000_values(tmp_path: Path) -> None:
    work = PartitionTokenizer(function_name="fn", columns=((0, "a"), (1, "b")), batch_size=600,
                              client_factory=FakeTokenizerLambda(record_dir=str(tmp_path)))
    rows = [(f"a{i}@x.com", f"b{i}@x.com") for i in range(600)]
    assert list(work(rows)) == [(tok(a), tok(b)) for a, b in rows]
    assert [len(i["values"]) for i in read_invocations(tmp_path)] == [1000, 200]


def test_a_partition_with_nothing_to_send_creates_no_client() -> None:
    def no_client() -> Any:
        raise AssertionError("a client was created")

    work = PartitionTokenizer(function_name="fn", columns=((0, "email"),), client_factory=no_client)
    assert list(work([(None,), (" ",)])) == [(None,), (None,)]


@pytest.mark.parametrize("value, expected", [
    ("x" * 1010 + "ann@example.com",  # 1,025 bytes
     "a value of the column 'email' is 1025 UTF-8 bytes long; the tokenizer accepts at most 1024 (the value is not "
     "shown)"),
    (42, "a value of the column 'email' is of type int; the tokenizer accepts strings only (the value is not shown)"),
    ("ann@example.com\ud800", "a value of the column 'email' is not valid Unicode text (the value is not shown)"),
])
def test_a_value_the_tokenizer_would_refuse_fails_before_any_request(value: Any, expected: str) -> None:
    work = PartitionTokenizer(function_name="fn", columns=((0, "email"),), client_factory=FakeTokenizerLambda())
    with pytest.raises(TokenizerError) as raised:
        list(work([(value,)]))
    assert str(raised.value) == expected


# ---------------------------------------------------------------------------------------------
# A DataFrame on local Spark
# ---------------------------------------------------------------------------------------------

CUSTOMERS_DDL = "id string, email string, alt_email string, updated_at timestamp, amount decimal(10,2)"


def customers(spark: Any, partitions: int = 2) -> Any:
    data = [("c1", "ann@example.com", None, datetime(2026, 3, 29, 1, 30), Decimal("1.50")),
            ("c2", "Bob@Example.com", "ann@example.com", datetime(2026, 10, 25, 1, 30), Decimal("2.00")),
            ("c3", None, "", datetime(2026, 11, 1, 0, 0), None),
            ("c4", "carol@example.com", "carol@example.com", None, Decimal("4.25"))]
    return spark.createDataFrame(spark.sparkContext.parallelize(data, partitions), CUSTOMERS_DDL)


def test_tokenize_columns_replaces_the_values_per_partition_and_keeps_the_rest(spark: Any, tmp_path: Path) -> None:
    source = customers(spark)
    out = tokenize_columns(source, TOKENIZER, ["email", "alt_email"], batch_size=10, retry_delay_seconds=0.001,
                           lambda_client_factory=FakeTokenizerLambda(record_dir=str(tmp_path), throttle_first=1))
    assert out.schema.simpleString() == ("struct<id:string,email:string,alt_email:string,updated_at:timestamp,"
                                         "amount:decimal(10,2)>")
    kept = {r.id: (r.updated_at, r.amount) for r in source.collect()}
    assert out == DataFrameMatcher([
        {"id": "c1", "email": tok("ann@example.com"), "alt_email": None, "updated_at": kept["c1"][0],
         "amount": Decimal("1.50")},
        {"id": "c2", "email": tok("Bob@Example.com"), "alt_email": tok("ann@example.com"), "updated_at": kept["c2"][0],
         "amount": Decimal("2.00")},
        {"id": "c3", "email": None, "alt_email": None, "updated_at": kept["c3"][0], "amount": None},
        {"id": "c4", "email": tok("carol@example.com"), "alt_email": tok("carol@example.com"), "updated_at": None,
         "amount": Decimal("4.25")},
    ])
    invocations = read_invocations(tmp_path)
    # each partition's client: one throttled request, retried; then one request per batch, distinct values
    assert sorted((i["outcome"], sorted(i["values"])) for i in invocations) == sorted([
        ("throttled", ["Bob@Example.com", "ann@example.com"]), ("tokenized", ["Bob@Example.com", "ann@example.com"]),
        ("throttled", ["carol@example.com"]), ("tokenized", ["carol@example.com"])])
    # The timestamps crossed Python as microseconds: the same instants, whatever the executors' zone.
    assert out.selectExpr("id", "unix_micros(updated_at)").collect() == \
        source.selectExpr("id", "unix_micros(updated_at)").collect()
    assert len(read_invocations(tmp_path)) == 8  # a second action computes the frame again


def test_a_permanent_tokenizer_error_fails_the_action_without_plaintext(spark: Any, tmp_path: Path) -> None:
    out = tokenize_columns(customers(spark), TOKENIZER, ["email"], lambda_client_factory=FakeTokenizerLambda(
        record_dir=str(tmp_path), function_error="TokenizerConfigError",
        error_message="environment variable VAULT_TABLE_NAME is not set"))
    with pytest.raises(Exception) as raised:
        out.collect()
    text = str(raised.value)
    assert ("TokenizerError: the tokenize function failed (Unhandled): TokenizerConfigError: environment variable "
            "VAULT_TABLE_NAME is not set; not retried, after 1 attempt(s) (a request of 2 value(s) to "
            "lake-pii-tokenize)") in text
    assert no_plaintext(text)
    assert [i["outcome"] for i in read_invocations(tmp_path)] == ["TokenizerConfigError"]  # failed at once


@pytest.mark.parametrize("columns, options, expected", [
    ([], {}, "tokenize_columns: received no columns; expected at least one string column"),
    (["email", "email"], {}, "tokenize_columns: received the columns ['email', 'email']; expected each column once"),
    (["mail"], {}, "tokenize_columns: received the column 'mail'; expected one of ['id', 'email', 'alt_email', "
                   "'updated_at', 'amount']"),
    (["amount"], {}, "tokenize_columns: the column 'amount' is decimal(10,2); expected a string column"),
    (["email"], {"batch_size": 0}, "tokenize_columns: received batch_size=0; expected at least 1"),
    (["email"], {"max_attempts": 0}, "tokenize_columns: received max_attempts=0; expected at least 1"),
])
def test_tokenize_columns_refuses_bad_arguments_before_any_work(spark: Any, columns: list[str], options: dict,
                                                                expected: str) -> None:
    with pytest.raises(ValueError) as raised:
        tokenize_columns(customers(spark), TOKENIZER, columns, lambda_client_factory=FakeTokenizerLambda(), **options)
    assert str(raised.value) == expected


def test_the_default_client_needs_a_region_on_the_driver(spark: Any, monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(ValueError) as raised:
        tokenize_columns(customers(spark), "lake-pii-tokenize", ["email"])
    assert str(raised.value) == ("tokenize_columns: no AWS Region is configured on the driver (AWS_REGION); "
                                 "expected one, or a lambda_client_factory")


def test_the_default_client_factory_is_a_lambda_client_in_the_drivers_region_without_botocore_retries() -> None:
    from gluelake.tokenize import LambdaClientFactory

    client = LambdaClientFactory("eu-west-1")()
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.config.retries["total_max_attempts"] == 1
    assert client.meta.config.read_timeout == 120


def test_requests_stay_under_lambdas_payload_limit_whatever_the_values(tmp_path: Path) -> None:
    # 1,000 values of 1,024 control characters: JSON writes each as \u00XX (6,144 bytes a value), so
    # 1,000 of them would be a 6,147,012-byte request, over Lambda's 6 MB; the client cuts it in two.
    from gluelake.tokenize import MAX_REQUEST_BYTES, encode_request, request_chunks

    values = [f"{i:04d}" + "\x01" * 1020 for i in range(1000)]
    chunks = list(request_chunks(values))
    assert [v for c in chunks for v in c] == values
    assert len(chunks) == 2
    assert all(len(encode_request(c)) <= MAX_REQUEST_BYTES < 6 * 1024 * 1024 for c in chunks)
    assert len(encode_request(values)) > 6 * 1024 * 1024 - 200_000  # the uncut request would be ~6.1 MB
    # exactly at the budget: a chunk may fill it, never pass it
    small = ["ab"] * 10
    budget = len(encode_request(small[:4]))
    assert [len(c) for c in request_chunks(small, max_bytes=budget)] == [4, 4, 2]


def test_doctests() -> None:
    import doctest

    import gluelake.tokenize

    result = doctest.testmod(gluelake.tokenize)
    assert result.attempted > 0 and result.failed == 0
