"""Extra list columns a flow asks for: `"columns": [{"var": "customer.tier", "label": …}]`.

Shown (and filterable, by exact value) when the inbox list is filtered to that flow:
rows of different flows share no variables, so mixing their columns would mostly show
blanks. Read from the flow's newest published version.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models import Definition, DefinitionKind, DefinitionStatus


@dataclass(frozen=True)
class Column:
    var: str
    label: str


def columns_of(flow_key: str | None) -> list[Column]:
    if not flow_key:
        return []
    body = db.session.scalar(
        db.select(Definition.body)
        .where(Definition.kind == DefinitionKind.FLOW, Definition.key == flow_key,
               Definition.status == DefinitionStatus.PUBLISHED)
        .order_by(Definition.version.desc()).limit(1)) or {}
    return [Column(c["var"], c.get("label") or c["var"]) for c in body.get("columns", [])
            if isinstance(c, dict) and isinstance(c.get("var"), str)]
