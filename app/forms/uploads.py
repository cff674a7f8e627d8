"""Check, neutralise and store uploaded files (CHECKLIST 20).

* The type is decided by the file's first bytes (`sniff`), never by its name or the
  content type the browser claims; only types on the allow list pass, so SVG, HTML
  (also HTML renamed `.jpg`) and anything else unknown is refused.
* Images are opened with Pillow under `Image.MAX_IMAGE_PIXELS` (a decompression bomb
  raises instead of allocating gigabytes), verified, then re-encoded from pixels only:
  EXIF (GPS position, camera serial) and any trailing payload are gone.
* Size and count limits are per field (`max_size_mb`, `max_files`) with config defaults
  (`UPLOAD_MAX_MB`, `UPLOAD_MAX_FILES`).
* Bytes are stored under a random name in `UPLOAD_FOLDER`, outside the web root; the
  original name is kept only as metadata, stripped of any directory part.

`check_uploads` only reads and checks; `store_upload` writes, once the whole submission
is known to be valid, so a form with errors leaves no orphaned files behind.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Any

from flask import current_app
from PIL import Image

from app.extensions import db
from app.models import StoredFile
from runtime.forms import FieldSpec, Problem

Image.MAX_IMAGE_PIXELS = 40_000_000  # ~ a 7,000 x 5,700 photo; more is refused as a bomb
DEFAULT_MAX_MB = 10.0
DEFAULT_MAX_FILES = 5
IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}
DOCUMENT_TYPES = ("application/pdf",)
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
}


@dataclass
class CheckedUpload:
    """One upload that passed every check; `content` is what will be stored."""

    field_path: str
    original_name: str
    content_type: str
    content: bytes


def sniff(head: bytes) -> str | None:
    """The content type the leading bytes prove, or None when they prove nothing we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def safe_name(name: str | None, content_type: str) -> str:
    """The file's own name without directories, control characters or a misleading extension."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if c.isprintable())
    base = base.strip(" .")[:200] or "file"
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem or 'file'}{EXTENSIONS.get(content_type, '')}"


def limits(field: FieldSpec) -> tuple[int, int]:
    """(max bytes per file, max files) for a field: its widget, else the config defaults."""
    config = current_app.config
    max_mb = field.widget.max_size_mb or float(config.get("UPLOAD_MAX_MB") or DEFAULT_MAX_MB)
    count = field.widget.max_files or int(config.get("UPLOAD_MAX_FILES") or DEFAULT_MAX_FILES)
    if field.max_items is not None:
        count = min(count, field.max_items)
    return int(max_mb * 1024 * 1024), count


def check_uploads(field: FieldSpec, parts: list[Any]) -> tuple[list[CheckedUpload], Problem | None]:
    """Read and check the multipart file parts of one field; the first problem stops it."""
    parts = [p for p in parts if p is not None and (p.filename or "").strip()]
    max_bytes, max_count = limits(field)
    if len(parts) > max_count:
        return [], Problem("file_count", max_count)
    accepted = set(field.widget.accept) or (
        set(IMAGE_TYPES) if field.type == "photo" else {*IMAGE_TYPES, *DOCUMENT_TYPES}
    )
    checked = []
    for part in parts:
        content = part.stream.read(max_bytes + 1)
        if len(content) > max_bytes:
            return [], Problem("file_size", _mb(max_bytes))
        content_type = sniff(content[:16])
        if content_type is None or not _allowed(content_type, accepted):
            return [], Problem("file_type")
        if content_type in IMAGE_TYPES:
            content = reencode(content, content_type)
            if content is None:
                return [], Problem("file_broken")
        checked.append(
            CheckedUpload(field.path, safe_name(part.filename, content_type), content_type, content)
        )
    return checked, None


def reencode(content: bytes, content_type: str) -> bytes | None:
    """The image re-drawn from its pixels (no metadata), or None if it is broken or a bomb."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(content)) as image:
                if image.format != IMAGE_TYPES[content_type]:
                    return None
                image.load()
                pixels = image.convert("RGB") if content_type == "image/jpeg" else image.copy()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        return None
    out = io.BytesIO()
    options: dict[str, Any] = {"quality": 88} if content_type == "image/jpeg" else {}
    pixels.info = {}
    pixels.save(out, format=IMAGE_TYPES[content_type], **options)
    return out.getvalue()


def store_upload(upload: CheckedUpload, uploaded_by: Any = None) -> StoredFile:
    """Write the bytes under a random name and add (flush, not commit) the StoredFile row."""
    folder = current_app.config.get("UPLOAD_FOLDER") or os.path.join(
        current_app.instance_path, "uploads"
    )
    os.makedirs(folder, mode=0o700, exist_ok=True)
    storage_name = secrets.token_hex(24)
    path = os.path.join(folder, storage_name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(upload.content)
    row = StoredFile(
        public_id=secrets.token_urlsafe(18),
        storage_name=storage_name,
        original_name=upload.original_name,
        content_type=upload.content_type,
        size=len(upload.content),
        sha256=hashlib.sha256(upload.content).hexdigest(),
        uploaded_by_id=getattr(uploaded_by, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    return row


def file_path(stored: StoredFile) -> str:
    folder = current_app.config.get("UPLOAD_FOLDER") or os.path.join(
        current_app.instance_path, "uploads"
    )
    return os.path.join(folder, stored.storage_name)


def _allowed(content_type: str, accepted: set[str]) -> bool:
    return content_type in accepted or f"{content_type.split('/')[0]}/*" in accepted


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:g}"
