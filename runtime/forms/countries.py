"""ISO 3166-1 alpha-2 countries with names in the user's locale (CLDR data via Babel).

Babel's territory table also holds regions (`001` World, `419` Latin America) and a few
non-ISO codes; only two-letter codes that are assigned ISO 3166-1 countries are offered.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError

#: Codes Babel knows that are not assigned ISO 3166-1 alpha-2 countries.
_NOT_ISO = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)
COUNTRY_CODES: frozenset[str] = frozenset(
    code
    for code in Locale.parse("en").territories
    if len(code) == 2 and code.isalpha() and code not in _NOT_ISO
)


@lru_cache(maxsize=16)
def country_names(locale: str) -> tuple[tuple[str, str], ...]:
    """(code, localised name) pairs sorted by name as people of that locale read them."""
    try:
        names = Locale.parse(locale.replace("-", "_")).territories
    except (UnknownLocaleError, ValueError):
        names = Locale.parse("en").territories
    english = Locale.parse("en").territories
    pairs = [(code, names.get(code) or english[code]) for code in COUNTRY_CODES]
    return tuple(sorted(pairs, key=lambda pair: pair[1].casefold()))
