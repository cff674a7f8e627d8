"""Helpers for the form runtime's app tests: publish a form, build images, post bodies."""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict

from app.extensions import db
from app.services import definitions

DATA = Path(__file__).parents[2] / "data" / "forms"


def every_field_body() -> dict:
    return json.loads((DATA / "every_field.json").read_text())


def publish_form(key: str = "test.every", body: dict | None = None, title: str = "Every field"):
    definitions.save_draft("form", key, title, body or every_field_body())
    row = definitions.publish("form", key)
    db.session.commit()
    return row


def valid_fields(**overrides) -> MultiDict:
    values = {
        "name": "Ann Lee",
        "email": "ann@example.com",
        "reason": "size",
        "country": "DE",
        "agree": "true",
        "address/street": "Hauptstr. 1",
        "address/city": "Berlin",
        "items/0/sku": "SKU-1",
        "items/0/qty": "2",
        "items/0/unit_price": "19.99",
    }
    values.update(overrides)
    return MultiDict([(k, v) for k, v in values.items() if v is not None])


def jpeg_bytes(size=(32, 24), exif: bool = True) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif:
        info = Image.Exif()
        info[0x010F] = "SecretCam"  # Make
        info[0x8825] = {2: (52.0, 31.0, 0.0)}  # GPS
        image.save(out, "JPEG", exif=info.tobytes())
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def png_bytes(size=(16, 16)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 0, 200)).save(out, "PNG")
    return out.getvalue()


def upload(content: bytes, name: str, content_type: str = "image/jpeg") -> FileStorage:
    return FileStorage(io.BytesIO(content), filename=name, content_type=content_type)


def files(**parts) -> MultiDict:
    items = []
    for key, value in parts.items():
        for part in value if isinstance(value, list) else [value]:
            items.append((key, part))
    return MultiDict(items)
