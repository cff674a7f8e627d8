"""Hostile uploads are refused or neutralised (CHECKLIST 20)."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.forms import accept_submission, load_form
from app.forms.uploads import safe_name, sniff
from app.models import StoredFile
from tests.app.forms.kit import files, jpeg_bytes, png_bytes, publish_form, upload, valid_fields


@pytest.fixture
def form(app):
    publish_form()
    return load_form("test.every")


def _submit(app, form, parts, locale="en"):
    with app.test_request_context():
        return accept_submission(
            form, valid_fields(reason="damaged"), files(photos=parts), locale=locale
        )


def _bomb_png() -> bytes:
    """A valid PNG header claiming 20,000 x 20,000 pixels (400 megapixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
        )

    header = (20_000).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    body = zlib.compress(b"\x00" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


HOSTILE = {
    "html renamed jpg": (b"<!doctype html><script>alert(1)</script>", "cat.jpg", "image/jpeg"),
    "svg with script": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "x.svg",
        "image/svg+xml",
    ),
    "pdf where only photos go": (b"%PDF-1.4\n%...", "a.pdf", "application/pdf"),
    "jpeg header then garbage": (b"\xff\xd8\xff\xe0" + b"\x00" * 200, "broken.jpg", "image/jpeg"),
    "decompression bomb": (_bomb_png(), "bomb.png", "image/png"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_files_are_refused_and_nothing_is_stored(app, form, case):
    content, name, claimed = HOSTILE[case]
    result = _submit(app, form, [upload(content, name, claimed)])
    assert not result.ok
    assert result.errors["photos"] in (
        "This file type is not accepted.",
        "This file could not be read.",
    )
    assert result.files == []
    assert db.session.scalar(db.select(db.func.count()).select_from(StoredFile)) == 0


def test_oversize_and_too_many_files_are_refused_in_the_users_locale(app, form):
    big = jpeg_bytes(size=(3000, 3000), exif=False) + b"\x00" * (5 * 1024 * 1024)
    result = _submit(app, form, [upload(big, "big.jpg")], locale="zh-CN")
    assert result.errors == {"photos": "每个文件最大 5 MB。"}
    four = [upload(jpeg_bytes(), f"{i}.jpg") for i in range(4)]
    assert _submit(app, form, four).errors == {"photos": "Upload at most 3 files."}


def test_type_comes_from_content_not_name_or_claimed_type(app, form):
    result = _submit(app, form, [upload(png_bytes(), "photo.jpg", "application/x-evil")])
    assert result.ok, result.errors
    [entry] = result.data["photos"]
    assert entry["type"] == "image/png" and entry["name"] == "photo.png"


def test_exif_is_stripped_and_files_get_random_names_outside_the_web_root(app, form):
    result = _submit(app, form, [upload(jpeg_bytes(), "holiday.jpg")])
    [stored] = result.files
    assert stored.storage_name != "holiday.jpg" and len(stored.storage_name) == 48
    folder = app.config["UPLOAD_FOLDER"]
    assert not folder.startswith(app.static_folder)
    with open(f"{folder}/{stored.storage_name}", "rb") as handle:
        content = handle.read()
    image = Image.open(io.BytesIO(content))
    assert not image.getexif()
    assert b"SecretCam" not in content


def test_invalid_form_stores_no_files(app, form):
    with app.test_request_context():
        result = accept_submission(
            form,
            valid_fields(reason="damaged", name=None),
            files(photos=[upload(jpeg_bytes(), "a.jpg")]),
            locale="en",
        )
    assert not result.ok and result.files == []
    assert db.session.scalar(db.select(db.func.count()).select_from(StoredFile)) == 0


def test_faked_file_metadata_in_text_fields_is_refused(app, form):
    body = valid_fields(reason="damaged")
    body["photos"] = '[{"file": "someone-elses-id", "name": "x.jpg", "size": 1}]'
    with app.test_request_context():
        result = accept_submission(form, body, MultiDict(), locale="en")
    assert result.errors == {"photos": "This file type is not accepted."}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("..\\..\\win.ini.jpg", "win.ini.jpg"),
        ("evil.html.jpg", "evil.html.jpg"),
        ("shell.php", "shell.jpg"),
        ("\x00\x1b[31m.jpg", "[31m.jpg"),
        ("", "file.jpg"),
    ],
)
def test_names_are_neutralised(name, expected):
    assert safe_name(name, "image/jpeg") == expected


def test_sniff_knows_only_the_allowed_types():
    assert sniff(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert sniff(b"GIF89a") == "image/gif"
    assert sniff(b"<svg") is None and sniff(b"<html") is None and sniff(b"PK\x03\x04") is None
