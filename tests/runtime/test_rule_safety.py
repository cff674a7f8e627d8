"""Rules cannot reach Python internals, and their size and time are bounded (CHECKLIST 19)."""

from __future__ import annotations

import ast
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.exceptions import DefinitionInvalid
from runtime.rules import RuleError, UnsafeRule, compile_condition, compile_table
from runtime.rules.operands import Context, Var
from runtime.rules.pattern import MAX_INPUT_LENGTH, PatternError, SafePattern
from runtime.rules.safety import MAX_DOCUMENT_NODES, MISSING, read_path

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)

ESCAPE_PATHS = [
    "__class__",
    "x.__class__",
    "x.__globals__",
    "order.__class__.__mro__",
    "x.__subclasses__",
    "__builtins__",
    "x.mro",
    "x.f_globals",
    "x.gi_frame",
    "x[0].__init__",
    "{0.__class__}",
    "{{ x }}",
    "{% x %}",
    "x.{y}",
    "x..y",
    "x[a]",
    "x y",
    "x.b__c",
    "",
]
ESCAPE_STRINGS = [
    "__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "{0.__class__}",
    "{0.__init__.__globals__}",
    "{x.name}",
    "{0[secret]}",
    "{{ config.items() }}",
    "{% for x in y %}",
    "${jndi}",
    "#{7*7}",
    "<%= x %>",
    "x.mro()",
    "mro",
    "[f_globals]",
    "__import__('os')",
]


def refused(doc, maker=compile_condition):
    with pytest.raises(DefinitionInvalid) as info:
        maker(doc)
    return info.value.errors


@pytest.mark.parametrize("path", ESCAPE_PATHS)
def test_escape_paths_are_refused_at_compile_time(path):
    errors = refused({"var": path, "op": "is_null"})
    assert errors[0].pointer == "/var"
    if "__" in path or "mro" in path or "f_globals" in path or "gi_frame" in path:
        assert "internals are not reachable" in errors[0].reason


@pytest.mark.parametrize("text", ESCAPE_STRINGS)
def test_escape_strings_are_refused_anywhere_in_a_condition(text):
    for doc, pointer in [
        ({"var": "x", "op": "==", "value": text}, "/value"),
        ({"var": "x", "op": "in", "value": ["ok", text]}, "/value/1"),
        ({"var": "x", "op": "matches", "value": text}, "/value"),
        ({"var": "x", "op": "==", "value": {"var": text}}, "/value/var"),
        ({"all": [{"var": "x", "op": "is_null", text: 1}]}, f"/all/0/{text.replace('/', '~1')}"),
    ]:
        errors = refused(doc)
        assert pointer in [e.pointer for e in errors], (doc, errors)


@pytest.mark.parametrize("text", ["__class__", "{0.__class__}", "{{ 7*7 }}"])
def test_escape_strings_are_refused_anywhere_in_a_table(text):
    doc = {
        "hit_policy": "first",
        "inputs": [{"id": "a", "var": "a", "label": text}],
        "outputs": [{"id": "o"}],
        "rules": [{"id": "r", "when": {"a": 1}, "then": {"o": text}, "annotation": text}],
    }
    pointers = {e.pointer for e in refused(doc, compile_table)}
    assert {"/inputs/0/label", "/rules/0/then/o", "/rules/0/annotation"} <= pointers
    doc = {
        "hit_policy": "first",
        "inputs": [{"id": "__class__", "var": "a"}],
        "outputs": [{"id": "o"}],
        "rules": [{"id": "r", "when": {"__class__": 1}, "then": {"o": 1}}],
    }
    pointers = {e.pointer for e in refused(doc, compile_table)}
    assert {"/inputs/0/id", "/rules/0/when/__class__"} <= pointers


def test_a_compiled_var_rechecks_its_path_when_built_and_when_read():
    with pytest.raises(UnsafeRule, match="internals are not reachable"):
        Var("x.__class__")
    condition = compile_condition({"var": "order.country", "op": "is_null"})
    tampered = condition.var
    object.__setattr__(tampered, "segments", ("order", "__class__"))  # a spec altered in memory
    with pytest.raises(UnsafeRule, match="__class__"):
        condition.evaluate({"order": {"country": "NL"}})
    with pytest.raises(UnsafeRule):
        read_path({"x": 1}, ("x", "mro"))
    with pytest.raises(UnsafeRule):
        read_path({"x": 1}, (object(),))  # type: ignore[arg-type]


def test_variables_are_read_by_indexing_only_never_by_attribute():
    class Order:
        country = "NL"

        def __getitem__(self, key):  # not a Mapping: must not be indexed either
            raise AssertionError("indexed")

    condition = compile_condition({"var": "order.country", "op": "is_null"})
    assert condition.evaluate({"order": Order()})
    assert read_path({"order": Order()}, Var("order.country").segments) is MISSING


def test_non_json_values_in_a_document_are_refused():
    errors = refused({"var": "x", "op": "==", "value": object()})
    assert errors[0].pointer == "/value"
    errors = refused({"var": "x", "op": "==", "value": float("nan")})
    assert "finite" in errors[0].reason


def test_rule_errors_are_formloom_errors():
    from runtime.exceptions import FormloomError

    assert issubclass(UnsafeRule, RuleError)
    assert issubclass(RuleError, FormloomError)
    assert issubclass(DefinitionInvalid, FormloomError)


# -- size and time limits -------------------------------------------------------------


def test_huge_and_deep_documents_are_refused_without_recursion_errors():
    deep: object = "x"
    for _ in range(5_000):
        deep = [deep]
    errors = refused({"var": "x", "op": "in", "value": deep})
    assert "deeper than" in errors[0].reason
    wide = {"var": "x", "op": "in", "value": list(range(MAX_DOCUMENT_NODES + 1))}
    assert "more than" in refused(wide)[0].reason
    long_text = {"var": "x", "op": "==", "value": "a" * 20_000}
    assert "longer than" in refused(long_text)[0].reason
    long_path = {"var": "a" * 300, "op": "is_null"}
    assert "longer than" in refused(long_path)[0].reason


@pytest.mark.parametrize(
    "pattern",
    [
        r"(a+)+$",
        r"(a*)*b",
        r"(\w+\s?)*$",
        r"((ab)+c)*",
        r"(.*a){12}",
        r"(a)\1",
        r"(?=a)",
        r"(?i)abc",
        r"a++",
        r"a{1000}",
        "a" * 201,
    ],
)
def test_dangerous_or_unsupported_patterns_are_refused(pattern):
    errors = refused({"var": "x", "op": "matches", "value": pattern})
    assert errors[0].pointer == "/value"
    assert errors[0].reason.startswith("pattern refused") or "longer than" in errors[0].reason
    with pytest.raises(PatternError):
        SafePattern(pattern)


@pytest.mark.parametrize(
    "pattern",
    [r"\w+\w+\w+!", r".*.*.*x", r"^(a|a)*$", r"[a-z0-9.]{1,64}@[a-z]{1,50}\.[a-z]{2,10}"],
)
def test_matching_is_linear_even_for_patterns_that_backtrack_badly(pattern):
    condition = compile_condition({"var": "x", "op": "matches", "value": pattern})
    text = "a" * MAX_INPUT_LENGTH
    started = time.perf_counter()
    condition.evaluate({"x": text})
    assert time.perf_counter() - started < 1.0


def test_inputs_longer_than_the_limit_do_not_match():
    condition = compile_condition({"var": "x", "op": "matches", "value": "a"})
    assert condition.evaluate({"x": "a" * MAX_INPUT_LENGTH})
    assert not condition.evaluate({"x": "a" * (MAX_INPUT_LENGTH + 1)})


def test_patterns_cannot_come_from_variables():
    errors = refused({"var": "x", "op": "matches", "value": {"var": "y"}})
    assert "written in the rule" in errors[0].reason


def test_context_refuses_non_mappings():
    with pytest.raises(TypeError):
        Context([("x", 1)])  # type: ignore[arg-type]


# -- the source never calls code on user data -------------------------------------------

FORBIDDEN_CALLS = {"eval", "exec", "compile", "getattr", "setattr", "delattr", "__import__",
                   "globals", "locals", "vars", "format", "breakpoint", "open"}  # fmt: skip
FORBIDDEN_METHODS = {"format", "format_map"}
FORBIDDEN_IMPORTS = {"pickle", "marshal", "subprocess", "importlib", "ctypes", "shelve", "os"}


@pytest.mark.parametrize("package", ["runtime/rules", "runtime/timeutil"])
def test_source_has_no_eval_exec_getattr_or_format(package):
    offenders = []
    files = sorted((ROOT / package).glob("*.py"))
    assert files
    for path in files:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                    offenders.append(f"{where} {func.id}()")
                if isinstance(func, ast.Attribute) and func.attr in FORBIDDEN_METHODS:
                    offenders.append(f"{where} .{func.attr}()")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                module = node.module if isinstance(node, ast.ImportFrom) else None
                for name in [*names, module or ""]:
                    if name.split(".")[0] in FORBIDDEN_IMPORTS:
                        offenders.append(f"{where} import {name}")
    assert offenders == []


# -- fuzz: any JSON either compiles or is refused with DefinitionInvalid -----------------

FUZZ_KEYS = ["var", "op", "value", "all", "any", "not", "id", "when", "then", "inputs",
             "outputs", "rules", "hit_policy", "default", "type", "ignore_case"]  # fmt: skip
FUZZ_WORDS = ["x", "-", "a.b", "==", "in", "matches", "between", "P1D", "2026-01-01", "(a", "id"]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-100, 100)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(FUZZ_WORDS),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(FUZZ_KEYS), inner, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(doc=json_values)
def test_any_json_compiles_or_is_refused_cleanly(doc):
    for compile_ in (compile_condition, compile_table):
        try:
            compiled = compile_(doc)
        except DefinitionInvalid as exc:
            assert exc.errors
            assert all(e.pointer == "" or e.pointer.startswith("/") for e in exc.errors)
            continue
        try:
            result = compiled.evaluate({"x": 1, "a": {"b": "2026-01-01"}}, now=NOW)
        except RuleError:
            continue
        assert result is not None


# -- the linear-time matcher agrees with Python's re on the subset it accepts ------------

_ATOMS = ["a", "b", ".", r"\d", r"\w", r"\s", r"\W", "[ab]", "[^a]", "[a-c1]", r"\.", "x",
          "^", "$", r"\b", r"\B", r"\A", r"\Z", "é"]  # fmt: skip
_QUANTIFIERS = ["", "", "", "*", "+", "?", "{2}", "{1,3}", "{,2}", "{2,}", "*?"]
_pieces = st.tuples(st.sampled_from(_ATOMS), st.sampled_from(_QUANTIFIERS)).map("".join)
_groups = st.tuples(
    st.sampled_from(["(", "(?:"]),
    st.lists(st.lists(_pieces, min_size=1, max_size=3).map("".join), min_size=1, max_size=3).map(
        "|".join
    ),
    st.just(")"),
    st.sampled_from(_QUANTIFIERS),
).map("".join)
patterns = st.lists(_pieces | _groups, min_size=1, max_size=4).map("".join)


@settings(max_examples=100, deadline=None)
@given(pattern=patterns, text=st.text(alphabet="ab1 x.\né_A", max_size=12), fold=st.booleans())
def test_matcher_agrees_with_re(pattern, text, fold):
    try:
        compiled = SafePattern(pattern, fold)
    except PatternError:
        return
    expected = re.search(pattern, text, re.IGNORECASE if fold else 0) is not None
    assert compiled.search(text) is expected
