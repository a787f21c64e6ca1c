"""The template's DynamoDB tables, made in a local (or any) DynamoDB."""

from __future__ import annotations

from typing import Any

from local.cfn.model import Template


def ensure_tables(client: Any, template: Template) -> None:
    """Create the template's tables that do not exist yet (on demand), and switch their TTL on."""
    existing: set[str] = set()
    for page in client.get_paginator("list_tables").paginate():
        existing.update(page["TableNames"])
    for table in template.tables.values():
        if table.name not in existing:
            client.create_table(**table.create_table_args())
    waiter = client.get_waiter("table_exists")
    for table in template.tables.values():
        waiter.wait(TableName=table.name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
        if table.ttl_attribute:
            status = client.describe_time_to_live(TableName=table.name)["TimeToLiveDescription"]
            if status.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                client.update_time_to_live(
                    TableName=table.name,
                    TimeToLiveSpecification={"AttributeName": table.ttl_attribute, "Enabled": True},
                )
