"""The framework-free packages never import Flask or the app (DESIGN §3, STYLE §3)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "app", "werkzeug"}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", ["runtime", "connectors", "builder"])
def test_framework_free_packages_do_not_import_flask_or_app(package):
    files = [p for p in (ROOT / package).rglob("*.py") if "node_modules" not in p.parts]
    assert files, f"{package} has no modules"
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imported_roots(p) & FORBIDDEN)
        for p in files
        if _imported_roots(p) & FORBIDDEN
    }
    assert offenders == {}


def test_runtime_does_not_import_builder():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "runtime").rglob("*.py")
        if {"builder", "connectors"} & _imported_roots(p)
    ]
    assert offenders == []
