"""The fast multipart path gives what Werkzeug's parser gives, or steps aside for it.

Pure parsing, no database: runs once, not per backend.
"""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.formparser import FormDataParser

from app.forms.multipart import FastFormDataParser, parse_simple

B = b"----formloom-test"


def body(*parts: bytes, end: bytes = b"\r\n") -> bytes:
    out = b"".join(b"--" + B + b"\r\n" + p + b"\r\n" for p in parts)
    return out + b"--" + B + b"--" + end


def text(name: bytes, value: bytes) -> bytes:
    return b'Content-Disposition: form-data; name="' + name + b'"\r\n\r\n' + value


def parse_with(parser_class, raw: bytes, **limits):
    parser = parser_class(cls=ImmutableMultiDict, **limits)
    _, form, files = parser.parse(
        io.BytesIO(raw), "multipart/form-data", len(raw), {"boundary": B.decode()}
    )
    stored = [(k, f.filename, f.read()) for k, f in files.items(multi=True)]
    return list(form.items(multi=True)), stored


PLAIN = [
    body(text(b"name", b"Ann"), text(b"items/0/qty", b"2"), text(b"items/0/qty", b"3")),
    body(text(b"notes", "Gr\u00fc\u00dfe\r\nzweite Zeile".encode()), text(b"empty", b"")),
    body(text(b"bad", b"\xff\xfe not utf-8")),
    body(text(b"x", b"v"), end=b""),
]
ODD = [
    # a file part, a second header, quotes/escapes in the name, LF-only breaks, the
    # boundary inside a value with a bare LF, a preamble, an epilogue
    body(b'Content-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\nhello'),
    body(b'Content-Disposition: form-data; name="x"\r\nContent-Type: text/plain\r\n\r\nv'),
    body(text(b'a\\"b', b"v")),
    body(text(b"a%22b", b"v")),
    body(text(b"x", b"v")).replace(b"\r\n", b"\n"),
    body(text(b"x", b"one\n--" + B + b"\n" + text(b"y", b"two"))),
    b"preamble\r\n" + body(text(b"x", b"v")),
    body(text(b"x", b"v"), end=b"\r\nepilogue"),
    body(),  # no fields at all
]


@pytest.mark.parametrize("raw", PLAIN)
def test_plain_bodies_take_the_fast_path_and_match_werkzeug(raw):
    assert parse_simple(raw, B, None) is not None
    assert parse_with(FastFormDataParser, raw) == parse_with(FormDataParser, raw)


@pytest.mark.parametrize("raw", ODD)
def test_anything_else_goes_to_werkzeug_unchanged(raw):
    assert parse_simple(raw, B, None) is None
    assert parse_with(FastFormDataParser, raw) == parse_with(FormDataParser, raw)


def test_werkzeug_limits_still_apply():
    from werkzeug.exceptions import RequestEntityTooLarge

    many = body(*[text(b"x", b"v")] * 5)
    with pytest.raises(RequestEntityTooLarge):
        parse_with(FastFormDataParser, many, max_form_parts=3)
    big = body(text(b"x", b"v" * 5000))
    with pytest.raises(RequestEntityTooLarge):
        parse_with(FastFormDataParser, big, max_form_memory_size=1000)
