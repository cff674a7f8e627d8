"""Rule parity: the same table of cases in Python (runtime.rules) and in Chromium (forms.js)."""

from __future__ import annotations

import copy

from runtime.forms import compile_form
from tests.e2e.forms_shots import shot
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.runtime.forms.kit import every_field_body
from tests.runtime.forms.rule_cases import NOW, NOW_ISO, cases

JS_EVALUATE_ALL = """([table, now]) => table.map(
    c => window.FormloomRules.evaluate(c.condition, c.variables, now))"""

JS_APPLY_ALL = """([client, datasets, now]) => datasets.map(d => {
    const data = JSON.parse(JSON.stringify(d));
    const out = window.FormloomRules.apply(client, data, {}, now);
    return {hidden: Object.keys(out.hidden).sort(), required: Object.keys(out.required).sort(),
            data: data};
})"""


def _open_page_with_forms_js(live_app, page):
    base, app = live_app
    with app.app_context():
        from app.services import definitions

        definitions.save_draft("form", "test.every", "Every field", every_field_body())
        definitions.publish("form", "test.every")
        make_user("builder", email="builder@example.test")
        from app.extensions import db

        db.session.commit()
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("builder@example.test")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(base + "/builder/forms/test.every/preview")
    page.wait_for_function("() => window.FormloomRules !== undefined")


def test_condition_table_agrees_in_python_and_chromium(live_app, page):
    _open_page_with_forms_js(live_app, page)
    table = cases()
    got = page.evaluate(JS_EVALUATE_ALL, [table, NOW_ISO])
    mismatches = [
        (c["condition"], c["variables"].get("x"), c["variables"].get("y"), c["expected"], g)
        for c, g in zip(table, got, strict=True)
        if g is not c["expected"]
    ]
    assert len(got) == len(table) > 3000
    assert mismatches == []


def test_show_hide_require_and_totals_agree(live_app, page):
    _open_page_with_forms_js(live_app, page)
    body = every_field_body()
    spec = compile_form(body, "test.every", 1, "x")
    client = {
        "rules": body["rules"],
        "computed": ["total"],
        "fields": {"total": {"type": "number"}},
    }
    datasets = [
        {
            "reason": "damaged",
            "items": [{"qty": 3, "unit_price": 19.99}, {"qty": 1, "unit_price": 0.1}],
        },
        {"reason": "size", "contact_by": "phone", "total": 5},
        {"contact_by": "email", "items": [{"qty": 2}]},
        {"items": [{"qty": "2", "unit_price": "0.3"}, {"sku": "x"}]},
        {},
    ]
    got = page.evaluate(JS_APPLY_ALL, [client, datasets, NOW_ISO])
    for data, browser in zip(datasets, got, strict=True):
        server_data = copy.deepcopy(data)
        outcome = spec.rules.apply(server_data, None, NOW)
        assert browser["hidden"] == sorted(outcome.hidden), data
        assert browser["required"] == sorted(outcome.required), data
        assert browser["data"] == server_data, data
    shot(page, "forms-parity-page")
