"""Every test here is marked `fuzz`: part of the normal run, bounded by `max_examples`
(`-m "not fuzz"` skips them; together they take well under two minutes per database)."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.fspath)).parent == HERE:
            item.add_marker(pytest.mark.fuzz)
