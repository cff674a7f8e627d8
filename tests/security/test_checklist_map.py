"""The checklist map names only tests that exist, and every item 1-29 has one."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.security.checklist import CHECKLIST

ROOT = Path(__file__).resolve().parents[2]


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_every_checklist_item_maps_to_existing_tests():
    assert sorted(CHECKLIST) == list(range(1, 30))
    missing = []
    for item, nodes in CHECKLIST.items():
        assert nodes, f"item {item} has no test"
        for node in nodes:
            module, _, function = node.partition("::")
            path = ROOT / module
            if not path.exists() or function not in _test_functions(path):
                missing.append(f"{item}: {node}")
    assert missing == []
