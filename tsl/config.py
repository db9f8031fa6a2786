"""[tool.tsl] in the nearest pyproject.toml."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from tsl.rules.catalog import all_rules

KEYS = {"select", "ignore", "extend-select", "per-file-ignores", "exclude", "extend-exclude"}
ALL_KEYS = KEYS | {"verify", "target-version"}


class ConfigError(Exception):
    """Bad configuration or option: reported with exit code 2."""


@dataclass
class Config:
    select: list[str] = field(default_factory=lambda: ["TSL"])
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    root: Path = field(default_factory=Path.cwd)
    source: Optional[Path] = None  # the pyproject.toml it came from
    raw: dict = field(default_factory=dict)
    target_version: Optional[str] = None  # torch version whose rule set applies (None: see tsl.versions)
    # build the fixes findings carry; the command line turns it off where no output shows them
    fixes: bool = True

    def enabled(self, code: str, extra_ignore: tuple[str, ...] = ()) -> bool:
        selected = [p for p in self.select + self.extend_select if code.startswith(p)]
        if not selected:
            return False
        ignored = [p for p in list(self.ignore) + list(extra_ignore) if code.startswith(p)]
        return not ignored or max(map(len, ignored)) < max(map(len, selected))

    def fingerprint(self) -> str:
        from tsl.versions import target_version

        parts = [self.select, self.ignore, self.extend_select, sorted(self.per_file_ignores.items()),
                 self.exclude, self.extend_exclude, target_version(self), self.fixes]
        return repr(parts)


def validate_codes(codes, where: str) -> list[str]:
    if isinstance(codes, str):
        codes = [codes]
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise ConfigError(f"{where}: expected a list of rule codes")
    known = [rule.code for rule in all_rules()]
    result = []
    for code in codes:
        code = code.strip().upper()
        if code == "ALL":
            code = "TSL"
        if not code or not any(k.startswith(code) for k in known):
            raise ConfigError(f"{where}: unknown rule code or prefix '{code}' (see `tsl rules`)")
        result.append(code)
    return result


def find_pyproject(start: Path) -> Optional[Path]:
    start = start.resolve()
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Optional[Path] = None) -> Config:
    pyproject = find_pyproject(start or Path.cwd())
    if pyproject is None:
        return Config(root=(start or Path.cwd()).resolve())
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{pyproject}: cannot read configuration: {exc}") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{pyproject}: [tool] must be a table")
    return config_from_table(tool.get("tsl", {}), pyproject)


def config_from_table(section: dict, pyproject: Optional[Path] = None) -> Config:
    where = f"{pyproject}: [tool.tsl]" if pyproject else "[tool.tsl]"
    if not isinstance(section, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = sorted(set(section) - ALL_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; expected one of {', '.join(sorted(ALL_KEYS))}")
    config = Config(root=pyproject.parent.resolve() if pyproject else Path.cwd().resolve(), source=pyproject,
                    raw=section)
    if "select" in section:
        config.select = validate_codes(section["select"], f"{where} select")
    config.ignore = validate_codes(section.get("ignore", []), f"{where} ignore")
    config.extend_select = validate_codes(section.get("extend-select", []), f"{where} extend-select")
    pfi = section.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError(f"{where} per-file-ignores must be a table of glob = [codes]")
    config.per_file_ignores = {
        glob: validate_codes(codes, f"{where} per-file-ignores '{glob}'") for glob, codes in pfi.items()
    }
    for key in ("exclude", "extend-exclude"):
        value = section.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where} {key} must be a list of glob patterns")
        setattr(config, key.replace("-", "_"), value)
    target = section.get("target-version")
    if target is not None and not isinstance(target, str):
        raise ConfigError(f"{where} target-version must be a string such as \"2.13\"")
    if target is not None:
        from tsl.versions import parse_version

        try:
            parse_version(target)
        except ValueError:
            raise ConfigError(f"{where} target-version must be a version such as \"2.13\", not {target!r}") from None
        config.target_version = target
    return config
