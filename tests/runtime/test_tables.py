"""Decision tables: hit policies, cells, outputs, compile errors, the RETURNS policy."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from runtime.exceptions import DefinitionInvalid
from runtime.rules import (
    Decision,
    HitPolicy,
    NoRuleMatched,
    RuleConflict,
    RuleError,
    compile_table,
    referenced_vars,
)

DATA = Path(__file__).parent / "data"


def make_table(policy="first", rules=None, default=None, **extra):
    doc = {
        "hit_policy": policy,
        "inputs": [
            {"id": "days", "label": "Days since delivery", "var": "days_since_delivery",
             "type": "number"},
            {"id": "reason", "var": "reason", "type": "string"},
            {"id": "country", "type": "string"},
        ],
        "outputs": [
            {"id": "decision", "type": "string",
             "values": ["auto_approve", "manual_review", "reject", "returnless"]},
            {"id": "note", "type": "any"},
        ],
        "rules": rules if rules is not None else [
            {"id": "late", "when": {"days": {"op": ">", "value": 30}},
             "then": {"decision": "reject", "note": "window"}},
            {"id": "faulty", "when": {"reason": ["defective", "damaged"], "days": "-"},
             "then": {"decision": "manual_review"}},
            {"id": "eu", "when": {"country": "NL"}, "then": {"decision": "auto_approve"}},
        ],
        **extra,
    }  # fmt: skip
    if default is not None:
        doc["default"] = default
    return doc


def pointers(info):
    return [e.pointer for e in info.value.errors]


# -- hit policies ---------------------------------------------------------------------


def test_first_takes_the_first_matching_rule_in_order():
    table = compile_table(make_table())
    decision = table.evaluate({"days_since_delivery": 40, "reason": "defective", "country": "NL"})
    assert decision == Decision(
        HitPolicy.FIRST, {"decision": "reject", "note": "window"}, ("late",), False
    )
    decision = table.evaluate({"days_since_delivery": 3, "reason": "defective", "country": "NL"})
    assert decision.outputs == {"decision": "manual_review", "note": None}
    assert decision.matched_rule_ids == ("faulty",)


def test_first_without_match_uses_the_default_or_fails_clearly():
    variables = {"days_since_delivery": 3, "reason": "size", "country": "US"}
    with pytest.raises(NoRuleMatched, match="no rule matched"):
        compile_table(make_table(), name="returns.policy").evaluate(variables)
    table = compile_table(make_table(default={"decision": "auto_approve"}))
    decision = table.evaluate(variables)
    assert decision.outputs == {"decision": "auto_approve", "note": None}
    assert decision.used_default
    assert decision.matched_rule_ids == ()


def test_unique_returns_the_single_match():
    table = compile_table(make_table("unique"))
    decision = table.evaluate({"days_since_delivery": 3, "reason": "size", "country": "NL"})
    assert decision.outputs["decision"] == "auto_approve"
    assert decision.matched_rule_ids == ("eu",)


def test_unique_conflict_names_the_overlapping_rules():
    table = compile_table(make_table("unique"), name="returns.policy")
    with pytest.raises(RuleConflict) as info:
        table.evaluate({"days_since_delivery": 40, "reason": "damaged", "country": "NL"})
    assert info.value.rule_ids == ("late", "faulty", "eu")
    assert "'late', 'faulty', 'eu'" in str(info.value)
    assert "returns.policy" in str(info.value)
    assert isinstance(info.value, RuleError)


def test_unique_without_match_uses_default_or_fails():
    variables = {"days_since_delivery": 1, "reason": "size", "country": "US"}
    with pytest.raises(NoRuleMatched):
        compile_table(make_table("unique")).evaluate(variables)
    table = compile_table(make_table("unique", default={"decision": "manual_review"}))
    assert table.evaluate(variables).outputs["decision"] == "manual_review"


def test_collect_returns_every_match_in_table_order():
    table = compile_table(make_table("collect"))
    decision = table.evaluate({"days_since_delivery": 40, "reason": "damaged", "country": "NL"})
    assert decision.matched_rule_ids == ("late", "faulty", "eu")
    assert [o["decision"] for o in decision.outputs] == ["reject", "manual_review", "auto_approve"]


def test_collect_without_match_is_empty_or_the_default():
    variables = {"days_since_delivery": 1, "reason": "size", "country": "US"}
    assert compile_table(make_table("collect")).evaluate(variables).outputs == []
    table = compile_table(make_table("collect", default={"decision": "auto_approve"}))
    decision = table.evaluate(variables)
    assert decision.outputs == [{"decision": "auto_approve", "note": None}]
    assert decision.used_default


# -- cells and outputs ----------------------------------------------------------------


def test_cells_literal_list_any_and_conditions():
    rules = [
        {"id": "a", "when": {"days": 0}, "then": {"decision": "reject"}},
        {"id": "b", "when": {"days": {"op": "between", "value": [1, 14]}, "country": "-"},
         "then": {"decision": "auto_approve"}},
        {"id": "c", "when": {"days": {"any": [{"op": "is_null"}, {"op": "<", "value": 0}]}},
         "then": {"decision": "manual_review"}},
        {"id": "d", "when": {"country": {"op": "==", "value": "nl", "ignore_case": True}},
         "then": {"decision": "returnless"}},
        {"id": "e", "when": {"days": "15"},
         "then": {"decision": "manual_review", "note": "numeric text cell"}},
        {"id": "f", "when": {"country": {"not": {"op": "in", "value": ["US", "CA"]}},
                             "days": {"op": ">", "value": 100}},
         "then": {"decision": "reject"}},
    ]  # fmt: skip
    table = compile_table(make_table(rules=rules, default={"decision": "reject"}))
    decide = lambda **v: table.evaluate(v).matched_rule_ids  # noqa: E731
    assert decide(days_since_delivery=0) == ("a",)
    assert decide(days_since_delivery="0.00") == ("a",)
    assert decide(days_since_delivery=14) == ("b",)
    assert decide() == ("c",)
    assert decide(days_since_delivery=-2) == ("c",)
    assert decide(days_since_delivery=20, country="NL") == ("d",)
    assert decide(days_since_delivery=15) == ("e",)
    assert decide(days_since_delivery=16) == ()
    assert decide(days_since_delivery=101, country="DE") == ("f",)
    assert decide(days_since_delivery=101, country="US") == ()


def test_outputs_may_copy_variables():
    rules = [
        {"id": "copy", "when": {}, "then": {"decision": "returnless",
                                           "note": {"var": "order.items[0]"}}},
    ]  # fmt: skip
    table = compile_table(make_table(rules=rules))
    item = {"sku": "A-1", "price": "40.00"}
    decision = table.evaluate({"order": {"items": [item]}})
    assert decision.outputs == {"decision": "returnless", "note": item}
    decision.outputs["note"]["sku"] = "changed"
    assert item["sku"] == "A-1"  # outputs are copies
    assert table.evaluate({}).outputs["note"] is None


def test_date_cells_with_now():
    doc = {
        "hit_policy": "first",
        "inputs": [{"id": "delivered", "var": "order.delivered_at", "type": "date"}],
        "outputs": [{"id": "decision", "type": "string"}],
        "rules": [
            {"id": "recent", "when": {"delivered": {"op": "within_last", "value": "P30D"}},
             "then": {"decision": "auto_approve"}},
            {"id": "xmas", "when": {"delivered": "2025-12-24"}, "then": {"decision": "gift"}},
        ],
        "default": {"decision": "reject"},
    }  # fmt: skip
    table = compile_table(doc)
    now = datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert table.evaluate({"order": {"delivered_at": "2026-03-10"}}, now=now).matched_rule_ids == (
        "recent",
    )
    assert table.evaluate({"order": {"delivered_at": "2026-01-10"}}, now=now).used_default
    later = table.evaluate({"order": {"delivered_at": "2025-12-24T18:00:00+01:00"}}, now=now)
    assert later.outputs == {"decision": "gift"}
    with pytest.raises(RuleError, match="no 'now'"):
        table.evaluate({"order": {"delivered_at": "2026-03-10"}})


def test_referenced_vars_of_a_table():
    rules = [
        {"id": "a", "when": {"days": {"op": "<=", "value": {"var": "policy.window"}}},
         "then": {"decision": "auto_approve", "note": {"var": "order.number"}}},
    ]  # fmt: skip
    table = compile_table(make_table(rules=rules, default={"note": {"var": "fallback"}}))
    assert referenced_vars(table) == {
        "days_since_delivery",
        "reason",
        "country",
        "policy.window",
        "order.number",
        "fallback",
    }


def test_table_spec_is_frozen():
    table = compile_table(make_table())
    with pytest.raises(AttributeError):
        table.hit_policy = HitPolicy.COLLECT  # type: ignore[misc]
    assert table.rule("faulty").id == "faulty"
    with pytest.raises(KeyError):
        table.rule("nope")


def test_a_large_table_compiles_and_evaluates_quickly():
    rules = [
        {"id": f"r{i}",
         "when": {"days": {"op": "==", "value": i},
                  "reason": {"any": [{"op": "is_null"}, {"op": "==", "value": "x"}]}},
         "then": {"decision": "reject", "note": i}}
        for i in range(1_500)
    ]  # fmt: skip
    table = compile_table(make_table("unique", rules=rules))
    assert table.evaluate({"days_since_delivery": 1_499}).outputs["note"] == 1_499


# -- compile errors -------------------------------------------------------------------


def test_every_table_error_is_reported_with_its_pointer():
    doc = {
        "hit_policy": "any",
        "inputs": [
            {"id": "days", "var": "days_since_delivery", "type": "number"},
            {"id": "days", "var": "again"},
            {"id": "bad-id", "var": "x"},
            {"id": "when", "var": "order..x"},
            {"id": "t", "type": "colour"},
        ],
        "outputs": [{"id": "decision", "type": "string", "values": ["ok", "no"]}],
        "rules": [
            {"id": "r1", "when": {"days": "thirty"}, "then": {"decision": "ok"}},
            {"id": "r1", "when": {"nope": 1}, "then": {"decision": "maybe"}},
            {"id": "r3", "when": {"days": None}, "then": {"decision": "ok", "extra": 1}},
            {"when": {"days": {"var": "x", "op": "==", "value": 1}}, "then": {"decision": 5}},
            {"id": "r5", "when": {"days": [1, "x"]}, "then": {"decision": {"var": "__class__"}}},
        ],
        "colour": "blue",
        "default": {"decision": "no", "other": 1},
    }
    with pytest.raises(DefinitionInvalid) as info:
        compile_table(doc, "/body")
    assert sorted(pointers(info)) == sorted(
        [
            "/body/colour",
            "/body/hit_policy",
            "/body/inputs/1/id",
            "/body/inputs/2/id",
            "/body/inputs/3/var",
            "/body/inputs/4/type",
            "/body/rules/0/when/days",
            "/body/rules/1/id",
            "/body/rules/1/when/nope",
            "/body/rules/1/then/decision",
            "/body/rules/2/when/days",
            "/body/rules/2/then/extra",
            "/body/rules/3/id",
            "/body/rules/3/when/days/var",
            "/body/rules/3/then/decision",
            "/body/rules/4/when/days/1",
            "/body/rules/4/then/decision/var",
            "/body/default/other",
        ]
    )
    reasons = {e.pointer: e.reason for e in info.value.errors}
    assert "duplicate id 'days'" in reasons["/body/inputs/1/id"]
    assert "duplicate rule id 'r1' (also at /body/rules/0)" in reasons["/body/rules/1/id"]
    assert "unknown input 'nope'" in reasons["/body/rules/1/when/nope"]
    assert "not one of the values allowed" in reasons["/body/rules/1/then/decision"]
    assert "output 'extra' is not declared" in reasons["/body/rules/2/then/extra"]
    assert "internals are not reachable" in reasons["/body/rules/4/then/decision/var"]
    assert "type number" in reasons["/body/rules/0/when/days"]


def test_unique_refuses_rules_with_identical_cells():
    rules = [
        {"id": "a", "when": {"days": 1, "reason": "-"}, "then": {"decision": "reject"}},
        {"id": "b", "when": {"days": 1}, "then": {"decision": "reject"}},
    ]
    with pytest.raises(DefinitionInvalid) as info:
        compile_table(make_table("unique", rules=rules))
    assert pointers(info) == ["/rules/1/when"]
    assert "'a' and 'b' have the same cells" in info.value.errors[0].reason
    assert compile_table(make_table("collect", rules=rules))


def test_first_refuses_rules_behind_a_catch_all():
    rules = [
        {"id": "all", "when": {"days": "-"}, "then": {"decision": "reject"}},
        {"id": "never", "when": {"days": 1}, "then": {"decision": "reject"}},
    ]
    with pytest.raises(DefinitionInvalid) as info:
        compile_table(make_table(rules=rules))
    assert pointers(info) == ["/rules/1"]
    assert "can never match" in info.value.errors[0].reason


@pytest.mark.parametrize(
    ("doc", "pointer"),
    [
        ([], ""),
        ({"hit_policy": "first", "inputs": [], "outputs": [{"id": "o"}], "rules": []}, "/inputs"),
        ({"hit_policy": "first", "inputs": [{"id": "i"}], "outputs": "o", "rules": []}, "/outputs"),
        ({"hit_policy": "first", "inputs": [{"id": "i"}], "outputs": [{"id": "o"}]}, "/rules"),
    ],
)
def test_table_shape_errors(doc, pointer):
    with pytest.raises(DefinitionInvalid) as info:
        compile_table(doc)
    assert pointer in pointers(info)


# -- the default return policy of RETURNS.md as a table ---------------------------------


@pytest.fixture(scope="module")
def policy():
    return compile_table(
        json.loads((DATA / "returns_policy.json").read_text()), name="returns.policy"
    )


def request(**overrides):
    base = {
        "country": "DE",
        "days_since_delivery": 10,
        "reason": "size",
        "item_value_eur": Decimal("40.00"),
        "customer_returns_90d": 0,
        "return_rate": "0.10",
        "watchlisted": False,
        "exempt_category": None,
        "label_cost_ratio": 0.12,
        "returnless_same_sku_12m": 0,
    }
    return base | overrides


@pytest.mark.parametrize(
    ("scenario", "variables", "decision", "rule"),
    [
        ("R1 DE day 10 size EUR 40", request(), "auto_approve", None),
        ("R2 FR day 12 EUR 60", request(country="FR", days_since_delivery=12,
                                        item_value_eur=60), "auto_approve", None),
        ("R5 AU A$60 shirt, label A$35", request(country="AU", item_value_eur="36.60",
                                                 label_cost_ratio=35 / 60),
         "returnless", "returnless_label_cost"),
        ("R5 second returnless for the SKU", request(country="AU", item_value_eur="36.60",
                                                     label_cost_ratio=35 / 60,
                                                     returnless_same_sku_12m=1),
         "manual_review", "repeat_returnless_label_cost"),
        ("R6 FR day 45 defective", request(country="FR", days_since_delivery=45,
                                           reason="defective", item_value_eur=180),
         "manual_review", "warranty_eu_uk"),
        ("R7 opened hygiene-sealed earrings", request(exempt_category="hygiene_opened"),
         "reject", "exempt_item"),
        ("R8 US day 35", request(country="US", days_since_delivery=35), "reject",
         "window_elsewhere"),
        ("R9 nine returns in 90 days", request(customer_returns_90d=9), "manual_review",
         "frequent_returner"),
        ("EU day 31", request(days_since_delivery=31), "reject", "window_eu_uk"),
        ("US defective day 400", request(country="US", days_since_delivery=400,
                                         reason="defective"), "reject", "window_elsewhere"),
        ("value above 300", request(item_value_eur="300.01"), "manual_review", "high_value"),
        ("value exactly 300", request(item_value_eur=300), "auto_approve", None),
        ("return rate 50%", request(return_rate=0.5), "manual_review", "high_return_rate"),
        ("watch list", request(watchlisted=True), "manual_review", "watchlist"),
        ("EUR 8 item", request(item_value_eur=8), "returnless", "returnless_low_value"),
        ("damaged", request(reason="damaged"), "manual_review", "inspect_reason"),
    ],
)  # fmt: skip
def test_returns_policy_scenarios(policy, scenario, variables, decision, rule):
    result = policy.evaluate(variables)
    assert result.outputs["decision"] == decision, scenario
    assert result.matched_rule_ids == ((rule,) if rule else ()), scenario
    assert result.used_default is (rule is None)


def test_returns_policy_reads_only_declared_variables(policy):
    assert referenced_vars(policy) == set(request())
