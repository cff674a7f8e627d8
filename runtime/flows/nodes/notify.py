"""`notify`: send an e-mail or webhook message from a template; does not wait.

    {"channel": "email", "to": ["customer.email", {"role": "cs_lead"}, "ops@example.com"],
     "template": {"subject": "Your return {{rma}}", "body": "..."},
     "translations": {"zh-CN": {"subject": "您的退货 {{rma}}", "body": "..."}},
     "locale": "customer.locale", "variables": {"rma": "case_number"}}

Recipients: text with `@` is an address; other text is a variable path whose value is
an address, a list of them, or `{"user"|"role"|"email": …}`; objects name a user, role
or address. The template is rendered by the app (escaped, CHECKLIST 14) with
`variables` (a mapping over the instance's variables; all of them when absent).
`translations` holds the template in other locales; the app picks the one for
`locale` (or, for a portal case's customer, the language they wrote in), else the
default `template`. `{{status_link}}` is the case's portal status link, filled in by the
app for the customer's copy only (app/notifications/customer.py).
The same spec serves reminders on waiting nodes (`{"after": "P7D", "notify": {...}}`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runtime.exceptions import ErrorDetail
from runtime.flows.effects import SendNotification
from runtime.flows.errors import NodeFailed
from runtime.flows.mapping import Source, VarMapping, compile_source, read_var
from runtime.flows.nodes.base import NodeSpec
from runtime.flows.nodes.config import ADDRESS, ROLE, Config
from runtime.flows.records import json_copy
from runtime.rules.errors import join_pointer

if TYPE_CHECKING:
    from runtime.flows.run import Run
    from runtime.flows.state import Token

KEYS = frozenset({"channel", "to", "template", "translations", "locale", "variables"})
CHANNELS = ("email", "webhook")
RECIPIENT_KINDS = ("user", "role", "email")
LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
RECIPIENT_SHAPE = 'a recipient is an address, a variable path, or {"user"|"role"|"email": …}'


@dataclass(frozen=True)
class NotifySpec:
    channel: str
    to: tuple[Source | dict[str, str], ...]
    template: dict[str, Any]  # subject, body and optional translations
    locale: Source | None = None
    variables: VarMapping | None = None

    def recipients(self, variables: dict[str, Any]) -> list[dict[str, str]]:
        found: list[dict[str, str]] = []
        for item in self.to:
            if isinstance(item, dict):
                found.append(item)
            elif item.path is None:
                found.extend(_recipients(item.value))
            else:
                found.extend(_recipients(read_var(variables, item.path)))
        return found

    def send(self, run: Run, key: str, token: Token) -> None:
        recipients = self.recipients(run.variables)
        if not recipients:
            raise NodeFailed(f"no recipient found for {key}", "no_recipient")
        values = self.variables.build(run.variables) if self.variables else json_copy(run.variables)
        locale = self.locale.read(run.variables) if self.locale else None
        run.emit(
            SendNotification(
                key,
                token.node_id,
                token.activation,
                self.channel,
                tuple(recipients),
                dict(self.template),
                values,
                locale if isinstance(locale, str) else None,
            )
        )

    def var_paths(self) -> set[str]:
        paths = {p for item in self.to if isinstance(item, Source) for p in item.var_paths()}
        if self.locale:
            paths |= set(self.locale.var_paths())
        return paths | (set(self.variables.var_paths()) if self.variables else set())


def compile_notify(config: Config) -> NotifySpec | None:
    before = len(config.errors)
    channel = config.choice("channel", CHANNELS)
    if channel is None:
        config.error(None, "'channel' is required")
    to_doc = config.get("to")
    to: list[Source | dict[str, str]] = []
    if not isinstance(to_doc, list) or not to_doc:
        config.error("to" if config.has("to") else None, "'to' is a non-empty list of recipients")
    else:
        for i, item in enumerate(to_doc):
            at = join_pointer(config.at("to"), i)
            parsed = _compile_recipient(item, at, config)
            if parsed is not None:
                to.append(parsed)
    template = config.get("template")
    if not _is_template(template):
        config.error(
            "template" if config.has("template") else None,
            '\'template\' is {"subject"?, "body"} of text',
        )
    translations = config.get("translations")
    if config.has("translations") and not (
        isinstance(translations, dict)
        and all(isinstance(k, str) and LOCALE.match(k) and _is_template(v)
                for k, v in translations.items())
    ):
        config.error("translations",
                     '\'translations\' maps a locale to {"subject"?, "body"} of text')
    elif isinstance(translations, dict) and isinstance(template, dict):
        template = {**template, "translations": {k: dict(v) for k, v in translations.items()}}
    locale = config.source("locale")
    variables = config.mapping("variables") if config.has("variables") else None
    if len(config.errors) > before:
        return None
    return NotifySpec(channel or "email", tuple(to), dict(template), locale, variables)


def _is_template(template: Any) -> bool:
    return (
        isinstance(template, dict)
        and isinstance(template.get("body"), str)
        and set(template) <= {"subject", "body"}
        and all(isinstance(v, str) for v in template.values())
    )


def _compile_recipient(item: Any, at: str, config: Config) -> Source | dict[str, str] | None:
    if isinstance(item, str) and ADDRESS.match(item):
        return Source(value=item)
    if isinstance(item, dict) and len(item) == 1 and _valid_recipient(*next(iter(item.items()))):
        return dict(item)
    if isinstance(item, str):
        return compile_source(item, at, config.errors)
    config.errors.append(ErrorDetail(at, RECIPIENT_SHAPE))
    return None


def _valid_recipient(kind: Any, name: Any) -> bool:
    if kind not in RECIPIENT_KINDS or not isinstance(name, str) or len(name) > 254:
        return False
    return bool(ROLE.match(name)) if kind == "role" else len(name) >= (3 if kind == "email" else 1)


def _recipients(value: Any) -> list[dict[str, str]]:
    if isinstance(value, str) and ADDRESS.match(value):
        return [{"email": value}]
    if isinstance(value, dict) and len(value) == 1:
        ((kind, name),) = value.items()
        return [{kind: name}] if _valid_recipient(kind, name) else []
    if isinstance(value, list):
        return [r for item in value[:100] for r in _recipients(item)]
    return []


@dataclass(frozen=True, kw_only=True)
class NotifyNode(NodeSpec):
    type = "notify"
    config_keys = KEYS
    notify: NotifySpec | None = field(default=None)

    @classmethod
    def parse(cls, config: Config) -> dict[str, Any]:
        return {"notify": compile_notify(config)}

    def enter(self, run: Run, token: Token) -> None:
        assert self.notify is not None
        self.notify.send(run, run.key(token), token)
        self.leave(run, token)

    def var_paths(self) -> set[str]:
        return self.notify.var_paths() if self.notify else set()
