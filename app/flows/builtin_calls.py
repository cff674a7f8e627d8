"""Built-in actions that need the app: the `platform` connector's steps that store things.

Pure calculations live in `runtime/functions`; an action here needs the database or the
file store, so it lives on the app side of the import line (DESIGN §3) but is reached
the same way: a service node with connector `platform`, through the outbox row and its
idempotency key.

* `store_document` - `{content_base64, name, content_type}` -> `{file}`: the decoded
  bytes become a `StoredFile` linked to the case, so a label PDF a carrier returned as
  base64 is a document the customer downloads on the status page (name the output
  variable in the flow's `portal.documents`). A retried call with the same bytes and
  name returns the file stored the first time instead of a copy. The output
  `content_base64` is null, so the flow can map it over the variable the bytes came
  from and not carry them on in its variables.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any

from app.extensions import db
from app.forms.uploads import CheckedUpload, store_upload
from app.models import StoredFile
from runtime.functions import FunctionInputError

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")
DOCUMENT_TYPES = {"application/pdf": b"%PDF-", "image/png": b"\x89PNG", "image/jpeg": b"\xff\xd8"}

AppAction = Callable[[int, Mapping[str, Any]], dict[str, Any]]


def store_document(instance_id: int, inputs: Mapping[str, Any]) -> dict[str, Any]:
    name, content_type = inputs.get("name"), inputs.get("content_type")
    if not isinstance(name, str) or not _NAME.match(name):
        raise FunctionInputError("store_document: name must be a plain file name")
    if content_type not in DOCUMENT_TYPES:
        raise FunctionInputError("store_document: content_type must be one of "
                                 + ", ".join(sorted(DOCUMENT_TYPES)))
    encoded = inputs.get("content_base64")
    if not isinstance(encoded, str) or len(encoded) > MAX_DOCUMENT_BYTES * 4 // 3 + 4:
        raise FunctionInputError("store_document: content_base64 must be base64 text "
                                 f"of at most {MAX_DOCUMENT_BYTES} bytes")
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as err:
        raise FunctionInputError("store_document: content_base64 is not base64") from err
    if not content.startswith(DOCUMENT_TYPES[content_type]):
        raise FunctionInputError(f"store_document: the content is not {content_type}")
    digest = hashlib.sha256(content).hexdigest()
    earlier = db.session.scalar(db.select(StoredFile).where(
        StoredFile.instance_id == instance_id, StoredFile.sha256 == digest,
        StoredFile.original_name == name).limit(1))
    if earlier is None:
        earlier = store_upload(CheckedUpload("", name, content_type, content))
        earlier.instance_id = instance_id
        db.session.flush()
    return {"file": earlier.public_id, "name": name, "size": earlier.size,
            "content_base64": None}



def _registered() -> dict[str, AppAction]:
    """The app's built-in actions; the case query and correlation live in their modules."""
    from app.flows.case_counts import count_cases
    from app.flows.correlate import message_or_start

    return {"store_document": store_document, "count_cases": count_cases,
            "message_or_start": message_or_start}


APP_ACTIONS: dict[str, AppAction] = _registered()
