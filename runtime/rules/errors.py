"""Errors raised while *evaluating* rules; compile-time problems are DefinitionInvalid.

    FormloomError
    ├── DefinitionInvalid(errors)     compile time: every problem, each with a JSON pointer
    └── RuleError                     evaluation refused
        ├── UnsafeRule                a spec tried to reach Python internals (defence in depth)
        ├── NoRuleMatched             a first/unique table matched nothing and has no default
        └── RuleConflict(rule_ids)    a unique table matched more than one rule

A published definition already passed compilation, so a RuleError at run time means a
table's logic does not cover the data (or someone tampered with a compiled spec); the
engine turns it into an incident on the instance rather than guessing an answer.
"""

from __future__ import annotations

from runtime.exceptions import FormloomError


class RuleError(FormloomError):
    """A rule could not give an answer; `pointer` locates the rule in its definition."""

    code = "rule_error"

    def __init__(self, message: str, *, pointer: str = "") -> None:
        super().__init__(message)
        self.pointer = pointer


class UnsafeRule(RuleError):
    code = "unsafe_rule"


class NoRuleMatched(RuleError):
    code = "no_rule_matched"


class RuleConflict(RuleError):
    code = "rule_conflict"

    def __init__(self, message: str, *, rule_ids: tuple[str, ...], pointer: str = "") -> None:
        super().__init__(message, pointer=pointer)
        self.rule_ids = rule_ids


def join_pointer(pointer: str, key: str | int) -> str:
    """Append one JSON-pointer segment, escaping `~` and `/` as RFC 6901 says."""
    return f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"
