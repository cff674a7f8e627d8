"""Hypothesis strategies for definition documents: valid seeds, then mutated.

Purely random JSON is refused at the first level of the meta-schema and tests little.
So most examples start from a real definition (the starter bodies, the returns template,
the sample bundle) and replace, delete or add one part somewhere deep inside it: the
checker then has to look at documents that are *almost* right, where the bugs live.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from builder.definitions import KINDS, starter_body

ROOT = Path(__file__).resolve().parents[2]
SEED_DIRS = (ROOT / "seed_templates", ROOT / "tests" / "data" / "bundles")


def _seed_envelopes() -> list[dict[str, Any]]:
    envelopes = [{"kind": kind, "key": f"fuzz.{kind}", "title": kind.title(),
                  "schema_version": 1, "body": starter_body(kind)} for kind in KINDS]
    for folder in SEED_DIRS:
        for path in sorted(folder.rglob("*.json")):
            if path.name == "manifest.json":
                continue
            data = json.loads(path.read_text())
            if isinstance(data, dict) and data.get("kind") in KINDS:
                envelopes.append(data)
    return envelopes


SEEDS = _seed_envelopes()

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False), st.text(max_size=30),
    st.sampled_from(["", "start", "end", "user_task", "__class__", "${x}", "<script>", "-1",
                     "{{7*7}}", "/", "~1", "\u202e", "P1D", "email", "string", "object"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=12), inner, max_size=4),
    ),
    max_leaves=12,
)


def _paths(value: Any, here: tuple = ()) -> list[tuple]:
    found = [here]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*here, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*here, index))
    return found


@st.composite
def mutated_bodies(draw) -> tuple[str, Any]:
    """(kind, body): a seed body with one to three parts replaced, removed or added."""
    seed = draw(st.sampled_from(SEEDS))
    body = copy.deepcopy(seed["body"])
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(body)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if not path:
            body = draw(json_values) if action == "replace" else body
            continue
        parent = body
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        if action == "replace":
            parent[last] = draw(json_values)
        elif action == "delete":
            del parent[last]
        elif isinstance(parent[last], dict):
            parent[last][draw(st.text(max_size=12))] = draw(json_values)
        elif isinstance(parent[last], list):
            parent[last].append(draw(json_values))
        else:
            parent[last] = draw(json_values)
    return seed["kind"], body


def documents() -> st.SearchStrategy[tuple[str, Any]]:
    """Mostly mutated seeds, sometimes any JSON at all, sometimes a seed of another kind."""
    other_kind = st.tuples(st.sampled_from(KINDS), st.sampled_from(SEEDS).map(lambda s: s["body"]))
    return st.one_of(mutated_bodies(), mutated_bodies(), mutated_bodies(),
                     st.tuples(st.sampled_from(KINDS), json_values), other_kind)


def resolves(document: Any, pointer: str) -> bool:
    """Whether an RFC 6901 pointer names a place in `document`, or a missing member of one."""
    if pointer == "":
        return True
    if not pointer.startswith("/"):
        return False
    value = document
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]
    for position, token in enumerate(tokens):
        last = position == len(tokens) - 1
        if isinstance(value, dict):
            if token not in value:
                return last  # a required member that is missing
            value = value[token]
        elif isinstance(value, list):
            if not token.isdigit() or int(token) >= len(value):
                return last and token.isdigit()
            value = value[int(token)]
        else:
            return False
    return True
