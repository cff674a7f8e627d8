"""JSON pointers (RFC 6901) for error reports, and their reader-friendly order."""

from __future__ import annotations

from collections.abc import Iterable

from runtime.exceptions import ErrorDetail

#: Past this many errors the rest are summarised: nobody reads error 5,000.
MAX_ERRORS = 200


def escape_token(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def to_pointer(path: Iterable[object]) -> str:
    """RFC 6901: `("body", "nodes", 0)` -> `/body/nodes/0`; the empty path is `""`."""
    return "".join("/" + escape_token(token) for token in path)


def pointer_sort_key(pointer: str) -> tuple[tuple[int, int | str], ...]:
    """Order pointers as a reader expects: `/nodes/2` before `/nodes/10`."""
    return tuple(
        (0, int(token)) if token.isdigit() else (1, token) for token in pointer.split("/")[1:]
    )


def sort_errors(errors: Iterable[ErrorDetail]) -> list[ErrorDetail]:
    """Sorted by pointer (numerically within lists), duplicates dropped, the tail summarised."""
    unique = sorted(set(errors), key=lambda e: (pointer_sort_key(e.pointer), e.reason))
    if len(unique) > MAX_ERRORS:
        hidden = len(unique) - MAX_ERRORS
        unique = [*unique[:MAX_ERRORS], ErrorDetail("", f"{hidden} more error(s) not shown")]
    return unique
