"""Compact input specs: "float32[8,3,224,224]", "int64[8](0,1000)", "bool[4]".

Parsed here without torch; worker.py fills them with seeded random data.
Floats are standard normal (uniform in [low, high) when a range is given),
integers uniform in [low, high) (default [0, 10)), bools fair coins. A plain
number or boolean in the list is passed through as a Python value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Union

DTYPES = {
    "float32": "float32", "float": "float32", "float64": "float64", "double": "float64",
    "float16": "float16", "half": "float16", "bfloat16": "bfloat16",
    "int8": "int8", "int16": "int16", "int32": "int32", "int": "int32", "int64": "int64", "long": "int64",
    "uint8": "uint8", "bool": "bool", "complex64": "complex64", "complex128": "complex128",
}
SPEC = re.compile(
    r"^\s*(?P<dtype>[a-z0-9]+)\s*\[(?P<shape>[\d\s,]*)\]\s*"
    r"(?:\(\s*(?P<low>-?[\d.eE+-]+)\s*,\s*(?P<high>-?[\d.eE+-]+)\s*\))?\s*$"
)


class SpecError(ValueError):
    """An input spec that does not parse."""


@dataclass(frozen=True)
class TensorSpec:
    dtype: str  # canonical torch dtype name, e.g. "float32"
    shape: tuple[int, ...]
    low: Optional[float] = None
    high: Optional[float] = None

    def __str__(self) -> str:
        text = f"{self.dtype}[{','.join(map(str, self.shape))}]"
        if self.low is not None:
            text += f"({self.low:g},{self.high:g})"
        return text


Value = Union[TensorSpec, int, float, bool]


def parse_spec(text: str) -> TensorSpec:
    match = SPEC.match(text)
    if not match:
        raise SpecError(f"bad input spec {text!r}: expected e.g. \"float32[8,3,224,224]\" or \"int64[8](0,1000)\"")
    dtype = DTYPES.get(match.group("dtype"))
    if dtype is None:
        raise SpecError(f"bad input spec {text!r}: unknown dtype {match.group('dtype')!r} "
                        f"(one of {', '.join(sorted(DTYPES))})")
    shape_text = match.group("shape").strip()
    try:
        shape = tuple(int(part) for part in shape_text.split(",") if part.strip()) if shape_text else ()
    except ValueError:
        raise SpecError(f"bad input spec {text!r}: the shape must be integers") from None
    low = high = None
    if match.group("low") is not None:
        try:
            low, high = float(match.group("low")), float(match.group("high"))
        except ValueError:
            raise SpecError(f"bad input spec {text!r}: the range must be two numbers") from None
        if not low < high:
            raise SpecError(f"bad input spec {text!r}: the range must have low < high")
    return TensorSpec(dtype, shape, low, high)


def parse_specs(values) -> list[Value]:
    if not isinstance(values, list):
        raise SpecError("inputs must be a list of specs such as [\"float32[8,3,224,224]\"] or a \"module:function\"")
    parsed: list[Value] = []
    for value in values:
        if isinstance(value, str):
            parsed.append(parse_spec(value))
        elif isinstance(value, (bool, int, float)):
            parsed.append(value)
        else:
            raise SpecError(f"bad input spec {value!r}: expected a string spec, a number or a boolean")
    return parsed
