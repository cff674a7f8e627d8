"""Publish the preset connectors aimed at this app's sandbox, with working sandbox keys.

`formloom sandbox install-connectors` (run by `make run`) calls `install_connectors`:
for each preset it saves and publishes the definition with
`base_url = <this app>/sandbox/<preset>` and stores the sandbox API key (and, for
presets with webhooks, the webhook secret the simulators sign with) as encrypted
credentials bound to that URL. Running it again changes nothing.

A connector key whose newest version points somewhere other than the sandbox belongs
to a real system an admin configured: it is left alone unless `force` is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models import Definition
from app.sandbox import base_url, settings
from app.services import credentials, definitions
from connectors.presets import PRESETS, available, load_preset
from runtime.exceptions import Conflict, FormloomError

KIND = "connector"


@dataclass(frozen=True)
class Installed:
    key: str
    version: int | None
    base_url: str
    outcome: str  # published | unchanged | skipped (points at a real system)


class SandboxDisabled(FormloomError):
    code = "sandbox_disabled"


def install_connectors(*, force: bool = False, actor=None) -> list[Installed]:
    from flask import current_app

    if not current_app.config.get("SANDBOX_ENABLED"):
        raise SandboxDisabled("the sandbox is disabled here (SANDBOX_ENABLED); nothing installed")
    sandbox = settings()
    out = []
    for name in available():
        url = f"{base_url()}/sandbox/{name}"
        newest = definitions.get_newest_version(KIND, name)
        if newest is not None and not force and not _is_sandbox(newest, name):
            out.append(Installed(name, newest.version, newest.body.get("base_url", ""), "skipped"))
            continue
        body = load_preset(name, url)
        row = definitions.save_draft(KIND, name, PRESETS[name], body, actor=actor)
        outcome = "unchanged"
        if row.status == "draft":
            try:
                row = definitions.publish(KIND, name, actor=actor)
                outcome = "published"
            except Conflict:  # identical to a published version: nothing to do
                definitions.discard_draft(KIND, name, actor=actor)
        credentials.base_url_changed(name, url, actor=actor)
        credentials.set_secret(name, "api_key", sandbox.key_for(name), url, actor=actor)
        if body.get("webhooks"):
            credentials.set_secret(name, "webhook_secret", sandbox.webhook_secret, url,
                                   actor=actor)
        out.append(Installed(name, row.version, url, outcome))
    db.session.commit()
    return out


def _is_sandbox(row: Definition, name: str) -> bool:
    """Aimed at a sandbox (this app's or another address of it), not a real system."""
    return str(row.body.get("base_url", "")).rstrip("/").endswith(f"/sandbox/{name}")
