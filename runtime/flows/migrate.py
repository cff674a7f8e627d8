"""Moving a running instance to another version of its flow, by an explicit node map.

An admin migrates running instances with `{old node id: new node id}` (DESIGN §4).
`migrate_state` refuses - `DefinitionInvalid` with every problem at
`/node_map/<old id>` - when a mapped node does not exist on either side, maps to a
node of another type (or an incompatible one: another number of approvers, a split
for a join), when a token, a join's arrivals or an incident is left at a node the map
does not name, or when two tokens would meet at the same node and activation.

Keys of effects already issued (tasks, timers, calls) are opaque text and stay as
they are; activation counters carry over (the larger one wins on merged nodes), so
keys made after the move never collide with old ones. Timers whose purpose the new
node lacks (a reminder it no longer has) are ignored when they fire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from runtime.exceptions import DefinitionInvalid, ErrorDetail, FlowError
from runtime.flows.nodes import ParallelNode, UserTaskNode
from runtime.flows.spec import FlowSpec
from runtime.flows.state import InstanceState, JoinState
from runtime.rules.errors import join_pointer


def default_node_map(old: FlowSpec, new: FlowSpec, state: InstanceState) -> dict[str, str]:
    """Map each occupied node to the node with the same id in `new` (when it has one)."""
    occupied = [t.node_id for t in state.tokens] + [j.node_id for j in state.joins]
    return {n: n for n in dict.fromkeys(occupied) if new.has_node(n)}


def migrate_state(
    old_spec: FlowSpec, new_spec: FlowSpec, state: InstanceState, node_map: Mapping[str, str]
) -> InstanceState:
    """`state` with its tokens, tasks, timers and waits moved per `node_map`."""
    if state.is_ended:
        raise FlowError(f"the instance has ended ({state.status.value}); nothing to migrate")
    errors = _check_map(old_spec, new_spec, node_map)
    occupied = {t.node_id for t in state.tokens} | {j.node_id for j in state.joins}
    occupied |= {i.node_id for i in state.incidents if i.node_id}
    for node_id in sorted(occupied - set(node_map)):
        errors.append(
            ErrorDetail(
                join_pointer("/node_map", node_id),
                f"node {node_id!r} holds a waiting token: map it to a node "
                f"of version {new_spec.version}",
            )
        )
    seen: dict[tuple[str, int], str] = {}
    for token in state.tokens:
        target = (node_map.get(token.node_id, token.node_id), token.activation)
        if target in seen and seen[target] != token.node_id:
            errors.append(
                ErrorDetail(
                    join_pointer("/node_map", token.node_id),
                    f"tokens from {seen[target]!r} and {token.node_id!r} would "
                    f"meet at {target[0]!r} with the same activation",
                )
            )
        seen[target] = token.node_id
    joins = []
    for join in state.joins:
        moved = _move_join(old_spec, new_spec, join, node_map, errors)
        if moved is not None:
            joins.append(moved)
    if errors:
        raise DefinitionInvalid(errors)

    def move(node_id: str) -> str:
        return node_map.get(node_id, node_id)

    activations = dict(state.activations)
    for old_id, new_id in node_map.items():
        activations[new_id] = max(activations.get(new_id, 0), state.activations.get(old_id, 0))
    return replace(
        state,
        tokens=tuple(replace(t, node_id=move(t.node_id)) for t in state.tokens),
        tasks=tuple(replace(t, node_id=move(t.node_id)) for t in state.tasks),
        timers=tuple(replace(t, node_id=move(t.node_id)) for t in state.timers),
        messages=tuple(replace(m, node_id=move(m.node_id)) for m in state.messages),
        incidents=tuple(replace(i, node_id=move(i.node_id)) for i in state.incidents),
        joins=tuple(joins),
        activations=activations,
    )


def _check_map(old: FlowSpec, new: FlowSpec, node_map: Mapping[str, str]) -> list[ErrorDetail]:
    errors = []
    for old_id, new_id in node_map.items():
        at = join_pointer("/node_map", old_id)
        if not old.has_node(old_id):
            errors.append(ErrorDetail(at, f"version {old.version} has no node {old_id!r}"))
            continue
        if not isinstance(new_id, str) or not new.has_node(new_id):
            errors.append(ErrorDetail(at, f"version {new.version} has no node {new_id!r}"))
            continue
        a, b = old.node(old_id), new.node(new_id)
        if a.type != b.type:
            errors.append(
                ErrorDetail(at, f"{old_id!r} is a {a.type} node but {new_id!r} is a {b.type} node")
            )
        elif (
            isinstance(a, UserTaskNode)
            and isinstance(b, UserTaskNode)
            and (len(a.approvers.assignees) if a.approvers else 0)
            != (len(b.approvers.assignees) if b.approvers else 0)
        ):
            errors.append(
                ErrorDetail(at, f"{old_id!r} and {new_id!r} have different numbers of approvers")
            )
        elif isinstance(a, ParallelNode) and isinstance(b, ParallelNode) and a.mode != b.mode:
            errors.append(ErrorDetail(at, f"{old_id!r} is a {a.mode} but {new_id!r} a {b.mode}"))
    return errors


def _move_join(
    old: FlowSpec,
    new: FlowSpec,
    join: JoinState,
    node_map: Mapping[str, str],
    errors: list[ErrorDetail],
) -> JoinState | None:
    target = node_map.get(join.node_id)
    if target is None or not new.has_node(target):
        return None
    arrived = []
    for index in join.arrived:
        edge = old.edges[index]
        source = node_map.get(edge.source, edge.source)
        match = next((e for e in new.incoming(target) if e.source == source), None)
        if match is None:
            errors.append(
                ErrorDetail(
                    join_pointer("/node_map", join.node_id),
                    f"the arrival from {edge.source!r} at join {join.node_id!r} "
                    f"has no edge into {target!r}",
                )
            )
            return None
        arrived.append(match.index)
    return replace(join, node_id=target, arrived=tuple(arrived))
