"""A linear-time regular-expression matcher for the `matches` operator.

Python's `re` backtracks: `(a+)+$` takes exponential time and even `\\w+\\w+\\w+!` takes
seconds on a few hundred characters, and it cannot be interrupted. A rule is written by
a builder but its input comes from customers, so `matches` never hands user input to
`re`. Instead the pattern is parsed once (the subset below) into a Thompson NFA and run
as a set of states: time is O(len(input) * states), whatever the pattern.

Supported (Python syntax, `re.search` semantics, no flags): literals and escaped
punctuation, `.`, classes `[a-z]`, `[^…]`, `\\d \\w \\s \\D \\W \\S`, anchors `^ $ \\A \\Z
\\b \\B`, groups `(…)`, `(?:…)`, `(?P<name>…)`, alternation `|`, quantifiers `* + ?
{n} {n,} {n,m} {,m}` (lazy `?` suffix accepted; counts up to 100), escapes `\\n \\t \\r
\\f \\v \\xhh \\uhhhh`. Refused with a clear reason: backreferences, lookarounds, inline
flags (use the condition's `ignore_case`), possessive quantifiers, and nested
repetition such as `(a+)+` - harmless here, but catastrophic when the same pattern is
reused by a backtracking engine (the browser's live validation), so it is refused early.

Limits: a pattern has at most 200 characters and 1,000 NFA states; an input longer than
`MAX_INPUT_LENGTH` does not match (conditions.py documents this).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runtime.rules.pattern_syntax import CharSet, PatternError, parse_pattern

MAX_PATTERN_LENGTH = 200
MAX_INPUT_LENGTH = 2_000
MAX_STATES = 1_000
MAX_CACHE = 4_096

__all__ = ["PatternError", "SafePattern"]


def _build(node: tuple, nxt: int, states: list) -> int:
    """Append NFA states for `node` that continue at `nxt`; return the entry state."""
    if len(states) > MAX_STATES:
        raise PatternError(f"pattern is too large (more than {MAX_STATES} states)")
    kind = node[0]
    if kind in ("set", "char"):
        charset = node[1] if kind == "set" else CharSet(ranges=((node[1], node[1]),))
        states.append(("char", charset, nxt))
    elif kind == "assert":
        states.append(("assert", node[1], nxt))
    elif kind == "seq":
        for item in reversed(node[1]):
            nxt = _build(item, nxt, states)
        return nxt
    elif kind == "alt":
        entries = [_build(branch, nxt, states) for branch in node[1]]
        entry = entries[-1]
        for other in reversed(entries[:-1]):
            states.append(("split", other, entry))
            entry = len(states) - 1
        return entry
    else:  # rep
        _, body, low, high = node
        if high is None:
            loop = len(states)
            states.append(None)
            states[loop] = ("split", _build(body, loop, states), nxt)
            entry = loop
        else:
            entry = nxt
            for _ in range(high - low):
                states.append(("split", _build(body, entry, states), nxt))
                entry = len(states) - 1
        for _ in range(low):
            entry = _build(body, entry, states)
        return entry
    return len(states) - 1


def _is_word(text: str, i: int) -> bool:
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] == "_")


def _holds(kind: str, where: tuple[bool, bool, bool, bool, bool]) -> bool:
    """Check an anchor; `where` is (start, end, before final newline, word before, word after)."""
    at_start, at_end, before_final_newline, word_before, word_after = where
    if kind == "start":
        return at_start
    if kind == "end":
        return at_end
    if kind == "end_or_newline":
        return at_end or before_final_newline
    if kind == "not_word" and at_start and at_end:
        return False  # as Python's re (before 3.14): \B never matches an empty text
    return (word_before != word_after) == (kind == "word")


@dataclass(frozen=True)
class SafePattern:
    """A compiled pattern; `search(text)` tells whether it occurs anywhere in `text`.

    State sets met while matching are cached (a lazily built DFA, capped at
    `MAX_CACHE` entries), so long inputs cost a dictionary lookup per character.
    """

    source: str
    ignore_case: bool = False
    _states: tuple = field(init=False, repr=False, compare=False)
    _entry: frozenset[int] = field(init=False, repr=False, compare=False)
    _closures: dict = field(init=False, repr=False, compare=False)
    _steps: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.source, str):
            raise PatternError("a pattern must be a string")
        if len(self.source) > MAX_PATTERN_LENGTH:
            raise PatternError(f"pattern longer than {MAX_PATTERN_LENGTH} characters")
        states: list = [("match",)]
        entry = _build(parse_pattern(self.source), 0, states)
        object.__setattr__(self, "_states", tuple(states))
        object.__setattr__(self, "_entry", frozenset((entry,)))
        object.__setattr__(self, "_closures", {})
        object.__setattr__(self, "_steps", {})

    def search(self, text: str) -> bool:
        """True when the pattern matches somewhere in `text` (inputs over the limit: False)."""
        if not isinstance(text, str) or len(text) > MAX_INPUT_LENGTH:
            return False
        closures, steps = self._closures, self._steps
        if len(closures) + len(steps) > MAX_CACHE:
            closures.clear()
            steps.clear()
        n = len(text)
        pending = self._entry
        for i in range(n + 1):
            where = (
                i == 0,
                i == n,
                i == n - 1 and text[i] == "\n",
                i > 0 and _is_word(text, i - 1),
                _is_word(text, i),
            )
            found = closures.get((pending, where))
            if found is None:
                found = closures[(pending, where)] = self._closure(pending, where)
            active, matched = found
            if matched:
                return True
            if i == n:
                return False
            ch = text[i]
            following = steps.get((active, ch))
            if following is None:
                following = steps[(active, ch)] = self._step(active, ch)
            pending = following
        return False  # pragma: no cover - the loop always returns

    def _step(self, active: frozenset[int], ch: str) -> frozenset[int]:
        states, ignore_case = self._states, self.ignore_case
        moved = {states[s][2] for s in active if states[s][1].matches(ch, ignore_case)}
        return frozenset(moved) | self._entry

    def _closure(self, seeds: frozenset[int], where: tuple) -> tuple[frozenset[int], bool]:
        states, seen, stack, active = self._states, set(), list(seeds), set()
        while stack:
            s = stack.pop()
            if s in seen:
                continue
            seen.add(s)
            state = states[s]
            kind = state[0]
            if kind == "match":
                return frozenset(active), True
            if kind == "char":
                active.add(s)
            elif kind == "split":
                stack.extend((state[2], state[1]))
            elif _holds(state[1], where):
                stack.append(state[2])
        return frozenset(active), False
