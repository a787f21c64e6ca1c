"""Reading template.yaml for the local tools: the YAML with its short tags (yaml_tags), intrinsic
functions (intrinsics), the resolved model of APIs, functions and tables (model), the reading itself
(reader: load_template), and making the template's tables in a DynamoDB (tables)."""

from local.cfn.intrinsics import Resolver, as_str
from local.cfn.model import (
    ACCOUNT_ID,
    DEFAULT_REGION,
    Api,
    Authorizer,
    Function,
    GatewayResponse,
    Route,
    Table,
    Template,
    TemplateError,
)
from local.cfn.reader import IMPLICIT_API, load_template
from local.cfn.tables import ensure_tables
from local.cfn.yaml_tags import CfnLoader, load_yaml

__all__ = [
    "ACCOUNT_ID",
    "DEFAULT_REGION",
    "IMPLICIT_API",
    "Api",
    "Authorizer",
    "CfnLoader",
    "Function",
    "GatewayResponse",
    "Resolver",
    "Route",
    "Table",
    "Template",
    "TemplateError",
    "as_str",
    "ensure_tables",
    "load_template",
    "load_yaml",
]
