"""Forms, the framework-free half: compile a definition, parse, apply rules, validate.

    compile_form(body, key, version, checksum) -> FormSpec         (spec.py, compile.py)
    check_input(spec, raw, files=..., context=...) -> Checked       parse + rules + schema
    check_data(spec, data, ...) -> Checked                          rules + schema on typed data
    messages_for(spec, problems, locale) -> {key: message}          i18n with fallback to en
    initial_values(spec, variables, lookups) -> {path: value}       prefill

The Flask side (loading, rendering, uploads, storing) lives in app/forms/.
"""

from __future__ import annotations

from runtime.forms.compile import compile_form, infer_type
from runtime.forms.messages import builtin_text, fallback_chain, lookup
from runtime.forms.parse import DictInput, Problem, RawInput, parse_input
from runtime.forms.prefill import initial_values
from runtime.forms.rules import FormRules, RuleOutcome, evaluate_value
from runtime.forms.spec import FieldSpec, FormSpec, Option, Section, Widget, walk
from runtime.forms.validate import (
    Checked,
    check_data,
    check_input,
    compiled_validator,
    messages_for,
)

__all__ = [
    "Checked",
    "DictInput",
    "FieldSpec",
    "FormRules",
    "FormSpec",
    "Option",
    "Problem",
    "RawInput",
    "RuleOutcome",
    "Section",
    "Widget",
    "builtin_text",
    "check_data",
    "check_input",
    "compile_form",
    "compiled_validator",
    "evaluate_value",
    "fallback_chain",
    "infer_type",
    "initial_values",
    "lookup",
    "messages_for",
    "parse_input",
    "walk",
]
