"""Lambda's function runtime, in-process: a template function's handler loaded as on Lambda (its
code, then its layers, on the path; its environment set while it loads), a context object, warm
execution environments reused, and Lambda's error payload when the handler raises.

The local gateway, `python -m local.invoke` and any other local runner of functions use it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import importlib.util
import itertools
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from local.cfn import ACCOUNT_ID, Function, Template

Handler = Callable[[Any, Any], Any]

# Loading a handler module edits sys.path and (briefly) os.environ: one load at a time.
_LOAD_LOCK = threading.Lock()
_module_ids = itertools.count(1)


@dataclass
class LambdaContext:
    """The attributes of the Lambda runtime's context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    timeout_seconds: int
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    identity: Any = None
    client_context: Any = None
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout_seconds - time.monotonic()) * 1000))


class FunctionError(Exception):
    """The function raised (or its result could not be serialised): Lambda's error payload."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload["errorMessage"])
        self.payload = payload

    @property
    def error_message(self) -> str:
        return str(self.payload["errorMessage"])


# Settings a local run takes from its own environment only, never from the template: rate limits
# apply under `make run` only when asked for (RATE_LIMIT_API_KEY=5 make run).
FROM_CALLER_ONLY = frozenset({"RATE_LIMIT_API_KEY", "RATE_LIMIT_ACCESS_TOKEN"})


def caller_settings_only(template: Template) -> Template:
    """The template with each FROM_CALLER_ONLY variable set as this process's environment sets it,
    or not at all."""
    functions = {}
    for name, function in template.functions.items():
        env = {k: v for k, v in function.env.items() if k not in FROM_CALLER_ONLY}
        env |= {k: os.environ[k] for k in FROM_CALLER_ONLY & function.env.keys() if k in os.environ}
        functions[name] = dataclasses.replace(function, env=env)
    return dataclasses.replace(template, functions=functions)


def apply_env(template: Template, endpoint_url: str | None, functions: list[str] | None = None) -> None:
    """Set, process-wide, the environment the template gives its functions (all, or those named).

    The functions share this process, so they share os.environ: the union of their variables.
    Only the keys on which they differ (e.g. POWERTOOLS_SERVICE_NAME) are then ambiguous, and
    each handler module still sees its own values while it is imported (see FunctionPool).
    """
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or template.region
    for name in functions or list(template.functions):
        os.environ.update(template.functions[name].env)
    # AWS_SAM_LOCAL is what `sam local` sets; Powertools then keeps X-Ray tracing off.
    os.environ.update(AWS_REGION=region, AWS_DEFAULT_REGION=region, AWS_SAM_LOCAL="true")
    if endpoint_url:
        os.environ["DYNAMODB_ENDPOINT_URL"] = endpoint_url
    else:
        os.environ.pop("DYNAMODB_ENDPOINT_URL", None)


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def load_handler(function: Function) -> Handler:
    """A fresh copy of the function's handler module (a new "execution environment").

    Each copy gets a unique module name: both functions' files are called app.py, and two
    concurrent invocations must not share a Powertools resolver (it keeps the current event
    on itself).

    The handlers' init phase acts on the whole process, as in Lambda, where it is the only one:
    collection is off while one loads (for every thread), and what it leaves is frozen, including
    whatever garbage other threads hold then. Tolerable for a local tool whose environments are few.
    """
    path = function.handler_file
    name = f"_local_{function.logical_id}_{next(_module_ids)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"{function.logical_id}: no handler module at {path}")
    module = importlib.util.module_from_spec(spec)
    with _LOAD_LOCK, _environment(function.env):
        # Lambda's order: the function's code first, then the layers.
        for entry in reversed([function.code_uri, *function.layer_paths]):
            if str(entry) not in sys.path:
                sys.path.insert(0, str(entry))
        sys.modules[name] = module  # pydantic/dataclasses look their module up by name
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            gc.enable()  # a handler that failed mid-init left collection off (it is off while it imports)
            raise
    handler = getattr(module, function.handler_name, None)
    if not callable(handler):
        raise AttributeError(f"{function.logical_id}: {path} has no callable {function.handler_name!r}")
    return handler


class FunctionPool:
    """Warm execution environments of one function, each serving one invocation at a time.

    Concurrent invocations get separate environments (a cold start loads a new module copy),
    as on Lambda; finished environments are reused.
    """

    def __init__(self, function: Function, region: str) -> None:
        self.function = function
        self.arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function.logical_id}"
        self._idle: list[Handler] = []
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Load one environment now, so import errors surface at start rather than on a request."""
        self._release(self._acquire())

    def _acquire(self) -> Handler:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return load_handler(self.function)

    def _release(self, handler: Handler) -> None:
        with self._lock:
            self._idle.append(handler)

    def context(self, request_id: str | None = None) -> LambdaContext:
        return LambdaContext(
            function_name=self.function.logical_id,
            memory_limit_in_mb=self.function.memory_mb,
            invoked_function_arn=self.arn,
            aws_request_id=request_id or str(uuid.uuid4()),
            timeout_seconds=self.function.timeout_seconds,
            log_group_name=f"/aws/lambda/{self.function.logical_id}",
        )

    def invoke(self, event: Any, request_id: str | None = None) -> Any:
        """The handler's result, JSON round-tripped as Lambda does; FunctionError if it raised."""
        context = self.context(request_id)
        payload = json.loads(json.dumps(event))  # the function gets JSON, never our objects
        try:
            handler = self._acquire()  # an import error is the invocation's error, as on Lambda
        except Exception as exc:
            raise _function_error(exc, context) from exc
        try:
            result = handler(payload, context)
            if context.get_remaining_time_in_millis() == 0:
                raise TimeoutError(f"Task timed out after {self.function.timeout_seconds:.2f} seconds")
            return json.loads(json.dumps(result))
        except Exception as exc:
            raise _function_error(exc, context) from exc
        finally:
            self._release(handler)


def _function_error(exc: Exception, context: LambdaContext) -> FunctionError:
    return FunctionError(
        {
            "errorMessage": str(exc),
            "errorType": type(exc).__name__,
            "requestId": context.aws_request_id,
            "stackTrace": traceback.format_exception(exc),
        }
    )
