"""The rule catalog: one rule per module, found by name (tslNNN_*.py)."""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from pathlib import Path

from tsl.rules.base import Rule


@lru_cache(maxsize=None)
def all_rules() -> tuple[type[Rule], ...]:
    rules = []
    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if not info.name.startswith("tsl"):
            continue
        module = importlib.import_module(f"tsl.rules.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and value.code:
                rules.append(value)
    return tuple(sorted(rules, key=lambda rule: rule.code))


def rule_by_code(code: str):
    for rule in all_rules():
        if rule.code == code.upper():
            return rule
    return None
