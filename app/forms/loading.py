"""Load a form definition row and compile it once per (key, version, checksum).

Published versions never change (their checksum is stored), so their compiled spec is
cached for the life of the process. A draft can change between two requests, so the
cache key includes the checksum of the body as it is now: an edited draft compiles
again, an unchanged one does not. Which published version is the newest is itself kept
for a moment (`app.forms.heads`), so a submit usually costs no definitions query.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app

from app.extensions import db
from app.forms import heads
from app.models import Definition, DefinitionStatus
from app.services import definitions
from builder.definitions import compute_checksum
from runtime.exceptions import NotFound
from runtime.forms import FormSpec, compile_form

MAX_CACHED = 512
_cache: OrderedDict[tuple[str, int, str], FormSpec] = OrderedDict()
_lock = threading.Lock()
DRAFT = DefinitionStatus.DRAFT
#: (key, version) -> spec of a frozen version, per app (see `heads` for why per app).
FROZEN_EXTENSION = "formloom.frozen_forms"


def load_form(key: str, version: int | None = None) -> FormSpec:
    """The newest published version (or `version`) of form `key`; NotFound otherwise.

    On a busy portal this asks the database nothing: which version is the newest is kept
    for a couple of seconds (`heads`, forgotten on any definition commit in this
    process), an exact frozen version is kept for good (a published or archived row
    never changes and cannot be deleted), and the compiled spec is cached per
    (key, version, checksum). Only a miss reads the definition's JSON and compiles it.
    """
    if version is None:
        head = heads.newest_published("form", key)
        if head is None:
            raise NotFound(f"there is no form {key}")
        spec = _cached(key, head.version, head.checksum or "")
        return spec if spec is not None else spec_of(definitions.get("form", key, head.version))
    frozen = current_app.extensions.setdefault(FROZEN_EXTENSION, {})
    spec = frozen.get((key, version))
    if spec is not None:
        return spec
    row = db.session.execute(
        db.select(Definition.version, Definition.checksum).where(
            Definition.kind == "form", Definition.key == key, Definition.status != DRAFT,
            Definition.version == version,
        )
    ).first()
    if row is None:
        raise NotFound(f"there is no form {key} v{version}")
    spec = _cached(key, row.version, row.checksum or "")
    if spec is None:
        spec = spec_of(definitions.get("form", key, row.version))
    frozen[(key, version)] = spec
    return spec


def _cached(key: str, version: int, checksum: str) -> FormSpec | None:
    with _lock:
        return _cache.get((key, version, checksum))


def load_draft_or_latest(key: str) -> FormSpec:
    """What the builder's preview shows: the draft if there is one, else the newest version."""
    return spec_of(definitions.get("form", key, None))


def spec_of(row: Definition) -> FormSpec:
    checksum = row.checksum or compute_checksum(row.title, row.body, row.schema_version)
    cache_key = (row.key, row.version, checksum)
    with _lock:
        spec = _cache.get(cache_key)
        if spec is not None:
            _cache.move_to_end(cache_key)
            return spec
    spec = compile_form(row.body, row.key, row.version, checksum)
    with _lock:
        _cache[cache_key] = spec
        while len(_cache) > MAX_CACHED:
            _cache.popitem(last=False)
    return spec
