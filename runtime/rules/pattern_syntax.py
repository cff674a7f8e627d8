"""Parsing the pattern subset of pattern.py into a small syntax tree.

Nodes are tuples: `("set", CharSet)`, `("char", str)`, `("seq", nodes)`,
`("alt", nodes)`, `("rep", node, low, high | None)`, `("assert", kind)`. The parser
follows Python's `re` syntax for everything it accepts, and refuses the rest with the
reason (a builder sees it next to the field).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_REPEAT = 100

_CLASSES = {
    "d": str.isdecimal,
    "w": lambda c: c.isalnum() or c == "_",
    "s": str.isspace,
}
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_ASSERTS = {"b": "word", "B": "not_word", "A": "start", "Z": "end"}


class PatternError(ValueError):
    """The pattern is outside the supported subset; the message says why."""


@dataclass(frozen=True)
class CharSet:
    """Characters as ranges and class letters (`d`, `W`, …), possibly negated."""

    ranges: tuple[tuple[str, str], ...] = ()
    classes: tuple[str, ...] = ()
    negated: bool = False

    def _hit(self, ch: str) -> bool:
        if any(lo <= ch <= hi for lo, hi in self.ranges):
            return True
        return any(_CLASSES[c.lower()](ch) != c.isupper() for c in self.classes)

    def matches(self, ch: str, ignore_case: bool) -> bool:
        hit = self._hit(ch) or (ignore_case and (self._hit(ch.lower()) or self._hit(ch.upper())))
        return hit != self.negated


_DOT = CharSet(ranges=(("\n", "\n"),), negated=True)


class _Parser:
    def __init__(self, source: str) -> None:
        self.src, self.pos = source, 0

    def fail(self, reason: str) -> PatternError:
        return PatternError(f"{reason} (at position {self.pos})")

    def peek(self) -> str:
        return self.src[self.pos] if self.pos < len(self.src) else ""

    def parse(self) -> tuple:
        node = self.alternation()
        if self.pos < len(self.src):
            raise self.fail("unbalanced parenthesis")
        return node

    def alternation(self) -> tuple:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else ("alt", tuple(branches))

    def sequence(self) -> tuple:
        items = []
        while self.peek() not in ("", "|", ")"):
            items.append(self.repeat())
        return ("seq", tuple(items))

    def repeat(self) -> tuple:
        node = self.atom()
        bounds = self.quantifier()
        if bounds is None:
            return node
        if node[0] == "assert":
            raise self.fail("nothing to repeat")
        if self.peek() == "+":
            raise self.fail("possessive quantifiers are not supported")
        if self.peek() == "?":
            self.pos += 1  # lazy: the same strings match, only the chosen match differs
        if self.quantifier() is not None:
            raise self.fail("multiple repeat")
        low, high = bounds
        if (high is None or high > 1) and has_repetition(node):
            raise self.fail(
                "nested repetition such as (a+)+ is refused: it can take exponential time "
                "in backtracking engines; repeat the inner part only"
            )
        return ("rep", node, low, high)

    def quantifier(self) -> tuple[int, int | None] | None:
        ch = self.peek()
        if ch in ("*", "+", "?"):
            self.pos += 1
            return {"*": (0, None), "+": (1, None), "?": (0, 1)}[ch]
        if ch != "{":
            return None
        end = self.src.find("}", self.pos)
        body = self.src[self.pos + 1 : end] if end > 0 else ""
        low, comma, high = body.partition(",")
        if not body or not (low.isdigit() or not low) or not (high.isdigit() or not high):
            return None  # not a quantifier: "{" is a literal, as in Python
        if not low and not comma:
            return None
        lo = int(low or 0)
        hi = lo if not comma else (int(high) if high else None)
        if lo > MAX_REPEAT or (hi is not None and hi > MAX_REPEAT):
            raise self.fail(f"repetition counts above {MAX_REPEAT} are not supported")
        if hi is not None and hi < lo:
            raise self.fail("min repeat greater than max repeat")
        self.pos = end + 1
        return lo, hi

    def atom(self) -> tuple:
        ch = self.peek()
        self.pos += 1
        if ch == "(":
            return self.group()
        if ch == "[":
            return ("set", self.char_class())
        if ch == ".":
            return ("set", _DOT)
        if ch in ("^", "$"):
            return ("assert", "start" if ch == "^" else "end_or_newline")
        if ch == "\\":
            return self.escape(in_class=False)
        if ch in ("*", "+", "?"):
            raise self.fail("nothing to repeat")
        if ch == "{":
            self.pos -= 1
            if self.quantifier() is not None:
                raise self.fail("nothing to repeat")
            self.pos += 1
        return ("set", CharSet(ranges=((ch, ch),)))

    def group(self) -> tuple:
        if self.src.startswith("?:", self.pos):
            self.pos += 2
        elif self.src.startswith("?P<", self.pos):
            end = self.src.find(">", self.pos)
            if end < 0 or not self.src[self.pos + 3 : end].isidentifier():
                raise self.fail("bad group name")
            self.pos = end + 1
        elif self.peek() == "?":
            raise self.fail(
                "only (...), (?:...) and (?P<name>...) groups are supported "
                "(no lookarounds, backreferences, inline flags or comments)"
            )
        node = self.alternation()
        if self.peek() != ")":
            raise self.fail("missing ), unterminated subpattern")
        self.pos += 1
        return node

    def escape(self, in_class: bool) -> tuple:
        ch = self.peek()
        if not ch:
            raise self.fail("bad escape (end of pattern)")
        self.pos += 1
        if ch.lower() in _CLASSES:
            return ("set", CharSet(classes=(ch,)))
        if in_class and ch == "b":
            return ("char", "\b")
        if ch in _ASSERTS and not in_class:
            return ("assert", _ASSERTS[ch])
        if ch.isdigit():
            raise self.fail("backreferences and octal escapes are not supported")
        if ch in _SIMPLE_ESCAPES:
            return ("char", _SIMPLE_ESCAPES[ch])
        if ch in ("x", "u", "U"):
            width = {"x": 2, "u": 4, "U": 8}[ch]
            digits = self.src[self.pos : self.pos + width]
            if len(digits) != width or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise self.fail(f"bad escape \\{ch}")
            self.pos += width
            return ("char", chr(int(digits, 16)))
        if ch.isascii() and ch.isalnum():
            raise self.fail(f"bad escape \\{ch}")
        return ("char", ch)

    def char_class(self) -> CharSet:
        negated = self.peek() == "^"
        self.pos += negated
        ranges: list[tuple[str, str]] = []
        classes: list[str] = []
        first = True
        while True:
            ch = self.peek()
            if not ch:
                raise self.fail("unterminated character set")
            if ch == "]" and not first:
                self.pos += 1
                return CharSet(tuple(ranges), tuple(classes), negated)
            first = False
            low = self.class_item()
            if isinstance(low, CharSet):
                classes.extend(low.classes)
                continue
            if self.peek() == "-" and self.src[self.pos + 1 : self.pos + 2] not in ("]", ""):
                self.pos += 1
                high = self.class_item()
                if isinstance(high, CharSet) or high < low:
                    raise self.fail("bad character range")
                ranges.append((low, high))
            else:
                ranges.append((low, low))

    def class_item(self) -> str | CharSet:
        ch = self.peek()
        self.pos += 1
        if ch != "\\":
            return ch
        return self.escape(in_class=True)[1]


def parse_pattern(source: str) -> tuple:
    """The syntax tree of `source`, or `PatternError` saying why it is refused."""
    return _Parser(source).parse()


def has_repetition(node: tuple) -> bool:
    """Does `node` contain a repetition of more than one item?"""
    kind = node[0]
    if kind == "rep":
        return node[3] is None or node[3] > 1 or has_repetition(node[1])
    if kind in ("seq", "alt"):
        return any(has_repetition(child) for child in node[1])
    return False
