"""Load a form definition row and compile it once per (key, version, checksum).

Published versions never change (their checksum is stored), so their compiled spec is
cached for the life of the process. A draft can change between two requests, so the
cache key includes the checksum of the body as it is now: an edited draft compiles
again, an unchanged one does not.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from app.extensions import db
from app.models import Definition, DefinitionStatus
from app.services import definitions
from builder.definitions import compute_checksum
from runtime.exceptions import NotFound
from runtime.forms import FormSpec, compile_form

MAX_CACHED = 512
_cache: OrderedDict[tuple[str, int, str], FormSpec] = OrderedDict()
_lock = threading.Lock()
DRAFT, PUBLISHED = DefinitionStatus.DRAFT, DefinitionStatus.PUBLISHED


def load_form(key: str, version: int | None = None) -> FormSpec:
    """The newest published version (or `version`) of form `key`; NotFound otherwise.

    A cache hit costs one small query (version and checksum, not the body): on a busy
    portal the definition's JSON is read and compiled once per process, not per request.
    """
    query = db.select(Definition.version, Definition.checksum).where(
        Definition.kind == "form", Definition.key == key, Definition.status != DRAFT
    )
    if version is None:
        query = query.where(Definition.status == PUBLISHED)
    else:
        query = query.where(Definition.version == version)
    head = db.session.execute(query.order_by(Definition.version.desc()).limit(1)).first()
    if head is None:
        which = "" if version is None else f" v{version}"
        raise NotFound(f"there is no form {key}{which}")
    with _lock:
        spec = _cache.get((key, head.version, head.checksum or ""))
    if spec is not None:
        return spec
    return spec_of(definitions.get("form", key, head.version))


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
