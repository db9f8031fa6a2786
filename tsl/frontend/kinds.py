"""One vocabulary for the kinds of values tsl reasons about, and the conversions between
its three spellings (in frontend/ so that model/, fix/ and the rules can all use it):

- a value's Python type, as `literal_kind` and the attribute readers give it:
  "int", "str", "list", "dict", "tuple", "set", "None", "Tensor", ...;
- the head of a TorchScript type, as `types.annotation_kind` gives it:
  "int", "List", "Dict", "Optional", "Union", ...;
- a whole TorchScript type, a tuple (the fix toolkit's, rendered into annotations):
  ("int",), ("List", ("int",)), ("Tuple", a, b), ("Dict", k, v), ("Optional", t), ("Tensor",).
"""
from __future__ import annotations

from typing import Optional

TENSOR = "Tensor"
NONE = "None"
UNKNOWN = "unknown"
MIXED = "mixed"  # a literal container of values of different types

# spelled the same as a Python type, a TorchScript head and a whole type
SCALARS = ("int", "float", "bool", "str", "complex")
CONSTANT_SCALARS = ("int", "float", "bool", "str")  # what a Final constant or a dict key can be

# Python's containers, and TorchScript's heads
LIST, TUPLE, DICT, SET = "list", "tuple", "dict", "set"
T_LIST, T_TUPLE, T_DICT, T_OPTIONAL, T_UNION = "List", "Tuple", "Dict", "Optional", "Union"
HEADS = {LIST: T_LIST, TUPLE: T_TUPLE, DICT: T_DICT}  # a Python container's TorchScript head
GENERICS = {  # qualified names of the generic types, by head
    "typing.List": T_LIST, "builtins.list": T_LIST, "typing.Tuple": T_TUPLE, "builtins.tuple": T_TUPLE,
    "typing.Dict": T_DICT, "builtins.dict": T_DICT, "typing.Optional": T_OPTIONAL, "typing.Union": T_UNION,
}
SPELLED = (T_LIST, T_TUPLE, T_DICT, T_OPTIONAL)  # the heads of the whole types tsl writes
MUTABLE = (T_LIST, T_DICT)  # no default value, no constant of these


def certain_type(literal: Optional[str]) -> Optional[tuple]:
    """The whole type a literal kind is sure of: only a Tensor factory's (a number's literal
    kind is a guess: `2 ** -1` is a float)."""
    return (TENSOR,) if literal == TENSOR else None


def is_constant(kind: tuple) -> bool:
    """A whole type a Final attribute can hold (the compiler makes a list a tuple constant)."""
    if kind[0] in CONSTANT_SCALARS:
        return True
    if kind[0] == T_TUPLE:
        return all(is_constant(part) for part in kind[1:])
    if kind[0] == T_LIST:
        return kind[1][0] in CONSTANT_SCALARS
    return False
