"""GitHub Actions workflow commands: one ::error or ::warning annotation per finding."""
from __future__ import annotations

from tsl.finding import ERROR, Finding

MAX_CHAINS = 3


def escape_data(text: str) -> str:
    """Escape a command's message as the Actions runner expects."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (file=, title=, ...): as data, plus ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    command = "error" if finding.severity == ERROR else "warning"
    properties = {
        "file": finding.path,
        "line": str(finding.line),
        "col": str(finding.column),
        "endLine": str(finding.end_line),
        "endColumn": str(finding.end_column),
        "title": finding.code,
    }
    message = finding.message
    targets = finding.targets
    if targets:
        message += "\ncompiled via: " + "; ".join(targets[:MAX_CHAINS])
        if len(targets) > MAX_CHAINS:
            message += f" and {len(targets) - MAX_CHAINS} more"
    if finding.hint:
        message += "\nhint: " + finding.hint
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{command} {props}::{escape_data(message)}"


def render(result, **_) -> str:
    return "".join(annotation(finding) + "\n" for finding in result.findings)
