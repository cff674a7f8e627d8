"""`percentage`: `part` as a percentage of `whole`, exactly (a rate to compare with a limit).

Thresholds such as "defect returns above 5% of units sold" compare a rate, and a flow
has no arithmetic; conditions and decision tables then compare the result with the
number an operations manager set. Decimal throughout, rounded half-up once; a `whole`
of zero has no percentage (`percent` null, `defined` false), which every comparison
treats as not met - a decision can route that case on `defined`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from runtime.functions import FunctionInputError, register

_NUMBER = {"type": ["integer", "string"], "maxLength": 32}
SCHEMA = {
    "type": "object",
    "required": ["part", "whole"],
    "additionalProperties": False,
    "properties": {"part": _NUMBER, "whole": _NUMBER,
                   "places": {"type": "integer", "minimum": 0, "maximum": 6}},
}


def _number(inputs: Mapping[str, Any], name: str) -> Decimal:
    value = inputs[name]
    try:
        number = Decimal(value) if isinstance(value, int) else Decimal(value.strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number < 0:
        raise FunctionInputError(f"percentage: {name} must be a number of at least 0, "
                                 f"got {value!r}")
    return number


@register("percentage", "part as a percentage of whole (decimal text, half-up); "
          "null when whole is 0", SCHEMA)
def percentage(inputs: Mapping[str, Any]) -> dict[str, Any]:
    part, whole = _number(inputs, "part"), _number(inputs, "whole")
    places = inputs.get("places", 2)
    if whole == 0:
        return {"percent": None, "defined": False, "part": str(part), "whole": str(whole)}
    percent = (part * 100 / whole).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return {"percent": str(percent), "defined": True, "part": str(part), "whole": str(whole)}
