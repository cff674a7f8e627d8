"""Screenshots and measurements of the form runtime's browser tests, in tests/e2e/artifacts/."""

from __future__ import annotations

import json
from pathlib import Path

ARTIFACTS = Path(__file__).parent / "artifacts"


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def record(name: str, figures: dict) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.json"
    path.write_text(json.dumps(figures, indent=2) + "\n")
    return path
