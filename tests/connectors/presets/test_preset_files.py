"""Every preset is a plain connector definition: valid, compilable, documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.definitions import check_document
from connectors.compile import compile_connector
from connectors.presets import PRESETS, available, load_preset
from connectors.sandbox import SIMULATORS

README = (Path(__file__).parents[3] / "connectors" / "presets" / "README.md")


@pytest.mark.parametrize("name", available())
def test_preset_is_a_valid_connector_definition(name):
    body = load_preset(name)
    assert check_document("connector", name, PRESETS[name], body) == []
    spec = compile_connector(body, key=name, version=1)
    assert spec.type == name
    assert name in SIMULATORS, "every preset has a sandbox simulator"


def test_every_preset_exists_and_every_action_is_listed_in_the_readme():
    assert available() == list(PRESETS)
    text = README.read_text()
    for name in PRESETS:
        for action in load_preset(name)["actions"]:
            assert f"`{action}`" in text, f"{name}.{action} missing from presets/README.md"


def test_load_preset_aims_a_copy_elsewhere():
    body = load_preset("payment", "http://127.0.0.1:5000/sandbox/payment/")
    assert body["base_url"] == "http://127.0.0.1:5000/sandbox/payment"
    assert load_preset("payment")["base_url"] == "https://api.stripe.com"
