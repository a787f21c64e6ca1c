"""Reading template.yaml for the local tools: yaml_tags (short tags), intrinsics (Resolver), model
(the resolved APIs, functions, tables), reader (load_template), tables (ensure_tables)."""

from local.cfn.intrinsics import Resolver
from local.cfn.model import ACCOUNT_ID, Api, Authorizer, Function, Route, Template, TemplateError
from local.cfn.reader import load_template
from local.cfn.tables import ensure_tables
from local.cfn.yaml_tags import CfnLoader, load_yaml

__all__ = [
    "ACCOUNT_ID",
    "Api",
    "Authorizer",
    "CfnLoader",
    "Function",
    "Resolver",
    "Route",
    "Template",
    "TemplateError",
    "ensure_tables",
    "load_template",
    "load_yaml",
]
