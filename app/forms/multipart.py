"""A fast path for the multipart bodies browsers send for forms without files.

Werkzeug's multipart parser is a streaming state machine: right for uploads, but for a
customer's 20-field form it spent about a tenth of a submit's CPU time (events,
header objects and option parsing per part). Such a body is small and regular:

    --B\\r\\nContent-Disposition: form-data; name="x"\\r\\n\\r\\nvalue\\r\\n--B ... --B--\\r\\n

`parse_simple` reads exactly that shape and nothing else. Any body it is not sure of
(a file part, another header, a preamble or epilogue, bare-LF line breaks, the boundary
text inside a value, a name with quotes, escapes or non-ASCII, a body or part larger
than the limits allow, more parts than `MAX_FORM_PARTS`) goes to Werkzeug's parser
unchanged, which then applies its own checks and errors exactly as before.
"""

from __future__ import annotations

import io
import re
from typing import IO, Any

from flask import Request
from werkzeug.formparser import FormDataParser

#: Bodies larger than this always take Werkzeug's streaming parser.
FAST_LIMIT = 64 * 1024
#: The one header a browser sends for a text field; printable ASCII names without `"`,
#: `%` or `\` (those take Werkzeug's path, which knows their escaping rules).
_HEAD = re.compile(
    rb'\AContent-Disposition: form-data; name="([\x20\x21\x23\x24\x26-\x5b\x5d-\x7e]*)"\Z'
)


def parse_simple(
    body: bytes, boundary: bytes, max_parts: int | None
) -> list[tuple[str, str]] | None:
    """The (name, value) pairs of a plain text-only body; None when it is anything else."""
    delimiter = b"--" + boundary
    if not body.startswith(delimiter + b"\r\n"):
        return None
    closing = body.find(b"\r\n" + delimiter + b"--")
    if closing < 0 or body[closing + len(delimiter) + 4 :] not in (b"", b"\r\n"):
        return None
    inner = body[len(delimiter) + 2 : closing]
    parts = inner.split(b"\r\n" + delimiter + b"\r\n") if inner else []
    # Every occurrence of the boundary text must be one of the delimiters split on: a
    # value holding it (with other line breaks or trailing blanks) is Werkzeug's case.
    if body.count(delimiter) != len(parts) + 1:
        return None
    if max_parts is not None and len(parts) > max_parts:
        return None
    fields = []
    for part in parts:
        head, blank, value = part.partition(b"\r\n\r\n")
        match = _HEAD.match(head) if blank else None
        if match is None:
            return None
        fields.append((match.group(1).decode("ascii"), value.decode("utf-8", "replace")))
    return fields


class FastFormDataParser(FormDataParser):
    def _parse_multipart(
        self, stream: IO[bytes], mimetype: str, content_length: int | None,
        options: dict[str, str],
    ) -> Any:
        boundary = options.get("boundary", "").encode("ascii", "replace")
        limit = FAST_LIMIT
        if self.max_form_memory_size is not None:
            limit = min(limit, self.max_form_memory_size)
        if not boundary or content_length is None or content_length > limit:
            return super()._parse_multipart(stream, mimetype, content_length, options)
        body = stream.read(content_length)
        fields = parse_simple(body, boundary, self.max_form_parts)
        if fields is None:
            return super()._parse_multipart(io.BytesIO(body), mimetype, len(body), options)
        return stream, self.cls(fields), self.cls()


class FormloomRequest(Request):
    form_data_parser_class = FastFormDataParser


