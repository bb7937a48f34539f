"""A fake tokenize Lambda for tests of jobs that call `gluelake.tokenize.tokenize_columns`.

`FakeTokenizerLambda(...)` is a picklable client factory (give it as `lambda_client_factory`): each
call returns a client whose `invoke` answers like the `PiiTokenizer` tokenize function
(`{"values": [...]}` -> `{"tokens": [...]}`), deterministically: the token of a value is
`tok_` + the MD5 of the value trimmed and lower-cased (`FakeTokenizerLambda.token(value)`). It
checks requests as the function does (at most 1,000 strings of at most 1,024 UTF-8 bytes, none
empty once trimmed) and can throttle its first invocations or fail every one.

The executors run in other processes: with `record_dir`, every invocation appends one JSON line
(`{"pid", "values", "outcome"}`) to `<record_dir>/invocations.jsonl`; `read_invocations` reads them.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RECORD_FILE = "invocations.jsonl"


def _client_error(code: str, status: int) -> Exception:
    from botocore.exceptions import ClientError

    response: Any = {"Error": {"Code": code, "Message": f"fake {code}"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "Invoke")


@dataclass(frozen=True)
class FakeTokenizerLambda:
    """A factory of fake Lambda clients for the tokenize function.

    Args:
        record_dir: where invocations are recorded (None: not recorded).
        throttle_first: each client answers its first `throttle_first` invocations with a
            `TooManyRequestsException` (HTTP 429), then tokenizes.
        function_error: when set, every invocation fails with this `errorType` (`FunctionError:
            Unhandled`), e.g. `TokenizerConfigError` (permanent) or `TokenizerFailed` (retried).
        error_message: the `errorMessage` of those failures.
        prefix: the token prefix.
    """

    record_dir: str | None = None
    throttle_first: int = 0
    function_error: str | None = None
    error_message: str = "the fake tokenizer failed"
    prefix: str = "tok_"

    @staticmethod
    def token(value: str, prefix: str = "tok_") -> str:
        """The token the fake gives `value`."""
        return prefix + hashlib.md5(value.strip().lower().encode("utf-8")).hexdigest()

    def __call__(self) -> FakeTokenizerClient:
        return FakeTokenizerClient(self)


class FakeTokenizerClient:
    """One fake client (`invoke` only); `invocations` counts its calls."""

    def __init__(self, spec: FakeTokenizerLambda) -> None:
        self.spec = spec
        self.invocations = 0

    def _record(self, values: Any, outcome: str) -> None:
        if self.spec.record_dir is None:
            return
        line = json.dumps({"pid": os.getpid(), "values": values, "outcome": outcome}, ensure_ascii=False)
        with open(Path(self.spec.record_dir) / RECORD_FILE, "a", encoding="utf-8") as out:
            out.write(line + "\n")

    @staticmethod
    def _answer(payload: Any, function_error: str | None = None) -> dict[str, Any]:
        answer: dict[str, Any] = {"StatusCode": 200,
                                  "Payload": io.BytesIO(json.dumps(payload).encode("utf-8"))}
        if function_error:
            answer["FunctionError"] = function_error
        return answer

    def invoke(self, *, FunctionName: str, InvocationType: str = "RequestResponse",  # noqa: N803 (boto3's names)
               Payload: bytes | str = b"", **_: Any) -> dict[str, Any]:
        """Answers like the tokenize function (or throttles, or fails, as the factory says)."""
        self.invocations += 1
        request: Any = json.loads(Payload)
        values: Any = request.get("values") if isinstance(request, dict) else None
        if self.invocations <= self.spec.throttle_first:
            self._record(values, "throttled")
            raise _client_error("TooManyRequestsException", 429)
        if self.spec.function_error:
            self._record(values, self.spec.function_error)
            return self._answer({"errorType": self.spec.function_error, "errorMessage": self.spec.error_message},
                                "Unhandled")
        problems = []
        if not isinstance(values, list) or set(request) != {"values"}:
            problems.append('the request must be {"values": [...]}')
        elif len(values) > 1000:
            problems.append(f'"values" has {len(values)} entries; at most 1000 are accepted per request')
        else:
            for i, value in enumerate(values):
                if not isinstance(value, str):
                    problems.append(f"values[{i}] is not a string")
                elif len(value.encode("utf-8")) > 1024:
                    problems.append(f"values[{i}] is too long")
                elif not value.strip():
                    problems.append(f"values[{i}] is empty")
        if problems:
            self._record(values, "InvalidTokenizerRequest")
            return self._answer({"errorType": "InvalidTokenizerRequest", "errorMessage": "; ".join(problems)},
                                "Unhandled")
        self._record(values, "tokenized")
        return self._answer({"tokens": [self.spec.token(v, self.spec.prefix) for v in values]})


def read_invocations(record_dir: str | Path) -> list[dict[str, Any]]:
    """The invocations recorded in `record_dir`, in the order they were written."""
    path = Path(record_dir) / RECORD_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
