"""[tool.tsl.verify]: how to build each target and what to feed it (no torch here).

    [tool.tsl.verify]
    timeout = 120          # seconds per file import and per target (--verify-timeout wins)
    budget = 2.0           # seconds of timed iterations per variant
    warmup = 3             # untimed runs first (at least 3)
    min-runs = 5           # timed runs at least, even past the budget
    max-runs = 1000
    seed = 0
    paths = ["src"]        # extra import roots, relative to the project root

    "pkg.models:Net" = { factory = "pkg.models:make_net", inputs = "pkg.models:example_inputs" }
    "pkg.models:Head" = { args = [256], kwargs = { classes = 10 }, inputs = ["float32[8,256]"] }
    "pkg/legacy.py:Old" = { skip = true }

Keys holding a ':' name a target, as "module:Name" or "path/to/file.py:Name".
A module can carry the same per-target tables itself, as a module-level dict
TSL_VERIFY = {"Net": {...}} whose factory and inputs may also be callables.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

from tsl.config import ConfigError
from tsl.verify.specs import SpecError, parse_specs

SETTING_KEYS = {"timeout", "budget", "warmup", "min-runs", "max-runs", "seed", "paths"}
TARGET_KEYS = {"factory", "args", "kwargs", "inputs", "skip"}
MIN_WARMUP = 3
MAX_TIMEOUT = 86400.0  # a day: past that a timeout is a typo (and 1e308 s overflows the clock)


@dataclass
class TargetSettings:
    factory: Optional[str] = None  # "module:callable" returning the module
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)
    inputs: object = None  # "module:callable" or a list of specs
    skip: bool = False

    def to_json(self) -> dict:
        return {"factory": self.factory, "args": self.args, "kwargs": self.kwargs, "inputs": self.inputs,
                "skip": self.skip}


@dataclass
class VerifySettings:
    timeout: float = 120.0
    budget: float = 2.0
    warmup: int = MIN_WARMUP
    min_runs: int = 5
    max_runs: int = 1000
    seed: int = 0
    paths: list[str] = field(default_factory=list)
    targets: dict[str, TargetSettings] = field(default_factory=dict)

    def for_target(self, module: str, relpath: str, name: str) -> Optional[TargetSettings]:
        for key in (f"{module}:{name}", f"{relpath}:{name}"):
            if key in self.targets:
                return self.targets[key]
        return None

    def timing_json(self) -> dict:
        return {"budget_s": self.budget, "warmup": self.warmup, "min_runs": self.min_runs,
                "max_runs": self.max_runs, "seed": self.seed}


def timeout_problem(value) -> Optional[str]:
    """Why value is no timeout (--verify-timeout, [tool.tsl.verify] timeout), or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        return "must be a positive number of seconds"
    if value > MAX_TIMEOUT:
        return f"must be at most {MAX_TIMEOUT:g} seconds"
    return None


def _number(value, where: str, kind=float, minimum=0.0):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
        raise ConfigError(f"{where} must be {'an integer' if kind is int else 'a number'}")
    if not math.isfinite(value):  # TOML has inf and nan
        raise ConfigError(f"{where} must be a finite number")
    if value < minimum:
        raise ConfigError(f"{where} must be at least {minimum}")
    return kind(value)


def _reference(value, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} must be a \"module:callable\" string")
    return value.strip()


def parse_target(key: str, table, where: str) -> TargetSettings:
    where = f"{where} \"{key}\""
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table such as {{ factory = \"pkg.models:make_net\" }}")
    unknown = sorted(set(table) - TARGET_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; expected {', '.join(sorted(TARGET_KEYS))}")
    target = TargetSettings()
    if "factory" in table:
        target.factory = _reference(table["factory"], f"{where} factory")
    if "args" in table:
        if not isinstance(table["args"], list):
            raise ConfigError(f"{where} args must be a list")
        target.args = table["args"]
    if "kwargs" in table:
        if not isinstance(table["kwargs"], dict):
            raise ConfigError(f"{where} kwargs must be a table")
        target.kwargs = table["kwargs"]
    if target.factory and (target.args or target.kwargs):
        raise ConfigError(f"{where}: give a factory or args/kwargs, not both")
    if "inputs" in table:
        inputs = table["inputs"]
        if isinstance(inputs, str):
            target.inputs = _reference(inputs, f"{where} inputs")
        else:
            try:
                parse_specs(inputs)
            except SpecError as exc:
                raise ConfigError(f"{where} inputs: {exc}") from None
            target.inputs = inputs
    if "skip" in table:
        if not isinstance(table["skip"], bool):
            raise ConfigError(f"{where} skip must be true or false")
        target.skip = table["skip"]
    return target


def load_settings(config) -> VerifySettings:
    """VerifySettings from Config.raw['verify'] (the [tool.tsl.verify] table)."""
    where = f"{config.source}: [tool.tsl.verify]" if config.source else "[tool.tsl.verify]"
    table = (config.raw or {}).get("verify", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    settings = VerifySettings()
    for key, value in table.items():
        if ":" in key:
            settings.targets[key] = parse_target(key, value, where)
        elif key not in SETTING_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r}; expected one of {', '.join(sorted(SETTING_KEYS))} "
                              "or a target such as \"pkg.models:Net\"")
    if "timeout" in table:
        problem = timeout_problem(table["timeout"])
        if problem is not None:
            raise ConfigError(f"{where} timeout {problem}")
        settings.timeout = float(table["timeout"])
    if "budget" in table:
        settings.budget = _number(table["budget"], f"{where} budget", float, 0.0)
    if "warmup" in table:
        settings.warmup = _number(table["warmup"], f"{where} warmup", int, MIN_WARMUP)
    if "min-runs" in table:
        settings.min_runs = _number(table["min-runs"], f"{where} min-runs", int, 1)
    if "max-runs" in table:
        settings.max_runs = _number(table["max-runs"], f"{where} max-runs", int, 1)
    if settings.max_runs < settings.min_runs:
        raise ConfigError(f"{where}: max-runs must be at least min-runs")
    if "seed" in table:
        settings.seed = _number(table["seed"], f"{where} seed", int, 0)
    if "paths" in table:
        paths = table["paths"]
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise ConfigError(f"{where} paths must be a list of folders")
        settings.paths = paths
    return settings
