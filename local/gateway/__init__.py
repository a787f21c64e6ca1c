"""A Docker-free stand-in for `sam local start-api`, driven by template.yaml: API Gateway (REST)
emulated in-process. `python -m local.gateway` serves it over HTTP (see cli).

    api: LocalApi, the request path      routing: stage and route, method ARN
    authorizer: Lambda authorizers       proxy: the proxy event and result
    responses: gateway responses         exchange: the request and response records
"""

from local.gateway.api import LocalApi
from local.gateway.exchange import Response

__all__ = ["LocalApi", "Response"]
