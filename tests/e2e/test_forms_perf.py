"""A 300-field, 100-rule form in Chromium: time per change, recorded (not asserted).

The brief's target is < 50 ms per change; timing depends on the machine, so the figure
is written to tests/e2e/artifacts/forms-perf.json for people to read, and the test
only checks that the rules really ran.
"""

from __future__ import annotations

from tests.data.forms.make_large import large_form
from tests.e2e.forms_shots import record, shot
from tests.factories import DEFAULT_PASSWORD, make_user

MEASURE = """() => {
    const root = document.querySelector('[data-fl-form]');
    const inputs = [...root.querySelectorAll('input[type=text]')]
        .filter(i => !i.disabled).slice(0, 40);
    const times = [];
    inputs.forEach((input, n) => {
        input.value = String(n * 7);
        const started = performance.now();
        input.dispatchEvent(new Event('change', {bubbles: true}));
        times.push(performance.now() - started);
    });
    times.sort((a, b) => a - b);
    return {changes: times.length, median_ms: times[Math.floor(times.length / 2)],
            max_ms: times[times.length - 1],
            p90_ms: times[Math.floor(times.length * 0.9)],
            hidden: root.querySelectorAll('[data-fl-path][hidden]').length};
}"""


def test_large_form_change_time_is_recorded(live_app, page):
    base, app = live_app
    with app.app_context():
        from app.extensions import db
        from app.services import definitions

        definitions.save_draft("form", "test.large", "Large", large_form())
        definitions.publish("form", "test.large")
        make_user("builder", email="builder@example.test")
        db.session.commit()
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("builder@example.test")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(base + "/builder/forms/test.large/preview")
    page.wait_for_function("() => document.querySelector('[data-fl-ready]') !== null")
    hidden_before = page.locator("[data-fl-path][hidden]").count()
    figures = page.evaluate(MEASURE)
    figures.update(
        {"fields": 300, "rules": 100, "hidden_on_load": hidden_before, "target_ms_per_change": 50}
    )
    record("forms-perf", figures)
    shot(page, "forms-large-300-fields")
    assert figures["changes"] == 40
    assert hidden_before > 0  # show rules hid their fields on load
