"""Node types, one class each, in a registry keyed by `type` (STYLE 9).

Adding a node type is adding one class and one line here (and its `$defs` entry in
builder/schemas/flow.json).
"""

from __future__ import annotations

from runtime.flows.nodes.base import NodeSpec
from runtime.flows.nodes.decision import DecisionNode
from runtime.flows.nodes.form import FormNode
from runtime.flows.nodes.notify import NotifyNode
from runtime.flows.nodes.parallel import ParallelNode
from runtime.flows.nodes.service import ServiceNode
from runtime.flows.nodes.simple import EndNode, StartNode
from runtime.flows.nodes.subflow import SubflowNode
from runtime.flows.nodes.user_task import UserTaskNode
from runtime.flows.nodes.wait import WaitNode
from runtime.flows.nodes.waiting import WaitingNode

NODE_TYPES: dict[str, type[NodeSpec]] = {
    "start": StartNode,
    "form": FormNode,
    "user_task": UserTaskNode,
    "decision": DecisionNode,
    "parallel": ParallelNode,
    "service": ServiceNode,
    "wait": WaitNode,
    "notify": NotifyNode,
    "subflow": SubflowNode,
    "end": EndNode,
}

__all__ = [
    "NODE_TYPES",
    "DecisionNode",
    "EndNode",
    "FormNode",
    "NodeSpec",
    "NotifyNode",
    "ParallelNode",
    "ServiceNode",
    "StartNode",
    "SubflowNode",
    "UserTaskNode",
    "WaitNode",
    "WaitingNode",
]
