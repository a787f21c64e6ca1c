"""Publishing a handler's CloudWatch metrics (EMF) only when it counted something.

Powertools' `log_metrics` flushes after every invocation and, when nothing was counted (a refused
request, a no-op reassignment, an empty batch), warns `No application metrics to publish` on each:
noise in every log, which hides real warnings. Nothing counted is normal here, so nothing is said.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Metrics

Handler = TypeVar("Handler", bound=Callable[..., Any])


def publish_metrics(metrics: Metrics) -> Callable[[Handler], Handler]:
    """Decorate a Lambda handler: after each invocation (also a failed one) publish what it counted,
    if anything, and start the next invocation from nothing either way."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return handler(*args, **kwargs)
            finally:
                if metrics.metric_set:
                    metrics.flush_metrics()
                else:
                    metrics.clear_metrics()  # dimensions and metadata added on the way

        return wrapper  # type: ignore[return-value]

    return decorate
